// Telemetry messages: the pinned wire form, signing bytes, hashes, the hostile-input table
// through decodeTelemetry and encodeTelemetry, and verifyTelemetrySignature per suite.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ed25519 } from '@noble/curves/ed25519.js'
import { p256 } from '@noble/curves/nist.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js'
import {
  auxKeyHashOf,
  decodeTelemetry,
  type ErrorCode,
  encodeTelemetry,
  isVeriotError,
  readingIdOf,
  type SuiteId,
  TELEMETRY_MAX_BYTES,
  type TelemetryMessage,
  telemetryLeafHash,
  telemetrySigningBytes,
  type UnsignedTelemetry,
  verifyTelemetrySignature,
} from '../src/index.ts'
import { cbor, SAMPLE, sampleWireMap } from './support/telemetry.ts'

// SAMPLE as deterministic CBOR, written out once by hand from RFC 8949 and pinned:
// a8                                  map(8), keys in bytewise order d g n r s t v y
//   61 64  58 20 11…11                "d": bytes(32)
//   61 67  58 40 22…22                "g": bytes(64)
//   61 6e  01                         "n": 1
//   61 72  82                         "r": array(2)
//     a3 61 6b 64 74656d70            {"k": "temp",
//        61 75 63 43656c              "u": "Cel",
//        61 76 f9 4d60                "v": 21.5 as float16}
//     a3 61 6b 62 7268 61 75 61 25 61 76 18 28     {"k": "rh", "u": "%", "v": 40}
//   61 73  01                         "s": 1
//   61 74  1b 0000018bcfe56800        "t": 1700000000000
//   61 76  01                         "v": 1
//   61 79  6b 74656d7065726174757265  "y": "temperature"
const SAMPLE_HEX = [
  'a8',
  `6164 5820 ${'11'.repeat(32)}`,
  `6167 5840 ${'22'.repeat(64)}`,
  '616e 01',
  '6172 82',
  'a3 616b 6474656d70 6175 6343656c 6176 f94d60',
  'a3 616b 627268 6175 6125 6176 1828',
  '6173 01',
  '6174 1b0000018bcfe56800',
  '6176 01',
  '6179 6b74656d7065726174757265',
]
  .join('')
  .replaceAll(' ', '')
const SAMPLE_BYTES = hexToBytes(SAMPLE_HEX)

