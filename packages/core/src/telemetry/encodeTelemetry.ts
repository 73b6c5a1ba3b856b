// The wire form of a signed telemetry message.

import type { TelemetryMessage } from './TelemetryMessage.ts'
import { telemetryToCbor } from './telemetryToCbor.ts'

/**
 * Encodes a signed telemetry message in its one canonical form: deterministic CBOR (RFC 8949
 * §4.2.1) of the map `{ v, d, n, t, y, r: [{ k, v, u }…], s, a?, g }`. These bytes are what a
 * device sends and what the gateway hashes into the batch's Merkle tree (telemetryLeafHash).
 *
 * @throws TELEMETRY_MALFORMED when a field is missing, of the wrong type or length;
 *   TELEMETRY_VALUE_INVALID when a reading is NaN, ±Infinity or has a bad name or unit.
 * @example
 * const bytes = encodeTelemetry(await signTelemetry(unsigned, signer))
 * const same = decodeTelemetry(bytes)
 */
export function encodeTelemetry(message: TelemetryMessage): Uint8Array {
  return telemetryToCbor(message, true)
}
