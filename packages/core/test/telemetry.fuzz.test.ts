// Fuzzing decodeTelemetry with fast-check: whatever the input, it either returns a message
// whose canonical encoding is exactly the input, or throws a VeriotError with a TELEMETRY_*
// code; never another exception. Plus encode ∘ decode round trips for any valid message.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { p256 } from '@noble/curves/nist.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import {
  decodeTelemetry,
  encodeTelemetry,
  isVeriotError,
  type TelemetryMessage,
  telemetrySigningBytes,
  verifyTelemetrySignature,
} from '../src/index.ts'
import {
  cbor,
  sampleWireMap,
  telemetryMessageArb,
  unsignedTelemetryArb,
} from './support/telemetry.ts'

const TELEMETRY_CODES = new Set([
  'TELEMETRY_MALFORMED',
  'TELEMETRY_NOT_CANONICAL',
  'TELEMETRY_TOO_LARGE',
  'TELEMETRY_VALUE_INVALID',
])

type Outcome = { message: TelemetryMessage } | { code: string }

/** decodeTelemetry's outcome; fails the property on any non-TELEMETRY_* throw or a non-canonical accept. */
function decodeOutcome(bytes: Uint8Array): Outcome {
  let message: TelemetryMessage
  try {
    message = decodeTelemetry(bytes)
  } catch (err) {
    if (!isVeriotError(err) || !TELEMETRY_CODES.has(err.code)) {
      assert.fail(`decodeTelemetry threw ${String(err)} for ${bytesToHex(bytes.subarray(0, 64))}…`)
    }
    return { code: err.code }
  }
  // Accepted: it must be the one canonical encoding of what came out.
  assert.equal(bytesToHex(encodeTelemetry(message)), bytesToHex(bytes))
  return { message }
}

/** Reading values compared as the encoder defines them: −0 reads back as 0. */
function normalized(message: TelemetryMessage): TelemetryMessage {
  return {
    ...message,
    readings: message.readings.map((r) => ({ ...r, value: r.value === 0 ? 0 : r.value })),
  }
}

test('property: encode ∘ decode round trips any valid message', () => {
  fc.assert(
    fc.property(telemetryMessageArb, (message) => {
      const bytes = encodeTelemetry(message)
      const decoded = decodeTelemetry(bytes)
      assert.deepEqual(decoded, normalized(message))
      assert.deepEqual(encodeTelemetry(decoded), bytes)
    }),
    { numRuns: 300 },
  )
})

test('property: random bytes only ever give a TELEMETRY_* error', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
      decodeOutcome(bytes)
    }),
    { numRuns: 2000 },
  )
})

test('property: random bytes after a map header reach the field checks safely', () => {
  // Plain random bytes rarely get past the first CBOR byte; these start like a message.
  fc.assert(
    fc.property(
      fc.integer({ min: 0xa0, max: 0xbf }),
      fc.uint8Array({ maxLength: 256 }),
      (head, rest) => {
        decodeOutcome(Uint8Array.of(head, ...rest))
      },
    ),
    { numRuns: 2000 },
  )
})

test('property: every strict prefix of a valid encoding is TELEMETRY_MALFORMED', () => {
  fc.assert(
    fc.property(telemetryMessageArb, fc.double({ min: 0, max: 1, noNaN: true }), (message, at) => {
      const bytes = encodeTelemetry(message)
      const cut = Math.min(bytes.length - 1, Math.floor(at * bytes.length))
      assert.deepEqual(decodeOutcome(bytes.subarray(0, cut)), { code: 'TELEMETRY_MALFORMED' })
    }),
    { numRuns: 300 },
  )
})

test('property: random CBOR values (fc.anything) only ever give a TELEMETRY_* error', () => {
  fc.assert(
    fc.property(
      fc.anything({
        withBigInt: true,
        withMap: true,
        withTypedArray: true,
        withNullPrototype: true,
      }),
      (value) => {
        let bytes: Uint8Array
        try {
          bytes = cbor(value)
        } catch {
          return // not encodable by cborg (undefined in a map, symbols…): nothing to decode
        }
        assert.ok('code' in decodeOutcome(bytes))
      },
    ),
    { numRuns: 1000 },
  )
})

const anyValue = fc.oneof(
  fc.anything({ withBigInt: true, withMap: true, maxDepth: 2 }),
  fc.double(),
  fc.bigInt(),
  fc.uint8Array({ maxLength: 80 }),
  fc.string({ maxLength: 40 }),
)

test('property: message-shaped maps with random field values only give TELEMETRY_* errors', () => {
  const keys = ['v', 'd', 'n', 't', 'y', 'r', 's', 'a', 'g', 'x']
  fc.assert(
    fc.property(
      fc.subarray(keys),
      fc.array(anyValue, { minLength: 10, maxLength: 10 }),
      fc.boolean(),
      (chosen, values, keepValid) => {
        const map = sampleWireMap()
        for (const key of chosen) {
          const value = values[keys.indexOf(key)]
          if (keepValid && map.has(key)) continue
          map.set(key, value === undefined ? null : value)
        }
        let bytes: Uint8Array
        try {
          bytes = cbor(map)
        } catch {
          return
        }
        decodeOutcome(bytes)
      },
    ),
    { numRuns: 1000 },
  )
})

// Real P-256 signatures, so that acceptance can be checked all the way: a flipped bit either
// makes the bytes undecodable or yields a message whose signature fails.
const secretKey = sha256(new TextEncoder().encode('fuzz device'))
const p256PublicKey = p256.getPublicKey(secretKey, false)
const signedP256 = unsignedTelemetryArb
  .map((m): TelemetryMessage => {
    const unsigned = { ...m, suite: 1 as const }
    delete (unsigned as { auxPublicKey?: Uint8Array }).auxPublicKey
    const digest = sha256(telemetrySigningBytes(unsigned))
    return {
      ...unsigned,
      signature: p256.sign(digest, secretKey, { prehash: false, lowS: false, format: 'compact' }),
    }
  })
  .map((message) => encodeTelemetry(message))

test('property: a bit flip anywhere never yields a message that verifies', () => {
  fc.assert(
    fc.property(signedP256, fc.nat(), (bytes, bit) => {
      assert.ok(verifyTelemetrySignature(decodeTelemetry(bytes), { p256PublicKey }))
      const flipped = bytes.slice()
      const i = (bit >> 3) % flipped.length
      flipped[i] = (flipped[i] as number) ^ (1 << (bit & 7))
      const outcome = decodeOutcome(flipped)
      if ('message' in outcome) {
        assert.equal(verifyTelemetrySignature(outcome.message, { p256PublicKey }), false)
      }
    }),
    { numRuns: 200 },
  )
})
