// Hostile input at the gateway's two doors (fast-check): random bytes, truncations and bit
// flips of a valid signed message, oversized bodies, random JSON, any content type; over HTTP
// and as MQTT publishes of an authenticated device. The gateway must stay up, store nothing
// invalid, and answer every rejection with a documented code (HTTP: a 4xx status).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ErrorCodes, TELEMETRY_MAX_BYTES } from '@veriot/core'
import { createMqttConnectToken } from '@veriot/device'
import fc from 'fast-check'
import mqtt from 'mqtt'
import { type Gateway, startGateway } from '../src/gateway/startGateway.ts'
import { errorsTopic, telemetryTopic } from '../src/gateway/topics.ts'
import { type ActiveDevice, createActiveDevice } from './support/createActiveDevice.ts'
import { within } from './support/waitFor.ts'
import { startTestChain, type TestChain } from './testChain.ts'

const RUNS = 400

const isDocumentedCode = (code: unknown) =>
  typeof code === 'string' && Object.hasOwn(ErrorCodes, code)

/** Payloads that are never a valid new message, derived from `valid` (a signed message). */
function hostilePayloads(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  const flip = (bytes: Uint8Array, flips: Array<[number, number]>) => {
    // A copy: encodeTelemetry returns a Node Buffer, whose slice() would share its memory.
    const out = Uint8Array.from(bytes)
    for (const [at, bit] of flips)
      out[at % out.length] = (out[at % out.length] as number) ^ (1 << bit)
    return out
  }
  return fc.oneof(
    // Random bytes, short and long.
    fc.uint8Array({ maxLength: 64 }),
    fc.uint8Array({ minLength: 65, maxLength: 4096 }),
    // Truncations of a valid message (every strict prefix, the empty one included).
    fc.nat({ max: valid.length - 1 }).map((n) => valid.slice(0, n)),
    // One to four bit flips anywhere in a valid message (an odd count never cancels out).
    fc
      .array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 7 })), {
        minLength: 1,
        maxLength: 4,
      })
      .filter((flips) => new Set(flips.map(([a, b]) => `${a}.${b}`)).size === flips.length)
      .map((flips) => flip(valid, flips)),
    // A valid message with bytes appended (trailing data after the CBOR item).
    fc.uint8Array({ minLength: 1, maxLength: 32 }).map((tail) => concat(valid, tail)),
    // Oversized: above the 16 KiB message limit.
    fc
      .integer({ min: TELEMETRY_MAX_BYTES + 1, max: 4 * TELEMETRY_MAX_BYTES })
      .map((n) => concat(valid, new Uint8Array(n - valid.length).fill(0xa1))),
    // Random JSON text.
    fc.json().map((text) => new TextEncoder().encode(text)),
  )
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

const contentTypes = fc.constantFrom(
  'application/cbor',
  'application/octet-stream',
  'application/json',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  undefined,
)

