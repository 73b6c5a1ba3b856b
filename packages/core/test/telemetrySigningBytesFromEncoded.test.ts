// telemetrySigningBytesFromEncoded: the signed bytes cut out of a received encoding equal
// telemetrySigningBytes (and the old encoder's) for messages of every suite, and every tampered
// twin (bytes of another message, a changed field the cut rests on, shifted offsets) throws.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bytesToHex } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import {
  decodeTelemetry,
  type ErrorCode,
  encodeTelemetry,
  isVeriotError,
  type TelemetryMessage,
  telemetrySigningBytes,
  telemetrySigningBytesFromEncoded,
} from '../src/index.ts'
import {
  AUX_KEY_BYTES,
  EDGE_VALUE,
  SAMPLE,
  SIGNATURE_BYTES,
  telemetryMessageArb,
  telemetryMessageArbWith,
} from './support/telemetry.ts'
import { telemetrySigningBytesReference } from './support/telemetryReference.ts'

const messageArb = fc.oneof(telemetryMessageArb, telemetryMessageArbWith(EDGE_VALUE))

function throwsCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isVeriotError(err), `expected a VeriotError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    return true
  })
}

/** The encoding and its decoded message, as the gateway holds them. */
function received(message: TelemetryMessage): { encoded: Uint8Array; decoded: TelemetryMessage } {
  const encoded = encodeTelemetry(message)
  return { encoded, decoded: decodeTelemetry(encoded) }
}

/** Where the `g` entry ends (then `n` starts): everything before that is checked. */
function checkedLength(message: TelemetryMessage): number {
  const aux =
    message.auxPublicKey === undefined
      ? 0
      : 2 + (message.auxPublicKey.length < 256 ? 2 : 3) + message.auxPublicKey.length
  const signature = 2 + (message.signature.length < 256 ? 2 : 3) + message.signature.length
  return 1 + aux + 36 + signature + 2
}

function flipped(bytes: Uint8Array, at = 0): Uint8Array {
  const out = bytes.slice()
  out[at] = (out[at] as number) ^ 0x01
  return out
}

test('default: the sample gives the bytes of telemetrySigningBytes', () => {
  const { encoded, decoded } = received(SAMPLE)
  assert.deepEqual(
    telemetrySigningBytesFromEncoded(encoded, decoded),
    telemetrySigningBytes(SAMPLE),
  )
})

test('property: equal to telemetrySigningBytes (and the old encoder) for messages of every suite', () => {
  fc.assert(
    fc.property(messageArb, (message) => {
      const { encoded, decoded } = received(message)
      const bytes = bytesToHex(telemetrySigningBytesFromEncoded(encoded, decoded))
      assert.equal(bytes, bytesToHex(telemetrySigningBytes(decoded)))
      assert.equal(bytes, bytesToHex(telemetrySigningBytesReference(message)))
    }),
    { numRuns: 500 },
  )
})

test('behavior: every layout (suite, with and without "a") is covered', () => {
  for (const suite of [1, 2, 3] as const) {
    for (const withAux of [false, true]) {
      const auxBytes = AUX_KEY_BYTES[suite]
      if (withAux && auxBytes === undefined) continue
      const message: TelemetryMessage = {
        ...SAMPLE,
        suite,
        signature: new Uint8Array(SIGNATURE_BYTES[suite]).fill(0x5a),
        ...(withAux ? { auxPublicKey: new Uint8Array(auxBytes as number).fill(0x3c) } : {}),
      }
      const { encoded, decoded } = received(message)
      assert.deepEqual(
        telemetrySigningBytesFromEncoded(encoded, decoded),
        telemetrySigningBytes(message),
        `suite ${suite}, aux ${withAux}`,
      )
    }
  }
})

test('error: the message of other bytes → TELEMETRY_MALFORMED', () => {
  fc.assert(
    fc.property(messageArb, messageArb, (a, b) => {
      const { encoded } = received(a)
      const { decoded: other } = received(b)
      let result: Uint8Array
      try {
        result = telemetrySigningBytesFromEncoded(encoded, other)
      } catch (err) {
        assert.ok(isVeriotError(err, 'TELEMETRY_MALFORMED'), String(err))
        return
      }
      // Accepted only when everything the cut rests on is the same in both: then it is a's.
      assert.deepEqual(other.signature, a.signature)
      assert.deepEqual(other.deviceId, a.deviceId)
      assert.deepEqual(other.auxPublicKey, a.auxPublicKey)
      assert.deepEqual(result, telemetrySigningBytes(a))
    }),
    { numRuns: 500 },
  )
})

test('error: a tampered twin of the message → TELEMETRY_MALFORMED', () => {
  fc.assert(
    fc.property(messageArb, fc.nat(), (message, at) => {
      const { encoded, decoded } = received(message)
      const twins: TelemetryMessage[] = [
        { ...decoded, signature: flipped(decoded.signature, at % decoded.signature.length) },
        { ...decoded, deviceId: flipped(decoded.deviceId, at % 32) },
        // Signature of the other length: the hybrid's on a 64-byte layout, and back.
        {
          ...decoded,
          signature: new Uint8Array(decoded.signature.length === 64 ? 2484 : 64),
        },
      ]
      if (decoded.auxPublicKey === undefined) {
        twins.push({ ...decoded, auxPublicKey: new Uint8Array(32) })
        twins.push({ ...decoded, auxPublicKey: new Uint8Array(1312) })
      } else {
        const { auxPublicKey, ...withoutAux } = decoded
        twins.push(withoutAux)
        twins.push({ ...decoded, auxPublicKey: flipped(auxPublicKey, at % auxPublicKey.length) })
        twins.push({
          ...decoded,
          auxPublicKey: new Uint8Array(auxPublicKey.length === 32 ? 1312 : 32),
        })
      }
      for (const twin of twins)
        throwsCode(() => telemetrySigningBytesFromEncoded(encoded, twin), 'TELEMETRY_MALFORMED')
    }),
    { numRuns: 300 },
  )
})

test('error: any byte changed up to the key after "g" → TELEMETRY_MALFORMED', () => {
  // Every byte in front of the cut's end is checked (heads, keys, aux key, device id,
  // signature, the "n" key): a change anywhere there is refused, never cut at a wrong place.
  for (const suite of [1, 2, 3] as const) {
    const auxBytes = AUX_KEY_BYTES[suite]
    const message: TelemetryMessage = {
      ...SAMPLE,
      suite,
      signature: new Uint8Array(SIGNATURE_BYTES[suite]).fill(0x5a),
      ...(auxBytes === undefined ? {} : { auxPublicKey: new Uint8Array(auxBytes).fill(0x3c) }),
    }
    const { encoded, decoded } = received(message)
    const end = checkedLength(decoded)
    assert.equal(bytesToHex(encoded.subarray(end - 2, end)), '616e') // "n"
    for (let i = 0; i < end; i++) {
      throwsCode(
        () => telemetrySigningBytesFromEncoded(flipped(encoded, i), decoded),
        'TELEMETRY_MALFORMED',
      )
    }
  }
})

test('error: shifted or cut bytes → TELEMETRY_MALFORMED', () => {
  fc.assert(
    fc.property(messageArb, fc.nat(), fc.nat(255), (message, where, byte) => {
      const { encoded, decoded } = received(message)
      const at = where % checkedLength(decoded)
      const inserted = Uint8Array.of(...encoded.subarray(0, at), byte, ...encoded.subarray(at))
      const deleted = Uint8Array.of(...encoded.subarray(0, at), ...encoded.subarray(at + 1))
      const cut = encoded.subarray(0, at)
      for (const bytes of [inserted, deleted, cut]) {
        throwsCode(() => telemetrySigningBytesFromEncoded(bytes, decoded), 'TELEMETRY_MALFORMED')
      }
    }),
    { numRuns: 300 },
  )
})

test('error: not bytes, or not a message → TELEMETRY_MALFORMED', () => {
  const { encoded, decoded } = received(SAMPLE)
  for (const [bytes, message] of [
    [null, decoded],
    ['a8', decoded],
    [Array.from(encoded), decoded],
    [encoded, null],
    [encoded, {}],
    [encoded, { ...decoded, signature: 'sig' }],
    [encoded, { ...decoded, deviceId: Array.from(decoded.deviceId) }],
    [new Uint8Array(0), decoded],
  ] as const) {
    throwsCode(
      () =>
        telemetrySigningBytesFromEncoded(
          bytes as unknown as Uint8Array,
          message as unknown as TelemetryMessage,
        ),
      'TELEMETRY_MALFORMED',
    )
  }
})
