// The one field check of telemetry messages: from a decoded CBOR value (maps as Map) to a
// frozen TelemetryMessage. decodeTelemetry runs it on received bytes, and the encoders run it
// on what they are about to write, so both sides refuse exactly the same messages.

import type { ErrorCode } from '../errors/codes.ts'
import { VeriotError } from '../errors/VeriotError.ts'
import { Suite, type SuiteId, suiteNameOf } from '../registry/suites.ts'
import {
  ML_DSA_44_PUBLIC_KEY_BYTES,
  ML_DSA_44_SIGNATURE_BYTES,
} from '../signatures/verifyMlDsa44.ts'
import {
  type Reading,
  TELEMETRY_MAX_READINGS,
  TELEMETRY_VERSION,
  type TelemetryMessage,
  type UnsignedTelemetry,
} from './TelemetryMessage.ts'

/** Wire key → field name, for messages that make sense to both a firmware and a gateway author. */
const FIELDS = {
  v: 'version',
  d: 'deviceId',
  n: 'sequence',
  t: 'timestamp',
  y: 'type',
  r: 'readings',
  s: 'suite',
  a: 'auxPublicKey',
  g: 'signature',
} as const
type WireKey = keyof typeof FIELDS
const READING_FIELDS = { k: 'name', v: 'value', u: 'unit' } as const
type ReadingKey = keyof typeof READING_FIELDS

const DEVICE_ID_BYTES = 32
const P256_SIGNATURE_BYTES = 64
// Same rule as the suffix of a `telemetry:<type>` capability (registry/capability.ts).
const TYPE = /^[a-z0-9][a-z0-9_.-]{0,21}$/
const READING_NAME = /^[a-z0-9_.-]{1,32}$/
const UNIT = /^[\x20-\x7e]{1,16}$/

const AUX_KEY_BYTES: Record<SuiteId, number | undefined> = {
  [Suite.p256]: undefined,
  [Suite.ed25519]: 32,
  [Suite.mldsa44P256]: ML_DSA_44_PUBLIC_KEY_BYTES,
}
const SIGNATURE_BYTES: Record<SuiteId, number> = {
  [Suite.p256]: P256_SIGNATURE_BYTES,
  [Suite.ed25519]: 64,
  [Suite.mldsa44P256]: P256_SIGNATURE_BYTES + ML_DSA_44_SIGNATURE_BYTES,
}

/**
 * Checks a decoded CBOR value field by field and returns the message it carries, frozen, with
 * byte fields copied. With `signed: false` the `g` field is refused instead of required.
 *
 * @throws TELEMETRY_MALFORMED for a missing, unknown or mistyped field (the message names it);
 *   TELEMETRY_VALUE_INVALID for a reading whose value is NaN, ±Infinity or an integer beyond
 *   ±(2^53 − 1), or whose name or unit breaks its rule.
 */
export function telemetryFromCbor(value: unknown, signed: true): TelemetryMessage
export function telemetryFromCbor(value: unknown, signed: false): UnsignedTelemetry
export function telemetryFromCbor(value: unknown, signed: boolean): UnsignedTelemetry {
  // No closures and no strings built ahead of an error: this runs on every received message.
  const fields = mapOf('message', value)
  for (const key of fields.keys()) {
    if (typeof key !== 'string' || !Object.hasOwn(FIELDS, key) || (key === 'g' && !signed)) {
      throw malformed(`message has an unknown field ${describe(key)}`, describe(key))
    }
  }

  const version = requiredField(fields, 'v')
  if (version !== TELEMETRY_VERSION) {
    throw malformed(`${label('v')} expected ${TELEMETRY_VERSION}, got ${describe(version)}`, 'v')
  }
  const deviceId = bytesOf('d', requiredField(fields, 'd'), DEVICE_ID_BYTES)
  const sequence = integerOf('n', requiredField(fields, 'n'), 1)
  const timestamp = integerOf('t', requiredField(fields, 't'), 0)
  const type = requiredField(fields, 'y')
  if (typeof type !== 'string' || !TYPE.test(type)) {
    throw malformed(
      `${label('y')} expected 1–22 characters of [a-z0-9_.-] starting with a letter or digit, got ${describe(type)}`,
      'y',
    )
  }
  const readings = readingsOf(requiredField(fields, 'r'))
  const suite = requiredField(fields, 's')
  if (typeof suite !== 'number' || suiteNameOf(suite) === undefined) {
    throw malformed(`${label('s')} expected a suite id 1, 2 or 3, got ${describe(suite)}`, 's')
  }
  const suiteId = suite as SuiteId

  const message: { -readonly [K in keyof TelemetryMessage]?: TelemetryMessage[K] } = {
    version: TELEMETRY_VERSION,
    deviceId,
    sequence,
    timestamp,
    type,
    readings,
    suite: suiteId,
  }
  if (fields.has('a')) {
    const auxBytes = AUX_KEY_BYTES[suiteId]
    if (auxBytes === undefined) {
      throw malformed(
        `${label('a')} expected absent for suite ${suiteNameOf(suiteId)}, got a key`,
        'a',
      )
    }
    message.auxPublicKey = bytesOf('a', fields.get('a'), auxBytes)
  }
  if (signed) message.signature = bytesOf('g', requiredField(fields, 'g'), SIGNATURE_BYTES[suiteId])
  return Object.freeze(message) as UnsignedTelemetry
}

