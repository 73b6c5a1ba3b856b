// Deterministic CBOR of a telemetry message: the bytes that are signed, sent, hashed into the
// Merkle tree and compared on decode. Checked by the same rules as decodeTelemetry first.

import { encode, rfc8949EncodeOptions } from 'cborg'
import type { TelemetryMessage, UnsignedTelemetry } from './TelemetryMessage.ts'
import { telemetryFromCbor } from './telemetryFromCbor.ts'

/**
 * Encodes `message` (with its signature when `signed`, without it otherwise) as RFC 8949 §4.2.1
 * core deterministic CBOR with cborg: definite lengths, shortest integer heads, map keys in
 * bytewise order, each float in the shortest of float16/32/64 that holds it exactly.
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
  return encode(map, rfc8949EncodeOptions)
}

function cborMapOf(
  message: UnsignedTelemetry | TelemetryMessage,
  signed: boolean,
): Map<string, unknown> {
  // Values are passed through unchecked (a wrong type included) for telemetryFromCbor to name.
  const m = (message ?? {}) as Partial<TelemetryMessage>
  const map = new Map<string, unknown>()
  const put = (key: string, value: unknown) => {
    if (value !== undefined) map.set(key, value)
  }
  put('v', m.version)
  put('d', m.deviceId)
  put('n', m.sequence)
  put('t', m.timestamp)
  put('y', m.type)
  put(
    'r',
    Array.isArray(m.readings)
      ? m.readings.map((r: unknown) => {
          if (typeof r !== 'object' || r === null) return r
          const reading = r as Record<string, unknown>
          const entries = new Map<string, unknown>()
          for (const [key, name] of [
            ['k', 'name'],
            ['v', 'value'],
            ['u', 'unit'],
          ] as const) {
            if (reading[name] !== undefined) entries.set(key, reading[name])
          }
          return entries
        })
      : m.readings,
  )
  put('s', m.suite)
  put('a', m.auxPublicKey)
  if (signed) put('g', m.signature)
  return map
}
