// The bytes a device signs to log in to the gateway's MQTT broker (the connect token).

import { hexToBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'

/** Domain-separation tag of the MQTT connect token (then one 0x00 byte). */
export const MQTT_CONNECT_DOMAIN = 'VERIOT/mqtt-connect/v1'

const PREFIX = Uint8Array.of(...new TextEncoder().encode(MQTT_CONNECT_DOMAIN), 0x00)
const DEVICE_ID = /^0x[0-9a-f]{64}$/

/**
 * utf8("VERIOT/mqtt-connect/v1") ‖ 0x00 ‖ deviceId (32 bytes) ‖ uint64 big-endian timestampMs
 * (63 bytes). The tag keeps a connect signature from passing for any other Veriot message.
 *
 * @throws INVALID_DEVICE_ID unless `deviceId` is 0x + 64 lowercase hex digits;
 *   INVALID_ARGUMENT unless `timestampMs` is an integer in [0, 2^53 − 1]
 * @example
 * const signature = await key.sign(mqttConnectSigningBytes(deviceId, Date.now()))
 */
export function mqttConnectSigningBytes(deviceId: string, timestampMs: number): Uint8Array {
  if (typeof deviceId !== 'string' || !DEVICE_ID.test(deviceId)) {
    throw new VeriotError(
      'INVALID_DEVICE_ID',
      `"deviceId" expected 0x followed by 64 lowercase hex digits, got ${JSON.stringify(String(deviceId).slice(0, 80))}`,
    )
  }
  if (!Number.isSafeInteger(timestampMs) || timestampMs < 0) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"timestampMs" expected an integer in [0, 2^53 − 1], got ${String(timestampMs)}`,
    )
  }
  const out = new Uint8Array(PREFIX.length + 32 + 8)
  out.set(PREFIX, 0)
  out.set(hexToBytes(deviceId.slice(2)), PREFIX.length)
  new DataView(out.buffer).setBigUint64(PREFIX.length + 32, BigInt(timestampMs), false)
  return out
}
