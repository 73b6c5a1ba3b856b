// createGatewayAttestation with a fake clock, registry and FirmwareRegistry: expiry, the verdict
// re-read and its outage rule, records bound to the registered release, persistence; and the
// store's migration of readings files from before the assurance level.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import {
  attestationEvidenceToJson,
  deviceIdFromPublicKey,
  type FirmwareVerdict,
  firmwareVersionFromUint64,
  isVeriotError,
  VeriotError,
} from '@veriot/core'
import { createMemoryKey, createSoftwareAttester } from '@veriot/device'
import Database from 'better-sqlite3'
import { bytesToHex, type Hex, hexToBytes } from 'viem'
import { createGatewayAttestation } from '../src/attestation/createGatewayAttestation.ts'
import { createSqliteAttestationStore } from '../src/attestation/createSqliteAttestationStore.ts'
import type { DeviceCache } from '../src/gateway/createDeviceCache.ts'
import type { DeviceRecord } from '../src/registry/createRegistryClient.ts'
import { createSqliteStore } from '../src/store/createSqliteStore.ts'

const dir = mkdtempSync(join(tmpdir(), 'veriot-attest-rule-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const measurement = new Uint8Array(32).fill(0x42)

function hasCode(code: string) {
  return (err: unknown) => {
    assert.ok(isVeriotError(err), `expected a VeriotError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    return true
  }
}

function setup(file = ':memory:') {
  const key = createMemoryKey()
  const attester = createSoftwareAttester({ key, measurement })
  let t = 1_000_000
  let verdict: FirmwareVerdict = 'approved'
  // Per-version overrides: verdict and measurement of releases other than the default's.
  const releases = new Map<string, { verdict?: FirmwareVerdict; measurement?: Uint8Array }>()
  const read: string[] = []
  let reads = 0
  let chainDown = false
  const record = {
    id: '0x' as Hex,
    status: 'active',
    model: 'm',
    firmwareVersion: '1.0.0',
    publicKey: bytesToHex(key.publicKey),
  } as DeviceRecord
  const devices: DeviceCache = {
    get: async () => record,
    invalidate: () => {},
    sync: async () => {},
    stop: () => {},
  }
  const unreachable = () => new VeriotError('RPC_UNREACHABLE', 'chain down')
  const store = createSqliteAttestationStore(file)
  const rule = createGatewayAttestation({
    devices,
    store,
    firmware: {
      readVerdict: async (_model, version) => {
        reads++
        if (chainDown) throw unreachable()
        return releases.get(firmwareVersionFromUint64(version))?.verdict ?? verdict
      },
      readRelease: async (_model, version) => {
        if (chainDown) throw unreachable()
        const v = firmwareVersionFromUint64(version)
        read.push(v)
        const r = releases.get(v)
        return {
          verdict: r?.verdict ?? verdict,
          measurement: bytesToHex(r?.measurement ?? measurement),
        }
      },
    },
    maxAgeMs: 3_600_000,
    verdictTtlMs: 1_000,
    now: () => t,
  })
  return {
    rule,
    store,
    record,
    key,
    async attest(claim?: { firmwareVersion: string; measurement: Uint8Array }) {
      const { nonce, deviceId } = await rule.challenge(idOf(key.publicKey))
      record.id = deviceId
      const a = claim ? createSoftwareAttester({ key, ...claim }) : attester
      return rule.submit(attestationEvidenceToJson(await a.attest(hexToBytes(nonce))))
    },
    releases,
    read,
    tick: (ms: number) => {
      t += ms
    },
    setVerdict: (v: FirmwareVerdict) => {
      verdict = v
    },
    setChainDown: (down: boolean) => {
      chainDown = down
    },
    reads: () => reads,
  }
}

const idOf = (publicKey: Uint8Array) => deviceIdFromPublicKey(publicKey) as Hex

test('default: an attestation admits readings until it expires, then ATTESTATION_REQUIRED', async () => {
  const s = setup()
  const result = await s.attest()
  assert.equal(result.level, 'software')
  assert.equal(result.expiresAt - result.verifiedAt, 3_600_000)
  assert.equal(await s.rule.admit(result.deviceId, s.record), 'software')
  s.tick(3_599_999)
  assert.equal(await s.rule.admit(result.deviceId, s.record), 'software')
  s.tick(1)
  assert.throws(() => s.rule.admit(result.deviceId, s.record), hasCode('ATTESTATION_REQUIRED'))
})

test('behavior: the verdict is read once per TTL, and a change is seen after it', async () => {
  const s = setup()
  const { deviceId } = await s.attest()
  const before = s.reads()
  for (let i = 0; i < 10; i++) await s.rule.admit(deviceId, s.record)
  assert.equal(s.reads(), before) // submit's fresh read is reused
  s.setVerdict('revoked')
  assert.equal(await s.rule.admit(deviceId, s.record), 'software') // within the TTL
  s.tick(1_000)
  await assert.rejects(
    Promise.resolve().then(() => s.rule.admit(deviceId, s.record)),
    hasCode('FIRMWARE_RELEASE_REVOKED'),
  )
  s.setVerdict('belowMinimum')
  s.tick(1_000)
  await assert.rejects(
    Promise.resolve().then(() => s.rule.admit(deviceId, s.record)),
    hasCode('FIRMWARE_VERSION_BELOW_MINIMUM'),
  )
  s.setVerdict('pending')
  s.tick(1_000)
  await assert.rejects(
    Promise.resolve().then(() => s.rule.admit(deviceId, s.record)),
    hasCode('FIRMWARE_RELEASE_NOT_APPROVED'),
  )
})

test('behavior: while the chain is down the last verdict is used for 10 minutes, then RPC_UNREACHABLE', async () => {
  const s = setup()
  const { deviceId } = await s.attest()
  s.setChainDown(true)
  s.tick(5_000)
  assert.equal(await s.rule.admit(deviceId, s.record), 'software')
  s.tick(10 * 60_000)
  await assert.rejects(
    Promise.resolve().then(() => s.rule.admit(deviceId, s.record)),
    hasCode('RPC_UNREACHABLE'),
  )
})

test('error: an attestation made for another registered version is ATTESTATION_REQUIRED', async () => {
  const s = setup()
  const { deviceId } = await s.attest()
  const updated = { ...s.record, firmwareVersion: '1.1.0' }
  assert.throws(() => s.rule.admit(deviceId, updated), hasCode('ATTESTATION_REQUIRED'))
})

test('behavior: a claimed version above the registered one is checked against its release, stored, and decides the verdict', async () => {
  const s = setup()
  const m110 = new Uint8Array(32).fill(0x11)
  s.releases.set('1.1.0', { measurement: m110 })
  const result = await s.attest({ firmwareVersion: '1.1.0', measurement: m110 })
  assert.deepEqual(s.read, ['1.1.0'])
  assert.equal(result.firmwareVersion, '1.1.0')
  assert.equal(result.model, 'm')
  assert.equal(await s.rule.admit(result.deviceId, s.record), 'software')
  const status = await s.rule.status(result.deviceId)
  assert.equal(status.fresh, true)
  assert.deepEqual(status.release, { model: 'm', firmwareVersion: '1.1.0', verdict: 'approved' })
  // A registered version equal to it changes nothing; one above it requires a new attestation.
  assert.equal(
    await s.rule.admit(result.deviceId, { ...s.record, firmwareVersion: '1.1.0' }),
    'software',
  )
  assert.throws(
    () => s.rule.admit(result.deviceId, { ...s.record, firmwareVersion: '1.1.1' }),
    hasCode('ATTESTATION_REQUIRED'),
  )
  assert.throws(
    () => s.rule.admit(result.deviceId, { ...s.record, model: 'other' }),
    hasCode('ATTESTATION_REQUIRED'),
  )
  // The attested release's verdict counts, not the registered one's.
  s.releases.set('1.1.0', { measurement: m110, verdict: 'revoked' })
  s.tick(1_000)
  await assert.rejects(
    Promise.resolve().then(() => s.rule.admit(result.deviceId, s.record)),
    hasCode('FIRMWARE_RELEASE_REVOKED'),
  )
  assert.equal((await s.rule.status(result.deviceId)).fresh, false)
})

test('error: a claimed version below the registered one is FIRMWARE_VERSION_BELOW_MINIMUM; nothing read or stored', async () => {
  const s = setup()
  await assert.rejects(
    s.attest({ firmwareVersion: '0.9.0', measurement }),
    hasCode('FIRMWARE_VERSION_BELOW_MINIMUM'),
  )
  assert.deepEqual(s.read, [])
  assert.equal((await s.rule.status(idOf(s.key.publicKey))).attestation, null)
})

test('error: a claimed version whose release has another measurement is ATTESTATION_PCR_MISMATCH', async () => {
  const s = setup()
  s.releases.set('1.1.0', { measurement: new Uint8Array(32).fill(0x11) })
  await assert.rejects(
    s.attest({ firmwareVersion: '1.1.0', measurement }),
    hasCode('ATTESTATION_PCR_MISMATCH'),
  )
  assert.equal((await s.rule.status(idOf(s.key.publicKey))).attestation, null)
})

test('default: without a claim the registered version is checked and stored', async () => {
  const s = setup()
  const result = await s.attest()
  assert.deepEqual(s.read, ['1.0.0'])
  assert.equal(result.firmwareVersion, '1.0.0')
})

test('error: a refused attestation stores nothing (revoked release)', async () => {
  const s = setup()
  s.setVerdict('lockdown')
  await assert.rejects(s.attest(), hasCode('FIRMWARE_RELEASE_REVOKED'))
  assert.equal((await s.rule.status(idOf(s.key.publicKey))).attestation, null)
})

test('behavior: the result survives a restart (SQLite file)', async () => {
  const file = join(dir, 'attestations.sqlite')
  const s = setup(file)
  const result = await s.attest()
  s.store.close()
  const reopened = createSqliteAttestationStore(file)
  assert.deepEqual(reopened.get(result.deviceId), result)
  reopened.close()
})

test('behavior: a store file from before the assurance level is migrated on open', async () => {
  const file = join(dir, 'old-gateway.sqlite')
  const old = new Database(file)
  old.exec(`CREATE TABLE readings (pos INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE,
    device_id BLOB NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, type TEXT NOT NULL,
    message BLOB NOT NULL, received_at INTEGER NOT NULL, batch_id INTEGER, leaf_index INTEGER,
    UNIQUE (device_id, seq))`)
  old
    .prepare(
      'INSERT INTO readings (id, device_id, seq, ts, type, message, received_at) VALUES (?, ?, 1, 1, ?, ?, 1)',
    )
    .run(Buffer.alloc(32, 1), Buffer.alloc(32, 2), 'temperature', Buffer.from([1]))
  old.close()
  const store = createSqliteStore(file)
  try {
    const before = await store.getReading(`0x${'01'.repeat(32)}`)
    assert.equal(before?.assuranceLevel, undefined)
    await store.appendReading({
      id: `0x${'03'.repeat(32)}`,
      deviceId: `0x${'02'.repeat(32)}`,
      seq: 2,
      timestamp: 2,
      type: 'temperature',
      message: new Uint8Array([2]),
      receivedAt: 2,
      assuranceLevel: 'tpm',
    })
    assert.equal((await store.getReading(`0x${'03'.repeat(32)}`))?.assuranceLevel, 'tpm')
  } finally {
    await store.close()
  }
})
