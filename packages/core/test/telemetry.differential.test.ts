// The fast telemetry codec held to the slow one it replaced (support/telemetryReference.ts, HEAD's
// code kept verbatim): cborg's default encode options give the bytes of rfc8949EncodeOptions on
// every telemetry map, and decodeTelemetry answers every input as the reference does: the same
// message, or the same error (code, text and context), on valid messages, mutated encodings,
// other encodings of valid messages and random bytes.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bytesToHex } from '@noble/hashes/utils.js'
import { encode, rfc8949EncodeOptions } from 'cborg'
import fc from 'fast-check'
import {
  decodeTelemetry,
  encodeTelemetry,
  isVeriotError,
  TELEMETRY_MAX_BYTES,
  type TelemetryMessage,
  telemetrySigningBytes,
} from '../src/index.ts'
import { telemetryFromCbor } from '../src/telemetry/telemetryFromCbor.ts'
import { isCanonicalTelemetry } from '../src/telemetry/telemetryToCbor.ts'
import {
  cbor,
  EDGE_VALUE,
  SAMPLE,
  sampleWireMap,
  telemetryMessageArb,
  telemetryMessageArbWith,
} from './support/telemetry.ts'
import {
  decodeTelemetryReference,
  telemetrySigningBytesReference,
  telemetryToCborReference,
} from './support/telemetryReference.ts'

type Outcome =
  | { message: TelemetryMessage; frozen: boolean }
  | { code: string; text: string; context: unknown }
  | { thrown: string }

function outcomeOf(decode: (bytes: Uint8Array) => TelemetryMessage, bytes: Uint8Array): Outcome {
  try {
    const message = decode(bytes)
    const frozen =
      Object.isFrozen(message) &&
      Object.isFrozen(message.readings) &&
      message.readings.every((r) => Object.isFrozen(r))
    return { message, frozen }
  } catch (err) {
    if (!isVeriotError(err)) return { thrown: String(err) }
    return { code: err.code, text: err.message, context: err.context }
  }
}

/** Fails unless the fast decoder and the reference answer `bytes` the same way. */
function assertSameOutcome(bytes: Uint8Array): Outcome {
  const fast = outcomeOf(decodeTelemetry, bytes)
  const reference = outcomeOf(decodeTelemetryReference, bytes)
  const shown = bytes instanceof Uint8Array ? `${bytesToHex(bytes.subarray(0, 80))}…` : typeof bytes
  assert.deepEqual(fast, reference, `for ${shown}`)
  return fast
}

/** The wire map of a message, as the old encoder built it (Maps, fields in wire order). */
function wireMapOf(message: TelemetryMessage): Map<string, unknown> {
  const map = new Map<string, unknown>([
    ['v', message.version],
    ['d', message.deviceId],
    ['n', message.sequence],
    ['t', message.timestamp],
    ['y', message.type],
    [
      'r',
      message.readings.map(
        (r) =>
          new Map<string, unknown>([
            ['k', r.name],
            ['v', r.value],
            ['u', r.unit],
          ]),
      ),
    ],
    ['s', message.suite],
  ])
  if (message.auxPublicKey !== undefined) map.set('a', message.auxPublicKey)
  map.set('g', message.signature)
  return map
}

const edgeMessageArb = telemetryMessageArbWith(EDGE_VALUE)
const anyMessageArb = fc.oneof(telemetryMessageArb, edgeMessageArb)

test('property: cborg default options encode every telemetry map as rfc8949EncodeOptions does', () => {
  fc.assert(
    fc.property(edgeMessageArb, (message) => {
      const map = wireMapOf(message)
      const bytes = encode(map, rfc8949EncodeOptions)
      assert.equal(bytesToHex(encode(map)), bytesToHex(bytes))
      // The same through the public encoders, against the old ones.
      assert.equal(bytesToHex(encodeTelemetry(message)), bytesToHex(bytes))
      assert.equal(
        bytesToHex(encodeTelemetry(message)),
        bytesToHex(telemetryToCborReference(message, true)),
      )
      assert.equal(
        bytesToHex(telemetrySigningBytes(message)),
        bytesToHex(telemetrySigningBytesReference(message)),
      )
    }),
    { numRuns: 500 },
  )
})

