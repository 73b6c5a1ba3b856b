// The CBOR item of one reading value, byte for byte as it appears inside a telemetry message:
// what a contract needs to rebuild the signed bytes from decoded fields (ConditionRegistry).

import { encode, rfc8949EncodeOptions } from 'cborg'
import { VeriotError } from '../errors/VeriotError.ts'

/**
 * Encodes `value` exactly as telemetryToCbor writes a reading's `v`: a safe integer (−0
 * included, written as 0) as a CBOR integer, anything else as the shortest float that holds it.
 *
 * @throws TELEMETRY_VALUE_INVALID for NaN, ±Infinity or a non-number.
 * @example
 * readingValueToCbor(-20) // Uint8Array [0x33]
 * readingValueToCbor(-20.5) // Uint8Array [0xf9, 0xcd, 0x20]
 */
export function readingValueToCbor(value: number): Uint8Array {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new VeriotError(
      'TELEMETRY_VALUE_INVALID',
      `"value" expected a finite number, got ${String(value)}`,
    )
  }
  // Same as the message encoder: −0 is a safe integer, so it becomes the integer 0.
  return encode(Object.is(value, -0) ? 0 : value, rfc8949EncodeOptions)
}
