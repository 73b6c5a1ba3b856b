// Deterministic CBOR of a telemetry message: the bytes that are signed, sent, hashed into the
// Merkle tree and compared on decode. Checked by the same rules as decodeTelemetry first.

import { equalBytes } from '@noble/curves/utils.js'
import { encode, encodeInto } from 'cborg'
import {
  type Reading,
  TELEMETRY_MAX_BYTES,
  type TelemetryMessage,
  type UnsignedTelemetry,
} from './TelemetryMessage.ts'
import { telemetryFromCbor } from './telemetryFromCbor.ts'

/**
 * Encodes `message` (with its signature when `signed`, without it otherwise) as RFC 8949 §4.2.1
 * core deterministic CBOR with cborg: definite lengths, shortest integer heads, map keys in
 * bytewise order, each float in the shortest of float16/32/64 that holds it exactly. Written
 * with cborg's default options, which give these bytes for every telemetry map (see
 * encodeCanonical for why).
 *
 * Numbers: a safe integer (|x| ≤ 2^53 − 1) is a CBOR integer, anything else a float; −0 is a
 * safe integer and is written as the integer 0 (so it reads back as +0).
 *
 * Differs from RFC 8949 §4.2.1 for one float range: cborg writes a float16 subnormal only when
 * it is a power of two (2^-24 … 2^-15); other values that float16 holds only as subnormals
 * (e.g. 3 × 2^-24) get float32. The decoder accepts exactly what this writes, so a foreign
 * encoder must match it there; cborg's version is pinned, and a test pins these bytes.
 *
 * @throws TELEMETRY_MALFORMED / TELEMETRY_VALUE_INVALID like decodeTelemetry.
 */
export function telemetryToCbor(
  message: UnsignedTelemetry | TelemetryMessage,
  signed: boolean,
): Uint8Array {
  const map = cborMapOf(message, signed)
  if (signed) telemetryFromCbor(map, true)
  else telemetryFromCbor(map, false)
  return encodeCanonical(map)
}

// Where isCanonicalTelemetry writes the encoding it compares; every encoding it can be equal to
// fits (decodeTelemetry refuses larger inputs first). Synchronous use only, so one per module.
const scratch = new Uint8Array(TELEMETRY_MAX_BYTES)

/**
 * True when `bytes` are exactly telemetryToCbor(message, true), for a message telemetryFromCbor
 * has just returned (decodeTelemetry's canonical check). The field check is not run again: it
 * would refuse nothing, and it costs about as much as the encoding. Anything else must go
 * through telemetryToCbor, since a wrong field here would be written as it is.
 */
export function isCanonicalTelemetry(message: TelemetryMessage, bytes: Uint8Array): boolean {
  const wire = wireObjectOf(message)
  let written: number
  try {
    written = encodeInto(wire, scratch).written
  } catch {
    // Longer than any input decodeTelemetry reads, so never equal; encoded in full all the
    // same, so that the answer (or a throw) is the plain encoder's in every case.
    return equalBytes(encodeCanonical(wire), bytes)
  }
  return written === bytes.length && equalBytes(scratch.subarray(0, written), bytes)
}

/** The wire map of a checked message, as a plain object with its keys in canonical order. */
function wireObjectOf(message: TelemetryMessage): Record<string, unknown> {
  // Plain objects rather than Maps: quicker to build, and cborg encodes an object's string keys
  // exactly as a Map's (the same sorter). The keys are fixed names, never "__proto__", and are
  // inserted in canonical order, so cborg's sort finds one ascending run and stops there.
  const readings = new Array<object>(message.readings.length)
  for (let i = 0; i < readings.length; i++) {
    const { name, value, unit } = message.readings[i] as Reading
    readings[i] = { k: name, u: unit, v: value }
  }
  const {
    auxPublicKey: a,
    deviceId: d,
    signature: g,
    sequence: n,
    suite: s,
    timestamp: t,
    version: v,
    type: y,
  } = message
  return a === undefined
    ? { d, g, n, r: readings, s, t, v, y }
    : { a, d, g, n, r: readings, s, t, v, y }
}

/**
 * cborg's default encode options, not `rfc8949EncodeOptions`: the same bytes for every
 * telemetry map, on cborg's direct path (several times faster: no token tree, and no key
 * re-encoded for every comparison of the sort).
 *
 * Why the bytes are the same. The two option sets differ only in `mapSorter`: cborg's encode()
 * and encodeInto() lay either set over its defaults, so both encode with `float64: false` and a
 * float takes the same shortest form, and integers, strings, byte strings and array heads go
 * through the same head writer on the direct and the token path. rfc8949EncodeOptions orders map
 * entries by the bytes of each encoded key (RFC 8949 §4.2.1, bytewise); the default sorter
 * compares the keys' major types, then for text keys the UTF-8 lengths, then the UTF-8 bytes
 * (RFC 7049 §3.9, length-first). Every key of a telemetry map and of a reading map is a text
 * string of one ASCII letter: one major type (3), one length (1), so every encoded key is the
 * head byte 0x61 followed by that letter, and both sorters order the keys by that one byte.
 * The keys are distinct (fixed field names), so neither sorter meets a tie. Only maps whose keys
 * differ in encoded length could come out differently, and telemetry has none; a property test
 * over random messages of every suite holds the two option sets to the same bytes.
 */
function encodeCanonical(wire: Map<string, unknown> | Record<string, unknown>): Uint8Array {
  return encode(wire)
}

function cborMapOf(
  message: UnsignedTelemetry | TelemetryMessage,
  signed: boolean,
): Map<string, unknown> {
  // Values are passed through unchecked (a wrong type included) for telemetryFromCbor to name.
  const m = (message ?? {}) as Partial<TelemetryMessage>
  const map = new Map<string, unknown>()
  setDefined(map, 'v', m.version)
  setDefined(map, 'd', m.deviceId)
  setDefined(map, 'n', m.sequence)
  setDefined(map, 't', m.timestamp)
  setDefined(map, 'y', m.type)
  setDefined(map, 'r', Array.isArray(m.readings) ? m.readings.map(readingMapOf) : m.readings)
  setDefined(map, 's', m.suite)
  setDefined(map, 'a', m.auxPublicKey)
  if (signed) setDefined(map, 'g', m.signature)
  return map
}

function readingMapOf(r: unknown): unknown {
  if (typeof r !== 'object' || r === null) return r
  const reading = r as Partial<Record<keyof Reading, unknown>>
  const entries = new Map<string, unknown>()
  setDefined(entries, 'k', reading.name)
  setDefined(entries, 'v', reading.value)
  setDefined(entries, 'u', reading.unit)
  return entries
}

function setDefined(map: Map<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) map.set(key, value)
}
