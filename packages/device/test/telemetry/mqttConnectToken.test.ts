import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { p256 } from '@noble/curves/nist.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { deviceIdFromPublicKey, isVeriotError } from '@veriot/core'
import {
  createMqttConnectToken,
  MQTT_CONNECT_MAX_SKEW_MS,
  type MqttConnectTokenContext,
  mqttConnectSigningBytes,
  verifyMqttConnectToken,
} from '../../src/index.ts'
import { createSoftwareKey } from '../../src/keys/software/createSoftwareKey.ts'

const vector = JSON.parse(
  readFileSync(new URL('./fixtures/mqtt-connect-token-v1.json', import.meta.url), 'utf8'),
) as {
  secretKey: string
  publicKey: string
  deviceId: string
  timestampMs: number
  signingBytes: string
  token: string
}
const publicKey = hexToBytes(vector.publicKey)
const at = vector.timestampMs
const context: MqttConnectTokenContext = {
  deviceId: vector.deviceId,
  p256PublicKey: publicKey,
  now: at,
}
const other = createSoftwareKey(sha256(new TextEncoder().encode('another device')))
const otherId = deviceIdFromPublicKey(other.publicKey)
const [, , signature64] = vector.token.split('.') as [string, string, string]

test('default: the vector token verifies', () => {
  assert.equal(verifyMqttConnectToken(vector.token, context), true)
  // The MQTT password arrives as bytes at the broker.
  assert.equal(verifyMqttConnectToken(new TextEncoder().encode(vector.token), context), true)
})

test('behavior: signing bytes are tag ‖ 0x00 ‖ device id ‖ uint64be(time), as in the vector', () => {
  const time = new Uint8Array(8)
  new DataView(time.buffer).setBigUint64(0, BigInt(at))
  const expected = bytesToHex(
    Uint8Array.from([
      ...new TextEncoder().encode('VERIOT/mqtt-connect/v1'),
      0,
      ...hexToBytes(vector.deviceId.slice(2)),
      ...time,
    ]),
  )
  assert.equal(bytesToHex(mqttConnectSigningBytes(vector.deviceId, at)), expected)
  assert.equal(vector.signingBytes, expected)
  assert.equal(deviceIdFromPublicKey(publicKey), vector.deviceId)
  // The signature checks with noble directly: ECDSA P-256 over SHA-256 of those bytes.
  const signature = new Uint8Array(Buffer.from(signature64, 'base64url'))
  assert.equal(p256.verify(signature, hexToBytes(expected), publicKey, { lowS: false }), true)
})

test('behavior: createMqttConnectToken reproduces the vector (RFC 6979 nonces)', async () => {
  const key = createSoftwareKey(hexToBytes(vector.secretKey))
  assert.equal(await createMqttConnectToken(key, vector.deviceId, at), vector.token)
})

test('behavior: round trip with a fresh key, anywhere inside ±maxSkew', async () => {
  const key = createSoftwareKey(p256.utils.randomSecretKey())
  const deviceId = deviceIdFromPublicKey(key.publicKey)
  const now = 1_800_000_000_000
  const token = await createMqttConnectToken(key, deviceId, now)
  assert.match(token, /^v1\.1800000000000\.[A-Za-z0-9_-]{86}$/)
  const ctx = { deviceId, p256PublicKey: key.publicKey }
  for (const clock of [now, now + MQTT_CONNECT_MAX_SKEW_MS, now - MQTT_CONNECT_MAX_SKEW_MS]) {
    assert.equal(verifyMqttConnectToken(token, { ...ctx, now: clock }), true, `now ${clock}`)
  }
  assert.equal(verifyMqttConnectToken(token, { ...ctx, now: now + 1000, maxSkewMs: 1000 }), true)
})

test('behavior: tampered twins fail', async () => {
  const otherToken = await createMqttConnectToken(other, otherId, at)
  const otherSignature = otherToken.split('.')[2]
  const twins: Array<[string, string, Partial<MqttConnectTokenContext>]> = [
    ['other device id claimed', vector.token, { deviceId: otherId }],
    ['other key for the id', vector.token, { p256PublicKey: other.publicKey }],
    [
      'other device id and its key',
      vector.token,
      { deviceId: otherId, p256PublicKey: other.publicKey },
    ],
    ['expired (just past the window)', vector.token, { now: at + MQTT_CONNECT_MAX_SKEW_MS + 1 }],
    ['from the future', vector.token, { now: at - MQTT_CONNECT_MAX_SKEW_MS - 1 }],
    ['smaller window', vector.token, { now: at + 2, maxSkewMs: 1 }],
    ['time changed', `v1.${at + 1}.${signature64}`, {}],
    ['signature of another device', `v1.${at}.${otherSignature}`, {}],
    [
      'uppercase device id',
      vector.token,
      { deviceId: vector.deviceId.toUpperCase().replace('0X', '0x') },
    ],
    ['device id without 0x', vector.token, { deviceId: vector.deviceId.slice(2) }],
    ['key truncated', vector.token, { p256PublicKey: publicKey.subarray(0, 64) }],
    [
      'key compressed form',
      vector.token,
      { p256PublicKey: p256.Point.fromBytes(publicKey).toBytes(true) },
    ],
    ['clock NaN', vector.token, { now: Number.NaN }],
    ['clock infinite', vector.token, { now: Number.POSITIVE_INFINITY }],
    ['window infinite', vector.token, { maxSkewMs: Number.POSITIVE_INFINITY, now: 0 }],
    ['window negative', vector.token, { maxSkewMs: -1 }],
  ]
  for (const [name, token, change] of twins) {
    assert.equal(verifyMqttConnectToken(token, { ...context, ...change }), false, name)
  }
  // Every single-character change of the token fails.
  for (let i = 0; i < vector.token.length; i++) {
    const c = vector.token[i] as string
    const swapped = c === 'A' ? 'B' : 'A'
    const token = vector.token.slice(0, i) + swapped + vector.token.slice(i + 1)
    assert.equal(verifyMqttConnectToken(token, context), false, `char ${i}`)
  }
})

