// Creates the password a device presents when it connects to the gateway's MQTT broker.

import { Buffer } from 'node:buffer'
import { VeriotError } from '@veriot/core'
import type { P256SigningKey } from '../suites/createTelemetrySigner.ts'
import { mqttConnectSigningBytes } from './mqttConnectSigningBytes.ts'

/**
 * The MQTT connect token `v1.<timestampMs>.<base64url(signature)>`: the device's P-256
 * signature (r ‖ s, 64 bytes, base64url without padding) over mqttConnectSigningBytes(deviceId,
 * now). The gateway accepts it within ±5 minutes of its clock (verifyMqttConnectToken), so a
 * connecting client must present a fresh one at every (re)connect.
 *
 * @throws INVALID_DEVICE_ID / INVALID_ARGUMENT as mqttConnectSigningBytes; SIGNATURE_MALFORMED
 *   when the key returns something other than 64 bytes; the key's own errors
 * @example
 * const password = await createMqttConnectToken(key, deviceId, Date.now())
 */
export async function createMqttConnectToken(
  key: P256SigningKey,
  deviceId: string,
  now: number,
): Promise<string> {
  const signature = await key.sign(mqttConnectSigningBytes(deviceId, now))
  if (!(signature instanceof Uint8Array) || signature.length !== 64) {
    throw new VeriotError(
      'SIGNATURE_MALFORMED',
      `"signature" expected 64 bytes (r ‖ s) from the device key, got ${signature instanceof Uint8Array ? `${signature.length} bytes` : typeof signature}`,
    )
  }
  return `v1.${now}.${Buffer.from(signature).toString('base64url')}`
}
