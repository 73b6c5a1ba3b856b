// Telemetry messages for tests: a fixed sample, its wire map for hand-made variants, and
// fast-check arbitraries of valid messages.

import { encode, rfc8949EncodeOptions } from 'cborg'
import fc from 'fast-check'
import type { Reading, SuiteId, TelemetryMessage, UnsignedTelemetry } from '../../src/index.ts'

export const SIGNATURE_BYTES: Record<SuiteId, number> = { 1: 64, 2: 64, 3: 64 + 2420 }
export const AUX_KEY_BYTES: Record<SuiteId, number | undefined> = { 1: undefined, 2: 32, 3: 1312 }

/** A valid p256 message with two readings (the signature is not a real one). */
export const SAMPLE: TelemetryMessage = Object.freeze({
  version: 1,
  deviceId: new Uint8Array(32).fill(0x11),
  sequence: 1,
  timestamp: 1_700_000_000_000,
  type: 'temperature',
  readings: [
    { name: 'temp', value: 21.5, unit: 'Cel' },
    { name: 'rh', value: 40, unit: '%' },
  ],
  suite: 1,
  signature: new Uint8Array(64).fill(0x22),
})

/** The CBOR map of SAMPLE with one-letter keys, for building wire variants by hand. */
export function sampleWireMap(): Map<unknown, unknown> {
  return new Map<unknown, unknown>([
    ['v', 1],
    ['d', SAMPLE.deviceId],
    ['n', SAMPLE.sequence],
    ['t', SAMPLE.timestamp],
    ['y', SAMPLE.type],
    [
      'r',
      SAMPLE.readings.map(
        (r) =>
          new Map<unknown, unknown>([
            ['k', r.name],
            ['v', r.value],
            ['u', r.unit],
          ]),
      ),
    ],
    ['s', SAMPLE.suite],
    ['g', SAMPLE.signature],
  ])
}

/** Deterministic CBOR (as the encoder writes it) of any value; cborg options may override. */
export function cbor(value: unknown, options: object = {}): Uint8Array {
  return encode(value, { ...rfc8949EncodeOptions, ...options })
}

const NAME = fc.stringMatching(/^[a-z0-9_.-]{1,32}$/)
const UNIT = fc.stringMatching(/^[\x20-\x7e]{1,16}$/)
const TYPE = fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,21}$/)
const VALUE = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(0, -0, 2 ** 53, -(2 ** 53), 5e-324, 3 * 2 ** -24, 65504, 1e300),
)

const READINGS = fc.uniqueArray(
  fc.record({ name: NAME, value: VALUE, unit: UNIT }) as fc.Arbitrary<Reading>,
  { minLength: 1, maxLength: 64, selector: (r) => r.name },
)

/** Any valid unsigned message of any suite. */
export const unsignedTelemetryArb: fc.Arbitrary<UnsignedTelemetry> = fc
  .record({
    deviceId: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    sequence: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    timestamp: fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.maxSafeNat()),
    type: TYPE,
    readings: READINGS,
    suite: fc.constantFrom<SuiteId>(1, 2, 3),
    withAux: fc.boolean(),
    auxSeed: fc.nat(255),
  })
  .map(({ withAux, auxSeed, ...rest }) => {
    const auxBytes = AUX_KEY_BYTES[rest.suite]
    const message: UnsignedTelemetry = { version: 1, ...rest }
    return withAux && auxBytes !== undefined
      ? { ...message, auxPublicKey: new Uint8Array(auxBytes).fill(auxSeed) }
      : message
  })

/** Any valid message, with random signature bytes of the suite's length. */
export const telemetryMessageArb: fc.Arbitrary<TelemetryMessage> = unsignedTelemetryArb.chain(
  (unsigned) =>
    fc
      .uint8Array({
        minLength: SIGNATURE_BYTES[unsigned.suite],
        maxLength: SIGNATURE_BYTES[unsigned.suite],
      })
      .map((signature) => ({ ...unsigned, signature })),
)
