// Webhook delivery against a real HTTP server on loopback: signed payloads, retries with
// backoff, one event id across retries, and an outbox that survives a restart.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createWebhookNotifier } from '../src/notify/createWebhookNotifier.ts'
import { createWebhookSignature, verifyWebhookSignature } from '../src/notify/webhookSignature.ts'

const secret = 'a-secret-of-sufficient-length'

type Received = { id: string; signature: string; body: string; valid: boolean }

describe('webhook notifier', () => {
  let server: Server
  let url: string
  let dir: string
  const received: Received[] = []
  let failNext = 0

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'veriot-webhook-'))
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk) => {
        body += chunk
      })
      req.on('end', () => {
        const signature = String(req.headers['veriot-signature'] ?? '')
        received.push({
          id: String(req.headers['veriot-event-id']),
          signature,
          body,
          valid: verifyWebhookSignature(secret, signature, body),
        })
        if (failNext > 0) {
          failNext -= 1
          res.writeHead(503).end()
        } else res.writeHead(204).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
  })
  after(async () => {
    await new Promise((resolve) => server?.close(resolve))
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  test('default: a signed payload is delivered once', async () => {
    received.length = 0
    const notifier = createWebhookNotifier({ url, secret, path: ':memory:' })
    try {
      const id = notifier.notify({ type: 'breach', data: { deviceId: '0xab', value: -12n } })
      await notifier.drain()
      assert.equal(received.length, 1)
      assert.equal(received[0]?.id, id)
      assert.equal(received[0]?.valid, true)
      const body = JSON.parse(received[0]?.body ?? '{}')
      assert.deepEqual([body.id, body.type, body.data.value], [id, 'breach', '-12'])
      assert.notEqual(notifier.get(id)?.deliveredAt, undefined)
      assert.deepEqual(notifier.pending(), [])
    } finally {
      await notifier.close()
    }
  })

  test('behavior: failures are retried with backoff, with the same event id', async () => {
    received.length = 0
    failNext = 2
    const notifier = createWebhookNotifier({ url, secret, path: ':memory:', retryMs: 20 })
    try {
      const id = notifier.notify({ type: 'lockdown', data: {} })
      await notifier.drain()
      assert.deepEqual(
        received.map((r) => r.id),
        [id, id, id],
      )
      assert.equal(notifier.get(id)?.attempts, 3)
      assert.notEqual(notifier.get(id)?.deliveredAt, undefined)
    } finally {
      await notifier.close()
    }
  })

  test('behavior: an event queued before a restart is delivered after it', async () => {
    received.length = 0
    const path = join(dir, 'outbox.sqlite')
    // The first process cannot reach the receiver (nothing listens there) and stops.
    const first = createWebhookNotifier({
      url: 'http://127.0.0.1:9/unreachable',
      secret,
      path,
      retryMs: 60_000,
    })
    const id = first.notify({ type: 'breach', data: { n: 1 } })
    await new Promise((resolve) => setTimeout(resolve, 200))
    await first.close()
    assert.equal(received.length, 0)
    const second = createWebhookNotifier({ url, secret, path, retryMs: 20 })
    try {
      // Its retry is due in a minute; a restart with the right URL picks it up from the outbox.
      assert.equal(second.pending()[0]?.id, id)
      assert.match(second.pending()[0]?.lastError ?? '', /fetch failed|ECONNREFUSED|TypeError/)
    } finally {
      await second.close()
    }
    const third = createWebhookNotifier({
      url,
      secret,
      path,
      retryMs: 20,
      now: () => Date.now() + 120_000,
    })
    try {
      await third.drain()
      assert.deepEqual(
        received.map((r) => r.id),
        [id],
      )
    } finally {
      await third.close()
    }
  })

  test('behavior: a receiver rejects a tampered body, an old timestamp and a wrong secret', () => {
    const body = '{"a":1}'
    const t = Date.now()
    const header = createWebhookSignature(secret, t, body)
    assert.equal(verifyWebhookSignature(secret, header, body), true)
    assert.equal(verifyWebhookSignature(secret, header, '{"a":2}'), false)
    assert.equal(verifyWebhookSignature('another-secret-of-length', header, body), false)
    assert.equal(
      verifyWebhookSignature(secret, createWebhookSignature(secret, t - 600_000, body), body),
      false,
    )
    for (const bad of ['', 't=1', 'v1=00', `t=x,v1=${'0'.repeat(64)}`, `${header},extra`, null]) {
      assert.equal(verifyWebhookSignature(secret, bad, body), false, String(bad))
    }
  })

  test('error: a bad url or a short secret is CONFIG_INVALID', () => {
    for (const [u, s] of [
      ['not a url', secret],
      ['ftp://127.0.0.1/x', secret],
      [url, 'short'],
    ] as const) {
      assert.throws(() => createWebhookNotifier({ url: u, secret: s, path: ':memory:' }), {
        code: 'CONFIG_INVALID',
      })
    }
  })
})
