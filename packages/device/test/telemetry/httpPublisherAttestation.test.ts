// The HTTP publisher with an attester, against a stand-in gateway that runs the real verifier
// (@veriot/core) — the real gateway lives in @veriot/node, which this package must not import.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { p256 } from '@noble/curves/nist.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import {
  createAttestationChallenges,
  deviceIdFromPublicKey,
  isVeriotError,
  parseAttestationEvidence,
  readingIdOf,
  verifyAttestation,
} from '@veriot/core'
import {
  createGatewayAttestationClient,
  createHttpPublisher,
  createSoftwareAttester,
  createTelemetryDevice,
  type TelemetryDevice,
} from '../../src/index.ts'
import { createSoftwareKey } from '../../src/keys/software/createSoftwareKey.ts'

const key = createSoftwareKey(p256.utils.randomSecretKey())
const deviceId = deviceIdFromPublicKey(key.publicKey)
const measurement = new Uint8Array(32).fill(7)
const readings = [{ name: 'temp', value: 1, unit: 'Cel' }]
const maxAgeMs = 10_000
const challenges = createAttestationChallenges({ ttlMs: 60_000, now: Date.now })
let attestedUntil = 0
let attestations = 0
let refuseWith: string | undefined
const posted: string[] = []

const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const body = Buffer.concat(chunks)
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(value))
    }
    try {
      if (req.url === '/v1/attestation/challenge') {
        const { deviceId: id } = JSON.parse(body.toString('utf8'))
        return json(200, {
          deviceId: id,
          nonce: `0x${bytesToHex(challenges.issue(id))}`,
          expiresAt: 0,
        })
      }
      if (req.url === '/v1/attestation') {
        if (refuseWith) return json(403, { error: { code: refuseWith, message: 'refused' } })
        const evidence = parseAttestationEvidence(JSON.parse(body.toString('utf8')))
        challenges.redeem(evidence.deviceId, evidence.nonce)
        const now = Date.now()
        const r = verifyAttestation(evidence, {
          nonce: evidence.nonce,
          boundKey: key.publicKey,
          expectedMeasurement: measurement,
          maxAgeMs,
          now,
        })
        attestations++
        attestedUntil = r.expiresAt
        return json(200, {
          status: 'attested',
          deviceId: r.deviceId,
          level: r.level,
          measurement: `0x${bytesToHex(r.measurement)}`,
          model: 'm',
          firmwareVersion: '1.0.0',
          verifiedAt: r.verifiedAt,
          expiresAt: r.expiresAt,
        })
      }
      posted.push(bytesToHex(body))
      if (!(Date.now() < attestedUntil)) {
        return json(403, { error: { code: 'ATTESTATION_REQUIRED', message: 'attest first' } })
      }
      return json(202, { status: 'accepted', readingId: readingIdOf(new Uint8Array(body)) })
    } catch (err) {
      return json(401, {
        error: { code: isVeriotError(err) ? err.code : 'INTERNAL', message: String(err) },
      })
    }
  })
})

let dir: string
let device: TelemetryDevice
let baseUrl: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veriot-http-attest-'))
  device = await createTelemetryDevice({ key, dataDir: dir })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(async () => {
  await device.close()
  await new Promise((resolve) => server.close(resolve))
  await rm(dir, { recursive: true, force: true })
})

const attester = createSoftwareAttester({ key, measurement })

test('default: the publisher attests before its first message, then reuses the result', async () => {
  const http = createHttpPublisher({ baseUrl, device, attester })
  const before = attestations
  assert.equal((await http.send('temperature', readings)).status, 'accepted')
  assert.equal((await http.send('temperature', readings)).status, 'accepted')
  assert.equal(attestations, before + 1)
  assert.equal(http.attestation?.isFresh(), true)
})

test('behavior: after ATTESTATION_REQUIRED it attests again and sends the same bytes once more', async () => {
  const http = createHttpPublisher({ baseUrl, device, attester })
  await http.send('temperature', readings)
  attestedUntil = 0 // the gateway lost the result (e.g. a new store)
  const before = attestations
  const sent = await http.send('temperature', readings)
  assert.equal(sent.status, 'accepted')
  assert.equal(attestations, before + 1)
  assert.equal(posted.at(-1), posted.at(-2)) // refused, then resent unchanged
})

test('behavior: renewal is due a tenth of the validity before the gateway expiry', async () => {
  let t = 1_000
  const client = createGatewayAttestationClient({ baseUrl, deviceId, attester, now: () => t })
  const result = await client.attest()
  assert.equal(result.level, 'software')
  assert.equal(client.renewAt(), 1_000 + maxAgeMs - maxAgeMs / 10)
  t = client.renewAt() - 1
  assert.equal(client.isFresh(), true)
  t = client.renewAt()
  assert.equal(client.isFresh(), false)
  const before = attestations
  await client.ensure()
  assert.equal(attestations, before + 1)
})

test('error: the gateway refusing the attestation gives its code, and nothing is sent', async () => {
  refuseWith = 'FIRMWARE_RELEASE_REVOKED'
  try {
    const http = createHttpPublisher({ baseUrl, device, attester })
    const count = posted.length
    await assert.rejects(http.send('temperature', readings), (err: unknown) => {
      assert.ok(isVeriotError(err, 'FIRMWARE_RELEASE_REVOKED'), String(err))
      return true
    })
    assert.equal(posted.length, count)
  } finally {
    refuseWith = undefined
  }
})

test('error: a base URL with credentials is INVALID_ARGUMENT', () => {
  assert.throws(
    () => createGatewayAttestationClient({ baseUrl: 'http://u:p@127.0.0.1:1', deviceId, attester }),
    (err: unknown) => isVeriotError(err, 'INVALID_ARGUMENT'),
  )
})
