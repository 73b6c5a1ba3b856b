// The exact bytes a device signs for a telemetry message: a domain tag, then the message
// without its signature, so a telemetry signature can never pass for any other Veriot message.

import { concatBytes } from '@noble/hashes/utils.js'
import { TELEMETRY_SIGNING_PREFIX as PREFIX, type UnsignedTelemetry } from './TelemetryMessage.ts'
import { telemetryToCbor } from './telemetryToCbor.ts'

/**
 * utf8("VERIOT/telemetry/v1") ‖ 0x00 ‖ CBOR(message without `g`), the CBOR being the same
 * deterministic encoding as encodeTelemetry. A `signature` property on `message` is ignored,
 * so a received message gives back the bytes its signature covers (a receiver that still holds
 * the accepted encoding gets the same bytes cheaper from telemetrySigningBytesFromEncoded).
 *
 * @throws TELEMETRY_MALFORMED / TELEMETRY_VALUE_INVALID like encodeTelemetry.
 * @example
 * const signature = await deviceKey.sign(telemetrySigningBytes(unsigned))
 */
export function telemetrySigningBytes(message: UnsignedTelemetry): Uint8Array {
  return concatBytes(PREFIX, telemetryToCbor(message, false))
}
