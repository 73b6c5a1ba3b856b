import assert from 'node:assert/strict'
import { test } from 'node:test'
import { p256 } from '@noble/curves/nist.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { isVeriotError } from '@veriot/core'
import { ecPointToPublicKey } from '../../src/keys/pkcs11/ecPointToPublicKey.ts'

const secret = new Uint8Array(32).fill(7)
const point = p256.getPublicKey(secret, false)
const der = concatBytes(Uint8Array.of(0x04, 0x41), point)

test('default: DER OCTET STRING around an uncompressed point', () => {
  const input = Uint8Array.from(der)
  const publicKey = ecPointToPublicKey(input)
  assert.deepEqual(publicKey, point)
  input.fill(0)
  assert.deepEqual(publicKey, point, 'the result is a copy, not a view of the attribute buffer')
})

test('error: anything but the strict 67-byte form', () => {
  const offCurve = Uint8Array.from(der)
  offCurve[66] = (offCurve[66] as number) ^ 1
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array()],
    ['bare 65-byte point', point],
    [
      'compressed point in an OCTET STRING',
      concatBytes(Uint8Array.of(0x04, 0x21), p256.getPublicKey(secret, true)),
    ],
    ['BIT STRING tag', concatBytes(Uint8Array.of(0x03, 0x41), point)],
    ['wrong length byte', concatBytes(Uint8Array.of(0x04, 0x40), point)],
    ['long-form length', concatBytes(Uint8Array.of(0x04, 0x81, 0x41), point)],
    ['trailing byte', concatBytes(der, Uint8Array.of(0))],
    ['truncated', der.subarray(0, 66)],
    ['off the curve', offCurve],
    ['hybrid 06 prefix', concatBytes(Uint8Array.of(0x04, 0x41, 0x06), point.subarray(1))],
  ]
  for (const [name, input] of cases) {
    assert.throws(
      () => ecPointToPublicKey(input),
      (err) => isVeriotError(err, 'KEY_MALFORMED'),
      name,
    )
  }
})
