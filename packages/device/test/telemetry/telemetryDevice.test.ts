import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { p256 } from '@noble/curves/nist.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import {
  decodeTelemetry,
  deviceIdFromPublicKey,
  isVeriotError,
  readingIdOf,
  Suite,
  verifyTelemetrySignature,
} from '@veriot/core'
import {
  createEd25519Key,
  createMlDsa44Key,
  createTelemetryDevice,
  createTelemetrySigner,
  verifyMqttConnectToken,
} from '../../src/index.ts'
import { createSoftwareKey } from '../../src/keys/software/createSoftwareKey.ts'

let root: string
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'veriot-telemetry-device-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

let counter = 0
const freshDir = () => join(root, `d${++counter}`)
const readings = [
  { name: 'temp', value: -21.5, unit: 'Cel' },
  { name: 'door.open', value: 0, unit: '1' },
]
const fixedNow = () => 1_767_225_600_123

test('default: p256 messages decode, verify, and count up from 1', async () => {
  const key = createSoftwareKey(p256.utils.randomSecretKey())
  const device = await createTelemetryDevice({ key, dataDir: freshDir(), now: fixedNow })
  assert.equal(device.deviceId, deviceIdFromPublicKey(key.publicKey))
  const first = await device.sign('climate', readings)
  const second = await device.sign('climate', readings)
  for (const [i, signed] of [first, second].entries()) {
    const message = decodeTelemetry(signed.bytes)
    assert.deepEqual(message, signed.message)
    assert.ok(Object.isFrozen(signed.message))
    assert.equal(signed.readingId, readingIdOf(signed.bytes))
    assert.equal(message.sequence, i + 1)
    assert.equal(message.timestamp, fixedNow())
    assert.equal(message.type, 'climate')
    assert.equal(message.suite, Suite.p256)
    assert.equal(message.auxPublicKey, undefined)
    assert.equal(`0x${bytesToHex(message.deviceId)}`, device.deviceId)
    assert.deepEqual(message.readings, readings)
    assert.equal(verifyTelemetrySignature(message, { p256PublicKey: key.publicKey }), true)
  }
  // Tampered twin: another key does not verify it.
  const other = createSoftwareKey(p256.utils.randomSecretKey())
  assert.equal(verifyTelemetrySignature(first.message, { p256PublicKey: other.publicKey }), false)
  await device.close()
})

test('behavior: the suite follows the auxiliary key (ed25519, mldsa44P256)', async () => {
  const key = createSoftwareKey(p256.utils.randomSecretKey())
  for (const [auxKey, suite] of [
    [createEd25519Key(), Suite.ed25519],
    [createMlDsa44Key(), Suite.mldsa44P256],
  ] as const) {
    const device = await createTelemetryDevice({ key, auxKey, dataDir: freshDir() })
    const { message } = await device.sign('climate', readings)
    assert.equal(message.suite, suite)
    assert.deepEqual(message.auxPublicKey, auxKey.publicKey)
    const keys = { p256PublicKey: key.publicKey, auxPublicKey: auxKey.publicKey }
    assert.equal(verifyTelemetrySignature(message, keys), true)
    // Tampered twin: the other device key.
    const wrong = {
      ...keys,
      p256PublicKey: createSoftwareKey(p256.utils.randomSecretKey()).publicKey,
    }
    assert.equal(verifyTelemetrySignature(message, wrong), suite === Suite.ed25519)
    await device.close()
  }
})

test('behavior: a ready signer can be passed instead of suite and auxKey', async () => {
  const key = createSoftwareKey(p256.utils.randomSecretKey())
  const ed25519 = createEd25519Key()
  const signer = createTelemetrySigner('ed25519', { ed25519 })
  const device = await createTelemetryDevice({ key, signer, dataDir: freshDir() })
  const { message } = await device.sign('climate', readings)
  assert.equal(message.suite, Suite.ed25519)
  assert.equal(
    verifyTelemetrySignature(message, {
      p256PublicKey: key.publicKey,
      auxPublicKey: ed25519.publicKey,
    }),
    true,
  )
})

test('behavior: sequence numbers keep increasing across a restart without close', async () => {
  const key = createSoftwareKey(p256.utils.randomSecretKey())
  const dataDir = freshDir()
  const first = await createTelemetryDevice({ key, dataDir, sequenceReserve: 10 })
  const a = await first.sign('climate', readings)
  const second = await createTelemetryDevice({ key, dataDir, sequenceReserve: 10 })
  const b = await second.sign('climate', readings)
  assert.ok(b.message.sequence > a.message.sequence)
  assert.equal(b.message.sequence, 11)
})

test('behavior: connect tokens verify for the device id at the device clock', async () => {
  const key = createSoftwareKey(p256.utils.randomSecretKey())
  const device = await createTelemetryDevice({ key, dataDir: freshDir(), now: fixedNow })
  const token = await device.createConnectToken()
  assert.ok(token.startsWith(`v1.${fixedNow()}.`))
  const context = { deviceId: device.deviceId, p256PublicKey: key.publicKey, now: fixedNow() }
  assert.equal(verifyMqttConnectToken(token, context), true)
  assert.equal(verifyMqttConnectToken(token, { ...context, now: fixedNow() + 10 * 60_000 }), false)
})

test('error: bad readings are refused before signing; later messages still work', async () => {
  const key = createSoftwareKey(p256.utils.randomSecretKey())
  const device = await createTelemetryDevice({ key, dataDir: freshDir() })
  const bad: Array<[string, unknown]> = [
    ['TELEMETRY_VALUE_INVALID', [{ name: 'temp', value: Number.NaN, unit: 'Cel' }]],
    ['TELEMETRY_VALUE_INVALID', [{ name: 'temp', value: Number.POSITIVE_INFINITY, unit: 'Cel' }]],
    ['TELEMETRY_VALUE_INVALID', [{ name: 'Temp!', value: 1, unit: 'Cel' }]],
    ['TELEMETRY_MALFORMED', []],
    ['TELEMETRY_MALFORMED', 'not readings'],
  ]
  for (const [code, value] of bad) {
    await assert.rejects(
      device.sign('climate', value as typeof readings),
      (err) => isVeriotError(err) && err.code === code,
      JSON.stringify(value),
    )
  }
  const { message } = await device.sign('climate', readings)
  assert.ok(message.sequence > bad.length, 'refused messages used up their numbers (gaps are fine)')
})

test('error: suite without its key, and a malformed public key', async () => {
  const key = createSoftwareKey(p256.utils.randomSecretKey())
  await assert.rejects(
    createTelemetryDevice({ key, suite: 'ed25519', dataDir: freshDir() }),
    (err) => isVeriotError(err, 'KEY_MALFORMED'),
  )
  await assert.rejects(
    createTelemetryDevice({
      key,
      suite: 'ed25519',
      auxKey: createMlDsa44Key(),
      dataDir: freshDir(),
    }),
    (err) => isVeriotError(err, 'KEY_MALFORMED'),
  )
  await assert.rejects(
    createTelemetryDevice({
      key: { publicKey: key.publicKey.subarray(0, 33), sign: key.sign },
      dataDir: freshDir(),
    }),
    (err) => isVeriotError(err, 'KEY_MALFORMED'),
  )
  await assert.rejects(
    createTelemetryDevice({ key, suite: 'rsa' as 'p256', dataDir: freshDir() }),
    (err) => isVeriotError(err, 'SUITE_UNSUPPORTED'),
  )
})
