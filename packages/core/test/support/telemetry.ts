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

/** Float edge values: float16 / float32 / float64 limits, subnormals of each, −0, 2^53 ± 1. */
export const EDGE_VALUE: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    23,
    24,
    -24,
    -25,
    255,
    256,
    65535,
    65536,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 53 - 1,
    -(2 ** 53 - 1),
    2 ** 53,
    -(2 ** 53),
    2 ** 64,
    65504, // largest float16
    -65504,
    65505,
    65520, // rounds to float16 Infinity: float32
    2 ** -14, // smallest normal float16
    2 ** -24, // smallest float16 subnormal
    -(2 ** -24),
    3 * 2 ** -24, // float16 subnormal that cborg writes as float32
    2 ** -25,
    2 ** -126, // smallest normal float32
    2 ** -149, // smallest float32 subnormal
    -(2 ** -149),
    3 * 2 ** -149,
    2 ** -150,
    3.4028234663852886e38, // largest float32
    3.4028235677973366e38,
    2.2250738585072014e-308, // smallest normal float64
    2.225073858507201e-308, // largest float64 subnormal
    5e-324, // smallest float64 subnormal
    -5e-324,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.EPSILON,
    0.1,
    1 / 3,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.float({ noNaN: true, noDefaultInfinity: true }), // exact float32 values
  // Exact float16 values, subnormals included: an 11-bit mantissa times 2^e.
  fc
    .tuple(fc.integer({ min: -2047, max: 2047 }), fc.integer({ min: -34, max: 15 }))
    .map(([m, e]) => m * 2 ** e),
  fc.integer(),
  fc.maxSafeInteger(),
)

function readingsArb(value: fc.Arbitrary<number>): fc.Arbitrary<Reading[]> {
  return fc.uniqueArray(fc.record({ name: NAME, value, unit: UNIT }) as fc.Arbitrary<Reading>, {
    minLength: 1,
    maxLength: 64,
    selector: (r) => r.name,
  })
}

/** Any valid unsigned message of any suite, reading values drawn from `value`. */
export function unsignedTelemetryArbWith(
  value: fc.Arbitrary<number>,
): fc.Arbitrary<UnsignedTelemetry> {
  return fc
    .record({
      deviceId: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      sequence: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      timestamp: fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.maxSafeNat()),
      type: TYPE,
      readings: readingsArb(value),
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
}

/** Any valid message, reading values drawn from `value`, random signature bytes of the suite's length. */
export function telemetryMessageArbWith(
  value: fc.Arbitrary<number>,
): fc.Arbitrary<TelemetryMessage> {
  return unsignedTelemetryArbWith(value).chain((unsigned) =>
    fc
      .uint8Array({
        minLength: SIGNATURE_BYTES[unsigned.suite],
        maxLength: SIGNATURE_BYTES[unsigned.suite],
      })
      .map((signature) => ({ ...unsigned, signature })),
  )
}

/** Any valid unsigned message of any suite. */
export const unsignedTelemetryArb: fc.Arbitrary<UnsignedTelemetry> = unsignedTelemetryArbWith(VALUE)

/** Any valid message, with random signature bytes of the suite's length. */
export const telemetryMessageArb: fc.Arbitrary<TelemetryMessage> = telemetryMessageArbWith(VALUE)