test('property: valid messages of every suite decode as in the reference', () => {
  fc.assert(
    fc.property(anyMessageArb, (message) => {
      const outcome = assertSameOutcome(encodeTelemetry(message))
      assert.ok('message' in outcome && outcome.frozen)
    }),
    { numRuns: 500 },
  )
})

// Bytes that mean something to CBOR, so that mutations reach past the first check: float
// heads, 1–8-byte integer heads, indefinite starts and break, undefined, null, short text.
const CBOR_BYTE = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(0xf9, 0xfa, 0xfb, 0x18, 0x19, 0x1a, 0x1b, 0x9f, 0xbf, 0x5f, 0x7f, 0xff),
  fc.constantFrom(0xf7, 0xf6, 0xf5, 0x61, 0x60, 0x40, 0x80, 0xa0, 0xa8, 0xa9, 0xc0, 0x20),
)
type Edit =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set' | 'insert'; at: number; byte: number }
  | { kind: 'delete' | 'truncate'; at: number }
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({
    kind: fc.constantFrom('set' as const, 'insert' as const),
    at: fc.nat(),
    byte: CBOR_BYTE,
  }),
  fc.record({ kind: fc.constantFrom('delete' as const, 'truncate' as const), at: fc.nat() }),
)

function applyEdit(bytes: Uint8Array, edit: Edit): Uint8Array {
  const at = bytes.length === 0 ? 0 : edit.at % (bytes.length + (edit.kind === 'insert' ? 1 : 0))
  switch (edit.kind) {
    case 'flip': {
      const out = bytes.slice()
      if (out.length > 0) out[at] = (out[at] as number) ^ (1 << edit.bit)
      return out
    }
    case 'set': {
      const out = bytes.slice()
      if (out.length > 0) out[at] = edit.byte
      return out
    }
    case 'insert':
      return Uint8Array.of(...bytes.subarray(0, at), edit.byte, ...bytes.subarray(at))
    case 'delete':
      return Uint8Array.of(...bytes.subarray(0, at), ...bytes.subarray(at + 1))
    case 'truncate':
      return bytes.subarray(0, at)
  }
}

test('property: mutated encodings (flips, bytes set, inserted, deleted, cut) decode as in the reference', () => {
  fc.assert(
    fc.property(anyMessageArb, fc.array(editArb, { minLength: 1, maxLength: 3 }), (m, edits) => {
      assertSameOutcome(edits.reduce(applyEdit, encodeTelemetry(m)))
    }),
    { numRuns: 3000 },
  )
})

test('property: mutations of a value inside the readings decode as in the reference', () => {
  // The readings are where numbers and strings live: aim edits there.
  fc.assert(
    fc.property(
      anyMessageArb,
      fc.double({ min: 0, max: 1, noNaN: true }),
      editArb,
      (message, where, edit) => {
        const bytes = encodeTelemetry(message)
        const start = bytesToHex(bytes).indexOf('6172') / 2 // "r"
        const at = start + Math.floor(where * (bytes.length - start))
        assertSameOutcome(applyEdit(bytes, { ...edit, at }))
      },
    ),
    { numRuns: 2000 },
  )
})

test('property: other encodings of valid messages (float64, key orders) decode as in the reference', () => {
  const orders = [() => 1, () => -1, (a: unknown, b: unknown) => (String(a) < String(b) ? 1 : -1)]
  fc.assert(
    fc.property(
      edgeMessageArb,
      fc.boolean(),
      fc.option(fc.constantFrom(0, 1, 2), { nil: undefined }),
      (message, float64, order) => {
        const options: Record<string, unknown> = { float64 }
        if (order !== undefined) options.mapSorter = orders[order]
        assertSameOutcome(cbor(wireMapOf(message), options))
      },
    ),
    { numRuns: 1000 },
  )
})