function throwsCode(fn: () => unknown, code: ErrorCode, field?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isVeriotError(err), `expected a VeriotError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    if (field !== undefined) assert.equal(err.context.field, field, err.message)
    return true
  })
}

/** The sample's wire map with `change` applied to it (or to its first reading). */
function wire(
  change: (map: Map<unknown, unknown>, reading: Map<unknown, unknown>) => void,
): Uint8Array {
  const map = sampleWireMap()
  change(map, (map.get('r') as Map<unknown, unknown>[])[0] as Map<unknown, unknown>)
  return cbor(map)
}

function hexOf(bytes: Uint8Array): string {
  return bytesToHex(bytes)
}

test('default: the sample encodes to the pinned bytes and decodes back, frozen', () => {
  assert.equal(hexOf(encodeTelemetry(SAMPLE)), SAMPLE_HEX)
  const decoded = decodeTelemetry(SAMPLE_BYTES)
  assert.deepEqual(decoded, SAMPLE)
  assert.ok(Object.isFrozen(decoded) && Object.isFrozen(decoded.readings))
  assert.ok(Object.isFrozen(decoded.readings[0]))
})

test('behavior: decoded byte fields are copies of the input', () => {
  const input = SAMPLE_BYTES.slice()
  const decoded = decodeTelemetry(input)
  input.fill(0, 0, 40)
  assert.equal(decoded.deviceId[0], 0x11)
})

test('behavior: signing bytes are the domain tag, 0x00 and the map without "g"', () => {
  const bytes = telemetrySigningBytes(SAMPLE)
  const tag = new TextEncoder().encode('VERIOT/telemetry/v1')
  assert.deepEqual(bytes.subarray(0, tag.length), tag)
  assert.equal(bytes[tag.length], 0x00)
  const { signature: _, ...unsigned } = SAMPLE
  const body = sampleWireMap()
  body.delete('g')
  assert.equal(hexOf(bytes.subarray(tag.length + 1)), hexOf(cbor(body)))
  assert.deepEqual(telemetrySigningBytes(unsigned), bytes)
  throwsCode(() => decodeTelemetry(bytes.subarray(tag.length + 1)), 'TELEMETRY_MALFORMED', 'g')
})

test('behavior: leaf hash, reading id and aux key hash', () => {
  assert.deepEqual(telemetryLeafHash(SAMPLE_BYTES), sha256(Uint8Array.of(0x00, ...SAMPLE_BYTES)))
  assert.equal(readingIdOf(SAMPLE_BYTES), `0x${hexOf(telemetryLeafHash(SAMPLE_BYTES))}`)
  assert.match(readingIdOf(SAMPLE_BYTES), /^0x[0-9a-f]{64}$/)
  const aux = new Uint8Array(32).fill(7)
  assert.equal(auxKeyHashOf(aux), `0x${hexOf(sha256(aux))}`)
})

// Numbers: safe integers are CBOR integers, everything else the shortest exact float; −0 is
// the integer 0. The float16-subnormal row pins where cborg departs from RFC 8949 §4.2.1.
const numberForms: [string, number, string][] = [
  ['40 → uint', 40, '1828'],
  ['-1 → nint', -1, '20'],
  ['2^53 − 1 → uint64', 2 ** 53 - 1, '1b001fffffffffffff'],
  ['2^53 → float32', 2 ** 53, 'fa5a000000'],
  ['-2^64 → float32', -(2 ** 64), 'fadf800000'],
  ['21.5 → float16', 21.5, 'f94d60'],
  ['0.1 → float64', 0.1, 'fb3fb999999999999a'],
  ['2^-24 (float16 subnormal, a power of two) → float16', 2 ** -24, 'f90001'],
  ['3 × 2^-24 (float16 subnormal) → float32, not RFC 8949 f90003', 3 * 2 ** -24, 'fa34400000'],
  ['5e-324 → float64', 5e-324, 'fb0000000000000001'],
  ['-0 → uint 0', -0, '00'],
]
for (const [name, value, hex] of numberForms) {
  test(`behavior: reading value ${name}`, () => {
    const message = { ...SAMPLE, readings: [{ name: 'x', value, unit: '1' }] }
    const bytes = encodeTelemetry(message)
    assert.ok(hexOf(bytes).includes(`6176${hex}`), `${hexOf(bytes)} lacks ${hex}`)
    assert.ok(
      Object.is(decodeTelemetry(bytes).readings[0]?.value, Object.is(value, -0) ? 0 : value),
    )
  })
}

// The hostile-input table, on the wire: each row changes the sample's CBOR map.
type Row = [string, Uint8Array, ErrorCode, string?]
const set = (key: string, value: unknown) => wire((m) => m.set(key, value))
const setReading = (key: string, value: unknown) => wire((_, r) => r.set(key, value))
const readings = (n: number) =>
  Array.from(
    { length: n },
    (_, i) =>
      new Map<unknown, unknown>([
        ['k', `r${i}`],
        ['v', i],
        ['u', '1'],
      ]),
  )
const withAux = (suite: SuiteId, aux: number, g: number) =>
  wire((m) => {
    m.set('s', suite)
    m.set('a', new Uint8Array(aux))
    m.set('g', new Uint8Array(g))
  })
const hostile: Row[] = [
  ['"v" 2 (unknown version)', set('v', 2), 'TELEMETRY_MALFORMED', 'v'],
  ['"v" 0', set('v', 0), 'TELEMETRY_MALFORMED', 'v'],
  ['"v" "1"', set('v', '1'), 'TELEMETRY_MALFORMED', 'v'],
  ['"v" missing', wire((m) => m.delete('v')), 'TELEMETRY_MALFORMED', 'v'],
  ['"d" 31 bytes', set('d', new Uint8Array(31)), 'TELEMETRY_MALFORMED', 'd'],
  ['"d" 33 bytes', set('d', new Uint8Array(33)), 'TELEMETRY_MALFORMED', 'd'],
  ['"d" hex text', set('d', `0x${'11'.repeat(32)}`), 'TELEMETRY_MALFORMED', 'd'],
  ['"n" 0', set('n', 0), 'TELEMETRY_MALFORMED', 'n'],
  ['"n" -1', set('n', -1), 'TELEMETRY_MALFORMED', 'n'],
  ['"n" 2^53 (as float)', set('n', 2 ** 53), 'TELEMETRY_MALFORMED', 'n'],
  ['"n" 2^64 − 1 (uint64)', set('n', 2n ** 64n - 1n), 'TELEMETRY_MALFORMED', 'n'],
  ['"n" 1.5', set('n', 1.5), 'TELEMETRY_MALFORMED', 'n'],
  ['"n" NaN', set('n', Number.NaN), 'TELEMETRY_MALFORMED', 'n'],
  ['"n" null', set('n', null), 'TELEMETRY_MALFORMED', 'n'],
  ['"t" -1', set('t', -1), 'TELEMETRY_MALFORMED', 't'],
  ['"t" 2^53', set('t', 2 ** 53), 'TELEMETRY_MALFORMED', 't'],
  ['"t" Infinity', set('t', Number.POSITIVE_INFINITY), 'TELEMETRY_MALFORMED', 't'],
  ['"y" empty', set('y', ''), 'TELEMETRY_MALFORMED', 'y'],
  ['"y" uppercase', set('y', 'Temperature'), 'TELEMETRY_MALFORMED', 'y'],
  ['"y" 23 characters', set('y', 'a'.repeat(23)), 'TELEMETRY_MALFORMED', 'y'],
  ['"y" leading dash', set('y', '-temp'), 'TELEMETRY_MALFORMED', 'y'],
  ['"y" with a colon', set('y', 'telemetry:temp'), 'TELEMETRY_MALFORMED', 'y'],
  ['"r" empty', set('r', []), 'TELEMETRY_MALFORMED', 'r'],
  ['"r" 65 readings', set('r', readings(65)), 'TELEMETRY_MALFORMED', 'r'],
  ['"r" a map', set('r', new Map([['k', 'x']])), 'TELEMETRY_MALFORMED', 'r'],
  ['"r[0]" a number', set('r', [1]), 'TELEMETRY_MALFORMED', 'r[0]'],
  ['"r[0]" extra field', setReading('x', 1), 'TELEMETRY_MALFORMED', 'r[0].x'],
  ['"r[0].u" missing', wire((_, r) => r.delete('u')), 'TELEMETRY_MALFORMED', 'r[0].u'],
  ['"r[0].v" NaN', setReading('v', Number.NaN), 'TELEMETRY_VALUE_INVALID', 'r[0].v'],
  [
    '"r[0].v" +Infinity',
    setReading('v', Number.POSITIVE_INFINITY),
    'TELEMETRY_VALUE_INVALID',
    'r[0].v',
  ],
  [
    '"r[0].v" -Infinity',
    setReading('v', Number.NEGATIVE_INFINITY),
    'TELEMETRY_VALUE_INVALID',
    'r[0].v',
  ],
  ['"r[0].v" uint64 2^53', setReading('v', 2n ** 53n), 'TELEMETRY_VALUE_INVALID', 'r[0].v'],
  ['"r[0].v" nint64 −2^64', setReading('v', -(2n ** 64n)), 'TELEMETRY_VALUE_INVALID', 'r[0].v'],
  ['"r[0].v" text', setReading('v', '21.5'), 'TELEMETRY_MALFORMED', 'r[0].v'],
  ['"r[0].v" null', setReading('v', null), 'TELEMETRY_MALFORMED', 'r[0].v'],
  ['"r[0].v" true', setReading('v', true), 'TELEMETRY_MALFORMED', 'r[0].v'],
  ['"r[0].k" 33 characters', setReading('k', 'a'.repeat(33)), 'TELEMETRY_VALUE_INVALID', 'r[0].k'],
  ['"r[0].k" empty', setReading('k', ''), 'TELEMETRY_VALUE_INVALID', 'r[0].k'],
  ['"r[0].k" uppercase', setReading('k', 'Temp'), 'TELEMETRY_VALUE_INVALID', 'r[0].k'],
  ['"r[0].k" a number', setReading('k', 1), 'TELEMETRY_MALFORMED', 'r[0].k'],
  [
    '"r[1].k" repeats "r[0].k"',
    wire((m) => (m.get('r') as Map<unknown, unknown>[])[1]?.set('k', 'temp')),
    'TELEMETRY_VALUE_INVALID',
    'r[1].k',
  ],
  ['"r[0].u" empty', setReading('u', ''), 'TELEMETRY_VALUE_INVALID', 'r[0].u'],
  ['"r[0].u" 17 characters', setReading('u', 'a'.repeat(17)), 'TELEMETRY_VALUE_INVALID', 'r[0].u'],
  ['"r[0].u" non-ASCII "°C"', setReading('u', '°C'), 'TELEMETRY_VALUE_INVALID', 'r[0].u'],
  ['"r[0].u" control character', setReading('u', 'C\n'), 'TELEMETRY_VALUE_INVALID', 'r[0].u'],
  [
    '"r[0].u" a 10 000-character string',
    setReading('u', 'x'.repeat(10_000)),
    'TELEMETRY_VALUE_INVALID',
    'r[0].u',
  ],
  ['"s" 0', set('s', 0), 'TELEMETRY_MALFORMED', 's'],
  ['"s" 4', set('s', 4), 'TELEMETRY_MALFORMED', 's'],
  ['"s" "p256"', set('s', 'p256'), 'TELEMETRY_MALFORMED', 's'],
  ['"a" with suite p256', set('a', new Uint8Array(32)), 'TELEMETRY_MALFORMED', 'a'],
  ['"a" 31 bytes with suite ed25519', withAux(2, 31, 64), 'TELEMETRY_MALFORMED', 'a'],
  ['"a" 32 bytes with suite mldsa44P256', withAux(3, 32, 2484), 'TELEMETRY_MALFORMED', 'a'],
  ['"g" missing', wire((m) => m.delete('g')), 'TELEMETRY_MALFORMED', 'g'],
  ['"g" 63 bytes', set('g', new Uint8Array(63)), 'TELEMETRY_MALFORMED', 'g'],
  ['"g" 64 bytes with suite mldsa44P256', withAux(3, 1312, 64), 'TELEMETRY_MALFORMED', 'g'],
  ['extra field "x"', set('x', 1), 'TELEMETRY_MALFORMED'],
  ['extra field with an integer key', set(1 as unknown as string, 1), 'TELEMETRY_MALFORMED'],
  ['extra field "__proto__"', set('__proto__', new Map([['v', 1]])), 'TELEMETRY_MALFORMED'],
  ['top level an array', cbor([1, 2]), 'TELEMETRY_MALFORMED', 'message'],
  ['top level null', cbor(null), 'TELEMETRY_MALFORMED', 'message'],
  ['empty input', new Uint8Array(0), 'TELEMETRY_MALFORMED'],
  ['a trailing byte', Uint8Array.of(...SAMPLE_BYTES, 0x00), 'TELEMETRY_MALFORMED'],
  ['truncated by one byte', SAMPLE_BYTES.subarray(0, -1), 'TELEMETRY_MALFORMED'],
  ['a tag around the map', Uint8Array.of(0xd8, 0x18, ...SAMPLE_BYTES), 'TELEMETRY_MALFORMED'],
  [
    'a duplicate key',
    Uint8Array.of(0xa9, ...SAMPLE_BYTES.subarray(1), 0x61, 0x76, 0x01),
    'TELEMETRY_MALFORMED',
  ],
  [
    'undefined as a value',
    hexToBytes(SAMPLE_HEX.replace('616e01', '616ef7')),
    'TELEMETRY_MALFORMED',
  ],
  ['16 384 nested arrays', new Uint8Array(TELEMETRY_MAX_BYTES).fill(0x81), 'TELEMETRY_MALFORMED'],
  ['16 385 bytes', new Uint8Array(TELEMETRY_MAX_BYTES + 1), 'TELEMETRY_TOO_LARGE'],
  // Valid messages in another encoding.
  [
    'keys in reverse order',
    cbor(sampleWireMap(), { mapSorter: () => 1 }),
    'TELEMETRY_NOT_CANONICAL',
  ],
  [
    '"n" with a 2-byte head (18 01)',
    hexToBytes(SAMPLE_HEX.replace('616e01', '616e1801')),
    'TELEMETRY_NOT_CANONICAL',
  ],
  ['21.5 as float64', cbor(sampleWireMap(), { float64: true }), 'TELEMETRY_NOT_CANONICAL'],
  [
    '40 as float16 40.0',
    hexToBytes(SAMPLE_HEX.replace('61761828', '6176f95100')),
    'TELEMETRY_NOT_CANONICAL',
  ],
  [
    '-0.0 as float16',
    hexToBytes(SAMPLE_HEX.replace('61761828', '6176f98000')),
    'TELEMETRY_NOT_CANONICAL',
  ],
  [
    '3 × 2^-24 as float16 f90003 (RFC 8949 form)',
    hexToBytes(SAMPLE_HEX.replace('61761828', '6176f90003')),
    'TELEMETRY_NOT_CANONICAL',
  ],
  [
    '"r" with an indefinite length',
    hexToBytes(SAMPLE_HEX.replace('617282', '61729f').replace('617301', 'ff617301')),
    'TELEMETRY_NOT_CANONICAL',
  ],
]
for (const [name, bytes, code, field] of hostile) {
  test(`error: decode ${name} → ${code}`, () => {
    assert.ok(bytes.length <= TELEMETRY_MAX_BYTES || code === 'TELEMETRY_TOO_LARGE')
    throwsCode(() => decodeTelemetry(bytes), code, field)
  })
}

test('error: decode of something other than bytes → TELEMETRY_MALFORMED', () => {
  for (const input of [undefined, null, 'a8', [0xa8], SAMPLE_BYTES.buffer]) {
    throwsCode(() => decodeTelemetry(input as unknown as Uint8Array), 'TELEMETRY_MALFORMED')
  }
})

test('behavior: exactly 16 KiB is parsed, not refused for size', () => {
  const padding = TELEMETRY_MAX_BYTES - SAMPLE_BYTES.length
  assert.ok(padding > 0)
  throwsCode(
    () => decodeTelemetry(Uint8Array.of(...SAMPLE_BYTES, ...new Uint8Array(padding))),
    'TELEMETRY_MALFORMED',
  )
})

// The same rules on the way out: the encoder refuses what the decoder would.
const reading = (value: number) => ({ ...SAMPLE, readings: [{ name: 'x', value, unit: '1' }] })
const encodeRows: [string, unknown, ErrorCode][] = [
  ['NaN', reading(Number.NaN), 'TELEMETRY_VALUE_INVALID'],
  ['+Infinity', reading(Number.POSITIVE_INFINITY), 'TELEMETRY_VALUE_INVALID'],
  ['-Infinity', reading(Number.NEGATIVE_INFINITY), 'TELEMETRY_VALUE_INVALID'],
  ['sequence 0', { ...SAMPLE, sequence: 0 }, 'TELEMETRY_MALFORMED'],
  ['sequence 2^53', { ...SAMPLE, sequence: 2 ** 53 }, 'TELEMETRY_MALFORMED'],
  ['timestamp -1', { ...SAMPLE, timestamp: -1 }, 'TELEMETRY_MALFORMED'],
  ['no readings', { ...SAMPLE, readings: [] }, 'TELEMETRY_MALFORMED'],
  ['readings not an array', { ...SAMPLE, readings: 'x' }, 'TELEMETRY_MALFORMED'],
  ['a reading null', { ...SAMPLE, readings: [null] }, 'TELEMETRY_MALFORMED'],
  [
    'a reading without unit',
    { ...SAMPLE, readings: [{ name: 'x', value: 1 }] },
    'TELEMETRY_MALFORMED',
  ],
  ['no signature', { ...SAMPLE, signature: undefined }, 'TELEMETRY_MALFORMED'],
  ['suite 4', { ...SAMPLE, suite: 4 }, 'TELEMETRY_MALFORMED'],
  ['version 2', { ...SAMPLE, version: 2 }, 'TELEMETRY_MALFORMED'],
  ['null', null, 'TELEMETRY_MALFORMED'],
]
for (const [name, message, code] of encodeRows) {
  test(`error: encode ${name} → ${code}`, () => {
    throwsCode(() => encodeTelemetry(message as TelemetryMessage), code)
    const { signature: _, ...unsigned } = (message ?? {}) as TelemetryMessage
    if (name !== 'no signature') {
      throwsCode(
        () => telemetrySigningBytes((message === null ? null : unsigned) as UnsignedTelemetry),
        code,
      )
    }
  })
}

// verifyTelemetrySignature per suite, signed here with noble directly (the device signers
// and the full tamper table are in packages/device/test/suites).
const p256Secret = sha256(new TextEncoder().encode('core test p256'))
const p256PublicKey = p256.getPublicKey(p256Secret, false)
const edSecret = sha256(new TextEncoder().encode('core test ed25519'))
const edPublicKey = ed25519.getPublicKey(edSecret)
const mlDsa = ml_dsa44.keygen(sha256(new TextEncoder().encode('core test ml-dsa-44')))

function signed(suite: SuiteId, auxPublicKey?: Uint8Array): TelemetryMessage {
  const unsigned: UnsignedTelemetry = {
    ...SAMPLE,
    suite,
    ...(auxPublicKey === undefined ? {} : { auxPublicKey }),
  }
  const bytes = telemetrySigningBytes(unsigned)
  const ecdsa = p256.sign(sha256(bytes), p256Secret, {
    prehash: false,
    lowS: false,
    format: 'compact',
  })
  const signature =
    suite === 1
      ? ecdsa
      : suite === 2
        ? ed25519.sign(bytes, edSecret)
        : Uint8Array.of(...ecdsa, ...ml_dsa44.sign(bytes, mlDsa.secretKey))
  return decodeTelemetry(encodeTelemetry({ ...unsigned, signature }))
}

const p256Message = signed(1)
const edMessage = signed(2, edPublicKey)
const hybridMessage = signed(3, mlDsa.publicKey)

test('default: a signed message verifies under each suite', () => {
  assert.equal(verifyTelemetrySignature(p256Message, { p256PublicKey }), true)
  assert.equal(
    verifyTelemetrySignature(edMessage, { p256PublicKey, auxPublicKey: edPublicKey }),
    true,
  )
  assert.equal(
    verifyTelemetrySignature(hybridMessage, { p256PublicKey, auxPublicKey: mlDsa.publicKey }),
    true,
  )
  assert.equal(
    verifyTelemetrySignature(signed(2), { p256PublicKey, auxPublicKey: edPublicKey }),
    true,
  )
})

test('behavior: the aux key comes from the caller, never from the message', () => {
  // Without keys.auxPublicKey nothing verifies, even when the message carries the right key.
  assert.equal(verifyTelemetrySignature(edMessage, { p256PublicKey }), false)
  assert.equal(verifyTelemetrySignature(hybridMessage, { p256PublicKey }), false)
  // A message key that differs from the caller's fails, even if the signature would hold.
  const otherEd = ed25519.getPublicKey(sha256(edSecret))
  assert.equal(
    verifyTelemetrySignature(
      { ...signed(2), auxPublicKey: otherEd },
      { p256PublicKey, auxPublicKey: edPublicKey },
    ),
    false,
  )
})

test('behavior: the hybrid needs both halves', () => {
  const { signature } = hybridMessage
  const keys = { p256PublicKey, auxPublicKey: mlDsa.publicKey }
  const ecdsaOnly = Uint8Array.of(...signature.subarray(0, 64), ...new Uint8Array(2420))
  const mlDsaOnly = Uint8Array.of(...new Uint8Array(64), ...signature.subarray(64))
  assert.equal(verifyTelemetrySignature({ ...hybridMessage, signature: ecdsaOnly }, keys), false)
  assert.equal(verifyTelemetrySignature({ ...hybridMessage, signature: mlDsaOnly }, keys), false)
  assert.equal(
    verifyTelemetrySignature({ ...hybridMessage, signature: signature.subarray(0, 64) }, keys),
    false,
  )
})

const failClosed: [
  string,
  TelemetryMessage,
  { p256PublicKey: Uint8Array; auxPublicKey?: Uint8Array },
][] = [
  ['compressed P-256 key', p256Message, { p256PublicKey: p256.getPublicKey(p256Secret, true) }],
  [
    'P-256 key of another device',
    p256Message,
    { p256PublicKey: p256.getPublicKey(sha256(p256Secret), false) },
  ],
  [
    'signature 65 bytes',
    { ...p256Message, signature: Uint8Array.of(...p256Message.signature, 0) },
    { p256PublicKey },
  ],
  [
    'signature not bytes',
    { ...p256Message, signature: 'sig' as unknown as Uint8Array },
    { p256PublicKey },
  ],
  [
    'reading value NaN',
    { ...p256Message, readings: [{ name: 'x', value: Number.NaN, unit: '1' }] },
    { p256PublicKey },
  ],
  ['suite 9', { ...p256Message, suite: 9 as SuiteId }, { p256PublicKey }],
  [
    'ed25519 key of 33 bytes',
    edMessage,
    { p256PublicKey, auxPublicKey: Uint8Array.of(...edPublicKey, 0) },
  ],
  [
    'ML-DSA key given to the ed25519 suite',
    signed(2),
    { p256PublicKey, auxPublicKey: mlDsa.publicKey },
  ],
  ['message null', null as unknown as TelemetryMessage, { p256PublicKey }],
  ['keys null', p256Message, null as unknown as { p256PublicKey: Uint8Array }],
]
for (const [name, message, keys] of failClosed) {
  test(`error: verifyTelemetrySignature with ${name} is false`, () => {
    assert.equal(verifyTelemetrySignature(message, keys), false)
  })
}
