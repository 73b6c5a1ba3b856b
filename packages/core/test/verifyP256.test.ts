// verifyP256 and p256DerToCompact on generated keys and a hostile-input table (the Wycheproof
// vectors are in wycheproof.p256.test.ts).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { p256 } from '@noble/curves/nist.js'
import { numberToBytesBE } from '@noble/curves/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { isVeriotError, p256DerToCompact, verifyP256 } from '../src/index.ts'

const N = p256.Point.CURVE().n
const message = new TextEncoder().encode('VERIOT test message')
const secretKey = p256.utils.randomSecretKey()
const publicKey = p256.getPublicKey(secretKey, false)
const signature = p256.sign(sha256(message), secretKey, { prehash: false, format: 'compact' })

function compactOf(r: bigint, s: bigint): Uint8Array {
  const out = new Uint8Array(64)
  out.set(numberToBytesBE(r, 32), 0)
  out.set(numberToBytesBE(s, 32), 32)
  return out
}

const r = BigInt(`0x${Buffer.from(signature.subarray(0, 32)).toString('hex')}`)
const s = BigInt(`0x${Buffer.from(signature.subarray(32)).toString('hex')}`)

test('default: a fresh signature verifies, its tampered twin does not', () => {
  assert.equal(verifyP256(signature, message, publicKey), true)
  const tampered = message.slice()
  tampered[0] = (tampered[0] ?? 0) ^ 1
  assert.equal(verifyP256(signature, tampered, publicKey), false)
})

test('behavior: high-S twin (r, n − s) is accepted', () => {
  assert.equal(verifyP256(compactOf(r, N - s), message, publicKey), true)
})

test('behavior: DER round trip', () => {
  const der = p256.Signature.fromBytes(signature, 'compact').toBytes('der')
  assert.deepEqual(p256DerToCompact(der), signature)
})

const badSignatures: [string, Uint8Array][] = [
  ['empty', new Uint8Array(0)],
  ['63 bytes', signature.subarray(0, 63)],
  ['65 bytes', Uint8Array.of(...signature, 0)],
  ['r = 0', compactOf(0n, s)],
  ['s = 0', compactOf(r, 0n)],
  ['r = n', compactOf(N, s)],
  ['s = n', compactOf(r, N)],
  ['r = n + 1', compactOf(N + 1n, s)],
  ['s = 2^256 − 1', compactOf(r, (1n << 256n) - 1n)],
  ['all ones', new Uint8Array(64).fill(0xff)],
]
for (const [name, sig] of badSignatures) {
  test(`error: signature ${name} is rejected`, () => {
    assert.equal(verifyP256(sig, message, publicKey), false)
  })
}

const offCurve = publicKey.slice()
offCurve[64] = (offCurve[64] ?? 0) ^ 1
const badKeys: [string, Uint8Array][] = [
  ['empty', new Uint8Array(0)],
  ['compressed', p256.getPublicKey(secretKey, true)],
  ['64 bytes without prefix', publicKey.subarray(1)],
  ['prefix 0x06 (hybrid)', Uint8Array.of(0x06, ...publicKey.subarray(1))],
  ['point at infinity', Uint8Array.of(0x00)],
  ['zero coordinates', Uint8Array.of(0x04, ...new Uint8Array(64))],
  ['off the curve', offCurve],
  ['x ≥ p', Uint8Array.of(0x04, ...new Uint8Array(32).fill(0xff), ...publicKey.subarray(33))],
]
for (const [name, key] of badKeys) {
  test(`error: public key ${name} is rejected`, () => {
    assert.equal(verifyP256(signature, message, key), false)
  })
}

test('error: non-bytes input fails closed', () => {
  const notBytes = 'not bytes' as unknown as Uint8Array
  assert.equal(verifyP256(notBytes, message, publicKey), false)
  assert.equal(verifyP256(signature, notBytes, publicKey), false)
  assert.equal(verifyP256(signature, message, notBytes), false)
})

const der = p256.Signature.fromBytes(signature, 'compact').toBytes('der')
const badDer: [string, unknown][] = [
  ['empty', new Uint8Array(0)],
  ['truncated', der.subarray(0, der.length - 1)],
  ['trailing byte', Uint8Array.of(...der, 0)],
  ['wrong sequence tag', Uint8Array.of(0x31, ...der.subarray(1))],
  ['long-form length', Uint8Array.of(0x30, 0x81, ...der.subarray(1))],
  ['indefinite length', Uint8Array.of(0x30, 0x80, ...der.subarray(2), 0, 0)],
  ['negative r', Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01)],
  ['leading zero', Uint8Array.of(0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01)],
  [
    'r of 33 bytes ≥ 2^256',
    Uint8Array.of(0x30, 0x26, 0x02, 0x21, 0x01, ...new Uint8Array(32), 0x02, 0x01, 0x01),
  ],
  [
    'r of 34 bytes',
    Uint8Array.of(0x30, 0x27, 0x02, 0x22, 0x00, 0x80, ...new Uint8Array(32), 0x02, 0x01, 0x01),
  ],
  ['100 bytes', new Uint8Array(100)],
  ['not bytes', 'not bytes'],
  ['undefined', undefined],
]
for (const [name, input] of badDer) {
  test(`error: DER ${name} throws SIGNATURE_MALFORMED`, () => {
    assert.throws(
      () => p256DerToCompact(input as Uint8Array),
      (err: unknown) => isVeriotError(err, 'SIGNATURE_MALFORMED'),
    )
  })
}

test('behavior: DER keeps the range check for verification (r = 0 parses, then fails)', () => {
  const zeroR = Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01)
  const compact = p256DerToCompact(zeroR)
  assert.equal(compact.length, 64)
  assert.equal(verifyP256(compact, message, publicKey), false)
})