function requiredField(fields: Map<unknown, unknown>, key: WireKey): unknown {
  if (!fields.has(key)) throw malformed(`${label(key)} is missing`, key)
  return fields.get(key)
}

function readingsOf(value: unknown): readonly Reading[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > TELEMETRY_MAX_READINGS) {
    throw malformed(
      `${label('r')} expected an array of 1–${TELEMETRY_MAX_READINGS} readings, got ${describe(value)}`,
      'r',
    )
  }
  const names = new Set<string>()
  // As Array.prototype.map, which this replaces: a hole (only an encoder's caller can pass a
  // sparse array) is skipped and stays a hole.
  const readings: Reading[] = new Array(value.length)
  for (let i = 0; i < value.length; i++) {
    if (i in value) readings[i] = readingOf(value[i], i, names)
  }
  return Object.freeze(readings)
}

function readingOf(item: unknown, i: number, names: Set<string>): Reading {
  if (!(item instanceof Map))
    throw malformed(`"r[${i}]" expected a CBOR map, got ${describe(item)}`, `r[${i}]`)
  for (const key of item.keys()) {
    if (typeof key !== 'string' || !Object.hasOwn(READING_FIELDS, key)) {
      throw malformed(`"r[${i}]" has an unknown field ${describe(key)}`, `r[${i}].${String(key)}`)
    }
  }
  const name = requiredReadingField(item, i, 'k')
  if (typeof name !== 'string' || !READING_NAME.test(name)) {
    throw textError(i, 'k', name, '1–32 characters of [a-z0-9_.-]')
  }
  if (names.has(name)) {
    throw valueInvalid(
      `"r[${i}].k" (name) expected unique in the message, got ${JSON.stringify(name)} twice`,
      `r[${i}].k`,
    )
  }
  names.add(name)
  const number = requiredReadingField(item, i, 'v')
  if (typeof number === 'bigint' || (typeof number === 'number' && !Number.isFinite(number))) {
    // CBOR integers beyond ±(2^53 − 1) decode as bigint; the encoder writes such values as
    // floats, so an integer form here is never ours.
    throw valueInvalid(
      `"r[${i}].v" (value) expected a finite number (integers within ±(2^53 − 1)), got ${describe(number)}`,
      `r[${i}].v`,
    )
  }
  if (typeof number !== 'number') {
    throw malformed(`"r[${i}].v" (value) expected a number, got ${describe(number)}`, `r[${i}].v`)
  }
  const unit = requiredReadingField(item, i, 'u')
  if (typeof unit !== 'string' || !UNIT.test(unit)) {
    throw textError(i, 'u', unit, '1–16 printable ASCII characters')
  }
  return Object.freeze({ name, value: number, unit })
}

function requiredReadingField(fields: Map<unknown, unknown>, i: number, key: ReadingKey): unknown {
  if (!fields.has(key)) {
    throw malformed(`"r[${i}].${key}" (${READING_FIELDS[key]}) is missing`, `r[${i}].${key}`)
  }
  return fields.get(key)
}

/** The error of a reading name (`k`) or unit (`u`) that is not a string or breaks its rule. */
function textError(i: number, key: 'k' | 'u', value: unknown, expected: string): VeriotError {
  const at = `r[${i}].${key}`
  const what = READING_FIELDS[key]
  if (typeof value !== 'string') {
    return malformed(`"${at}" (${what}) expected a string, got ${describe(value)}`, at)
  }
  return valueInvalid(`"${at}" (${what}) expected ${expected}, got ${describe(value)}`, at)
}

function mapOf(at: string, value: unknown): Map<unknown, unknown> {
  if (!(value instanceof Map))
    throw malformed(`"${at}" expected a CBOR map, got ${describe(value)}`, at)
  return value
}

function bytesOf(key: WireKey, value: unknown, length: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) {
    throw malformed(
      `${label(key)} expected a byte string of ${length} bytes, got ${describe(value)}`,
      key,
    )
  }
  return value.slice()
}

function integerOf(key: WireKey, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw malformed(
      `${label(key)} expected an integer in [${min}, 2^53 − 1], got ${describe(value)}`,
      key,
    )
  }
  return value
}

function label(key: WireKey): string {
  return `"${key}" (${FIELDS[key]})`
}

function malformed(message: string, field: string): VeriotError {
  return error('TELEMETRY_MALFORMED', message, field)
}

function valueInvalid(message: string, field: string): VeriotError {
  return error('TELEMETRY_VALUE_INVALID', message, field)
}

function error(code: ErrorCode, message: string, field: string): VeriotError {
  return new VeriotError(code, message, { context: { field } })
}

/** A short, log-safe description of a decoded value. */
function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`
  if (value instanceof Map) return `a map of ${value.size} entries`
  if (Array.isArray(value)) return `an array of ${value.length} items`
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  if (typeof value === 'number' && Object.is(value, -0)) return '-0'
  if (typeof value === 'bigint') return `${value}n`
  if (value === null || typeof value !== 'object') return String(value)
  return typeof value
}