const anyValue = fc.oneof(
  fc.anything({ withBigInt: true, withMap: true, maxDepth: 2 }),
  EDGE_VALUE,
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null, true),
  fc.bigInt(),
  fc.uint8Array({ maxLength: 80 }),
  fc.constantFrom(
    new Uint8Array(32),
    new Uint8Array(64),
    new Uint8Array(1312),
    new Uint8Array(2484),
  ),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', 'Cel', 'temp', 'a'.repeat(33), '°C', 'x\n', 1, 2, 3, 4),
)

test('property: message-shaped maps with random fields and reading fields decode as in the reference', () => {
  const keys = ['v', 'd', 'n', 't', 'y', 'r', 's', 'a', 'g', 'x', '__proto__']
  const readingKeys = ['k', 'v', 'u', 'x']
  fc.assert(
    fc.property(
      anyMessageArb,
      fc.dictionary(fc.constantFrom(...keys), anyValue, { maxKeys: 3 }),
      fc.nat(),
      fc.dictionary(fc.constantFrom(...readingKeys), anyValue, { maxKeys: 2 }),
      fc.subarray(keys, { maxLength: 2 }),
      (message, fields, at, readingFields, removed) => {
        const map: Map<unknown, unknown> = wireMapOf(message)
        const readings = map.get('r') as Map<unknown, unknown>[]
        const reading = readings[at % readings.length] as Map<unknown, unknown>
        for (const [key, value] of Object.entries(readingFields)) reading.set(key, value)
        for (const [key, value] of Object.entries(fields)) map.set(key, value)
        for (const key of removed) map.delete(key)
        let bytes: Uint8Array
        try {
          bytes = cbor(map)
        } catch {
          return // not encodable by cborg (undefined, symbols…)
        }
        assertSameOutcome(bytes)
      },
    ),
    { numRuns: 3000 },
  )
})

test('property: random bytes, and random bytes after a map head, decode as in the reference', () => {
  fc.assert(
    fc.property(
      fc.option(fc.integer({ min: 0xa0, max: 0xbf }), { nil: undefined }),
      fc.uint8Array({ maxLength: 512 }),
      (head, rest) => {
        assertSameOutcome(head === undefined ? rest : Uint8Array.of(head, ...rest))
      },
    ),
    { numRuns: 3000 },
  )
})

test('behavior: sizes and non-bytes at the boundary answer as in the reference', () => {
  const sample = encodeTelemetry(SAMPLE)
  for (const bytes of [
    new Uint8Array(0),
    new Uint8Array(TELEMETRY_MAX_BYTES + 1),
    Uint8Array.of(...sample, ...new Uint8Array(TELEMETRY_MAX_BYTES - sample.length)),
    new Uint8Array(TELEMETRY_MAX_BYTES).fill(0x81),
    cbor(new Map([...sampleWireMap(), ['x', 1]])),
  ]) {
    assertSameOutcome(bytes)
  }
  for (const input of [undefined, null, 'a8', [0xa8], sample.buffer]) {
    assertSameOutcome(input as unknown as Uint8Array)
  }
})

test('behavior: an encoding longer than the scratch buffer is still compared in full', () => {
  // No valid message comes near 16 KiB encoded, so this takes a message the field check would
  // refuse (too many readings): isCanonicalTelemetry trusts its caller and only compares.
  const readings = Array.from({ length: 1000 }, (_, i) => ({
    name: `reading_${i}`,
    value: i + 0.5,
    unit: 'Cel',
  }))
  const message = { ...SAMPLE, readings }
  const bytes = cbor(wireMapOf(message))
  assert.ok(bytes.length > TELEMETRY_MAX_BYTES)
  assert.equal(isCanonicalTelemetry(message, bytes), true)
  const changed = bytes.slice()
  changed[changed.length - 1] ^= 1
  assert.equal(isCanonicalTelemetry(message, changed), false)
  // And after it, a short message is compared on the scratch buffer again.
  const sample = encodeTelemetry(SAMPLE)
  assert.equal(isCanonicalTelemetry(telemetryFromCbor(wireMapOf(SAMPLE), true), sample), true)
})
