import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { p256 } from '@noble/curves/nist.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { decodeTelemetry, isVeriotError, readingIdOf, verifyTelemetrySignature } from '@veriot/core'
import {
  createHttpPublisher,
  createTelemetryDevice,
  type TelemetryDevice,
} from '../../src/index.ts'
import { createSoftwareKey } from '../../src/keys/software/createSoftwareKey.ts'
import { freePort } from './support/mosquitto.ts'

// A stand-in for the gateway's HTTP ingest (the real one lives in @veriot/node, a higher layer
// this package must not import): it decodes and verifies for real and answers by the protocol.
type Behaviour = (body: Uint8Array, req: IncomingMessage, res: ServerResponse) => void

const key = createSoftwareKey(p256.utils.randomSecretKey())
const readings = [{ name: 'temp', value: -21.5, unit: 'Cel' }]
let dir: string
let device: TelemetryDevice
let baseUrl: string
let behaviour: Behaviour
const seen: Array<{ path: string; contentType: string | undefined; body: Uint8Array }> = []
const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const body = new Uint8Array(Buffer.concat(chunks))
    seen.push({ path: req.url ?? '', contentType: req.headers['content-type'], body })
    behaviour(body, req, res)
  })
})

const stored = new Set<string>()
const gateway: Behaviour = (body, req, res) => {
  const json = (status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(value))
  }
  if (req.method !== 'POST' || !req.url?.endsWith('/v1/telemetry')) {
    return json(404, { error: { code: 'INVALID_ARGUMENT', message: 'no such route' } })
  }
  try {
    const message = decodeTelemetry(body)
    if (!verifyTelemetrySignature(message, { p256PublicKey: key.publicKey })) {
      return json(401, {
        error: { code: 'SIGNATURE_INVALID', message: 'signature does not verify' },
      })
    }
  } catch (err) {
    const code = isVeriotError(err) ? err.code : 'INTERNAL'
    return json(400, { error: { code, message: 'bad message' } })
  }
  const readingId = readingIdOf(body)
  if (stored.has(readingId)) return json(200, { status: 'duplicate', readingId })
  stored.add(readingId)
  json(202, { status: 'accepted', readingId })
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veriot-http-'))
  device = await createTelemetryDevice({ key, dataDir: dir })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await device.close()
  await rm(dir, { recursive: true, force: true })
})

const hasCode = (code: string) => (err: unknown) => {
  assert.ok(isVeriotError(err), `expected a VeriotError, got ${String(err)}`)
  assert.equal(err.code, code, err.message)
  return true
}

test('default: send is accepted (202) with the reading id of the bytes sent', async () => {
  behaviour = gateway
  const http = createHttpPublisher({ baseUrl, device })
  const result = await http.send('climate', readings)
  assert.equal(result.status, 'accepted')
  const last = seen.at(-1)
  assert.ok(last)
  assert.equal(last.path, '/v1/telemetry')
  assert.equal(last.contentType, 'application/cbor')
  assert.equal(result.readingId, readingIdOf(last.body))
})

test('behavior: the same bytes again are a duplicate (200), same reading id', async () => {
  behaviour = gateway
  const http = createHttpPublisher({ baseUrl, device })
  const { bytes, readingId } = await device.sign('climate', readings)
  assert.deepEqual(await http.sendEncoded(bytes), { status: 'accepted', readingId })
  assert.deepEqual(await http.sendEncoded(bytes), { status: 'duplicate', readingId })
})

test('behavior: a path prefix in the base URL is kept; query and fragment are dropped', async () => {
  behaviour = gateway
  const http = createHttpPublisher({ baseUrl: `${baseUrl}/gw/?token=x#y`, device })
  await http.send('climate', readings)
  assert.equal(seen.at(-1)?.path, '/gw/v1/telemetry')
})

test('error: a 4xx answer throws the gateway code', async () => {
  behaviour = gateway
  const http = createHttpPublisher({ baseUrl, device })
  const { bytes } = await device.sign('climate', readings)
  const tampered = bytes.slice()
  tampered[tampered.length - 1] ^= 0x01 // last signature byte
  await assert.rejects(http.sendEncoded(tampered), hasCode('SIGNATURE_INVALID'))
  await assert.rejects(http.sendEncoded(new Uint8Array([0xff])), hasCode('TELEMETRY_MALFORMED'))
})

test('error: unreachable or unexpected gateways are GATEWAY_UNREACHABLE', async () => {
  const { bytes, readingId } = await device.sign('climate', readings)
  const answers: Array<[string, Behaviour]> = [
    ['5xx', (_b, _q, res) => res.writeHead(503).end('busy')],
    [
      '4xx with an unknown code',
      (_b, _q, res) => res.writeHead(400).end('{"error":{"code":"NO_SUCH_CODE","message":"x"}}'),
    ],
    ['4xx without a JSON body', (_b, _q, res) => res.writeHead(404).end('<html>not found</html>')],
    [
      '202 with another reading id',
      (_b, _q, res) =>
        res.writeHead(202).end(
          JSON.stringify({
            status: 'accepted',
            readingId: `0x${bytesToHex(new Uint8Array(32))}`,
          }),
        ),
    ],
    [
      '200 that says accepted',
      (_b, _q, res) => res.writeHead(200).end(JSON.stringify({ status: 'accepted', readingId })),
    ],
    ['202 with no body', (_b, _q, res) => res.writeHead(202).end()],
    ['301', (_b, _q, res) => res.writeHead(301, { location: '/elsewhere' }).end()],
  ]
  const http = createHttpPublisher({ baseUrl, device })
  for (const [name, answer] of answers) {
    behaviour = answer
    await assert.rejects(http.sendEncoded(bytes), hasCode('GATEWAY_UNREACHABLE'), name)
  }
  // Nothing listening.
  const closed = createHttpPublisher({ baseUrl: `http://127.0.0.1:${await freePort()}`, device })
  await assert.rejects(closed.sendEncoded(bytes), (err) => {
    hasCode('GATEWAY_UNREACHABLE')(err)
    assert.match((err as Error).message, /ECONNREFUSED/)
    return true
  })
  // No answer in time.
  behaviour = () => {}
  const slow = createHttpPublisher({ baseUrl, device, timeoutMs: 100 })
  await assert.rejects(slow.sendEncoded(bytes), (err) => {
    hasCode('GATEWAY_UNREACHABLE')(err)
    assert.match((err as Error).message, /timed out/)
    return true
  })
})

test('error: base URLs that are not http(s) or carry credentials', () => {
  for (const url of [
    'ftp://127.0.0.1/',
    'not a url',
    'http://user:secret@127.0.0.1/',
    'mqtt://x',
  ]) {
    assert.throws(
      () => createHttpPublisher({ baseUrl: url, device }),
      (err) => {
        hasCode('INVALID_ARGUMENT')(err)
        assert.doesNotMatch((err as Error).message, /secret/)
        return true
      },
    )
  }
})