describe('gateway under hostile input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-fuzz-'))
  let chain: TestChain
  let gateway: Gateway
  let device: ActiveDevice
  let client: mqtt.MqttClient | undefined

  before(async () => {
    chain = await startTestChain()
    device = await createActiveDevice(chain)
    gateway = await startGateway({
      conn: await chain.as(9),
      deployment: chain.deployment,
      store: join(dir, 'gateway.sqlite'),
      attestation: false,
      mqttPort: 0,
      httpPort: 0,
      noAnchor: true,
      // Parser robustness only: 400 hostile messages from one authenticated device would
      // (rightly) lock it down — that is tested in gatewayLockdown.test.ts.
      anomaly: false,
    })
  })
  after(async () => {
    await client?.endAsync(true)
    await gateway?.stop()
    await chain?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const post = async (body: Uint8Array, contentType?: string) => {
    const r = await fetch(`${gateway.httpUrl}/v1/telemetry`, {
      method: 'POST',
      body,
      ...(contentType === undefined ? {} : { headers: { 'content-type': contentType } }),
    })
    const text = await r.text()
    let json: any
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: r.status, text, json }
  }

  test('error: HTTP answers every hostile body with 4xx and a documented code, and stores nothing', async () => {
    const valid = await device.message()
    assert.equal((await post(valid)).status, 202)
    const stored = (await gateway.store.getCounts()).readings
    const seen = new Map<string, number>()
    await fc.assert(
      fc.asyncProperty(hostilePayloads(valid), contentTypes, async (body, contentType) => {
        const r = await post(body, contentType)
        assert.ok(r.status >= 400 && r.status < 500, `HTTP ${r.status}: ${r.text.slice(0, 200)}`)
        const code = r.json?.error?.code
        assert.ok(isDocumentedCode(code), `undocumented code in ${r.text.slice(0, 200)}`)
        assert.equal(typeof r.json.error.message, 'string')
        seen.set(code, (seen.get(code) ?? 0) + 1)
      }),
      { numRuns: RUNS },
    )
    assert.equal((await gateway.store.getCounts()).readings, stored, 'nothing invalid was stored')
    // The generators reach deep into the pipeline, not only the parser.
    for (const code of ['TELEMETRY_MALFORMED', 'TELEMETRY_TOO_LARGE', 'SIGNATURE_INVALID']) {
      assert.ok(seen.has(code), `some case was rejected with ${code}: ${[...seen.keys()]}`)
    }
  })

  test('behavior: the content type is not trusted: a valid body is taken whatever it claims', async () => {
    let stored = (await gateway.store.getCounts()).readings
    await fc.assert(
      fc.asyncProperty(contentTypes, async (contentType) => {
        const r = await post(await device.message(), contentType)
        assert.equal(r.status, 202, r.text)
        stored++
      }),
      { numRuns: 20 },
    )
    assert.equal((await gateway.store.getCounts()).readings, stored)
  })

  test('error: a streamed body past the limit, other methods and paths get documented codes', async () => {
    const chunk = new Uint8Array(1024).fill(0xa1)
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 64) controller.enqueue(chunk)
        else controller.close()
      },
    })
    const big = await fetch(`${gateway.httpUrl}/v1/telemetry`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit)
    assert.equal(big.status, 413)
    // The rest of the body was never read: the connection must not be reused for the next request.
    assert.equal(big.headers.get('connection'), 'close')
    assert.equal(((await big.json()) as any).error.code, 'TELEMETRY_TOO_LARGE')
    for (const [method, path] of [
      ['GET', '/v1/telemetry'],
      ['PUT', '/v1/telemetry'],
      ['POST', '/v1/telemetry/x'],
      ['POST', '/../v1/telemetry%00'],
    ] as const) {
      const r = await fetch(`${gateway.httpUrl}${path}`, {
        method,
        ...(method === 'GET' ? {} : { body: new Uint8Array([1]) }),
      })
      assert.ok(r.status >= 400 && r.status < 500, `${method} ${path}: ${r.status}`)
      assert.ok(isDocumentedCode(((await r.json()) as any).error.code))
    }
  })

  test('error: MQTT answers every hostile publish on the errors topic with a documented code, stays connected, stores nothing', async () => {
    client = await mqtt.connectAsync(gateway.mqttUrl, {
      clientId: `veriot-${device.deviceId}`,
      username: device.deviceId,
      password: await createMqttConnectToken(device.key, device.deviceId, Date.now()),
      reconnectPeriod: 0,
    })
    const mqttClient = client
    // One message at a time: without this, each publish waits out the broker's delayed ACK.
    ;(mqttClient.stream as Socket).setNoDelay(true)
    let closed = false
    mqttClient.on('close', () => {
      closed = true
    })
    const rejections: Array<{ code: string; message: string }> = []
    let onRejection = () => {}
    mqttClient.on('message', (_topic, payload) => {
      rejections.push(JSON.parse(payload.toString()))
      onRejection()
    })
    const rejectionCount = (n: number) =>
      within(
        'the rejection',
        new Promise<void>((resolve) => {
          onRejection = () => {
            if (rejections.length >= n) resolve()
          }
          onRejection()
        }),
        10_000,
      )
    await mqttClient.subscribeAsync(errorsTopic(device.deviceId), { qos: 1 })

    const valid = await device.message()
    await mqttClient.publishAsync(telemetryTopic(device.deviceId), Buffer.from(valid), { qos: 1 })
    const stored = (await gateway.store.getCounts()).readings
    let published = 0
    await fc.assert(
      fc.asyncProperty(hostilePayloads(valid), async (payload) => {
        await within(
          'PUBACK',
          mqttClient.publishAsync(telemetryTopic(device.deviceId), Buffer.from(payload), {
            qos: 1,
          }),
          10_000,
        )
        published++
        await rejectionCount(published)
        const rejection = rejections[published - 1]
        assert.ok(isDocumentedCode(rejection?.code), JSON.stringify(rejection))
        assert.equal(closed, false, 'the broker kept the device connected')
      }),
      { numRuns: RUNS },
    )
    assert.equal(rejections.length, published, 'one rejection per hostile message')
    assert.equal((await gateway.store.getCounts()).readings, stored, 'nothing invalid was stored')

    // Still serving: the next valid message is stored.
    const next = await device.message()
    await mqttClient.publishAsync(telemetryTopic(device.deviceId), Buffer.from(next), { qos: 1 })
    assert.equal((await gateway.store.getCounts()).readings, stored + 1)
    assert.equal((await post(await device.message())).status, 202)
  })
})