test('behavior: malformed tokens fail (hostile input)', () => {
  const t = vector.token
  const malformed: unknown[] = [
    '',
    'v1',
    'v1..',
    `v2.${at}.${signature64}`,
    `V1.${at}.${signature64}`,
    `v1.0${at}.${signature64}`, // leading zero: one spelling per token
    `v1.+${at}.${signature64}`,
    `v1.-${at}.${signature64}`,
    `v1.${at}.0.${signature64}`,
    `v1.${at}e0.${signature64}`,
    `v1.${at}.${signature64}==`, // padding
    `v1.${at}.${signature64.slice(0, -1)}`, // 63.x bytes
    `v1.${at}.${signature64}A`,
    `v1.${at}.${signature64.replaceAll('_', '/').replaceAll('-', '+')}x`,
    `v1.${at}.${signature64.slice(0, -1)}${signature64.endsWith('R') ? 'S' : 'R'}`, // stray low bits
    `v1.99999999999999999.${signature64}`, // above 2^53 − 1
    `v1.NaN.${signature64}`,
    `v1.Infinity.${signature64}`,
    `${t}\n`,
    ` ${t}`,
    `${t}\u0000`,
    t.replace('.', '\u2024'),
    t.repeat(2),
    'x'.repeat(1_000_000),
    new Uint8Array([0xff, 0xfe, ...new TextEncoder().encode(t)]),
    new Uint8Array(0),
    undefined,
    null,
    42,
    { toString: () => t },
  ]
  for (const token of malformed) {
    assert.equal(
      verifyMqttConnectToken(token as string, context),
      false,
      JSON.stringify(String(token).slice(0, 60)),
    )
  }
})

test('behavior: a signature by the right key over other bytes fails (domain separation)', async () => {
  const key = createSoftwareKey(hexToBytes(vector.secretKey))
  // The same key signing the bare device id ‖ time, without the tag.
  const bare = mqttConnectSigningBytes(vector.deviceId, at).subarray(23)
  const signature = await key.sign(bare)
  const token = `v1.${at}.${Buffer.from(signature).toString('base64url')}`
  assert.equal(verifyMqttConnectToken(token, context), false)
})

test('behavior: the high-S twin of a signature verifies too (the project accepts any s)', () => {
  // Same rule as verifyP256 and the P256VERIFY precompile; a token is a bearer credential
  // within its window anyway, so a second spelling of the signature grants nothing new.
  const sig = p256.Signature.fromBytes(new Uint8Array(Buffer.from(signature64, 'base64url')))
  const n = p256.Point.CURVE().n
  const twin = new p256.Signature(sig.r, n - sig.s).toBytes('compact')
  const token = `v1.${at}.${Buffer.from(twin).toString('base64url')}`
  assert.notEqual(token, vector.token)
  assert.equal(verifyMqttConnectToken(token, context), true)
})

test('error: createMqttConnectToken checks its inputs', async () => {
  const key = createSoftwareKey(hexToBytes(vector.secretKey))
  for (const deviceId of [vector.deviceId.toUpperCase(), vector.deviceId.slice(0, 65), '']) {
    await assert.rejects(createMqttConnectToken(key, deviceId, at), (err) =>
      isVeriotError(err, 'INVALID_DEVICE_ID'),
    )
  }
  for (const now of [-1, 1.5, Number.NaN, 2 ** 53]) {
    await assert.rejects(createMqttConnectToken(key, vector.deviceId, now), (err) =>
      isVeriotError(err, 'INVALID_ARGUMENT'),
    )
  }
  const short = { sign: async () => new Uint8Array(63) }
  await assert.rejects(createMqttConnectToken(short, vector.deviceId, at), (err) =>
    isVeriotError(err, 'SIGNATURE_MALFORMED'),
  )
})
