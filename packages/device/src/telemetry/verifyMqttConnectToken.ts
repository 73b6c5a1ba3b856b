// The gateway's check of an MQTT connect token (see createMqttConnectToken).

import { Buffer } from 'node:buffer'
import { deviceIdFromPublicKey, verifyP256 } from '@veriot/core'
import { mqttConnectSigningBytes } from './mqttConnectSigningBytes.ts'

/** Default accepted distance between the token's time and the verifier's clock: 5 minutes. */
export const MQTT_CONNECT_MAX_SKEW_MS = 5 * 60_000

// "v1." + decimal without leading zeros (≤ 16 digits) + "." + 86 base64url characters (64 bytes).
const TOKEN = /^v1\.(0|[1-9][0-9]{0,15})\.([A-Za-z0-9_-]{86})$/
const MAX_TOKEN_CHARS = 3 + 16 + 1 + 86

export type MqttConnectTokenContext = {
  /** The id the client claims (its MQTT username): 0x + 64 lowercase hex digits. */
  readonly deviceId: string
  /** The device's registered P-256 key (65 bytes, 0x04 ‖ x ‖ y). */
  readonly p256PublicKey: Uint8Array
  /** The verifier's clock, ms since the Unix epoch. */
  readonly now: number
  /** Largest accepted |token time − now|; default {@link MQTT_CONNECT_MAX_SKEW_MS}. */
  readonly maxSkewMs?: number
}

/**
 * True when `token` (the MQTT password, as a string or its UTF-8 bytes) is exactly
 * `v1.<timestampMs>.<base64url(signature)>` in its one canonical spelling, its time is within
 * `maxSkewMs` of `now`, `deviceId` is the id of `p256PublicKey` (keccak256(x ‖ y)), and the
 * signature verifies over mqttConnectSigningBytes(deviceId, timestampMs) under that key.
 *
 * A token is not single-use: within its window it can be replayed by whoever saw it, so the
 * connection must be TLS where the network is not trusted. It proves key possession; the
 * device's status and capabilities are checked per message by the gateway.
 *
 * Pure (the clock is passed in) and fails closed: anything malformed or any exception gives false.
 *
 * @example
 * const ok = verifyMqttConnectToken(password, { deviceId: username, p256PublicKey, now: Date.now() })
 */
export function verifyMqttConnectToken(
  token: string | Uint8Array,
  context: MqttConnectTokenContext,
): boolean {
  try {
    const { deviceId, p256PublicKey, now } = context
    const maxSkewMs = context.maxSkewMs ?? MQTT_CONNECT_MAX_SKEW_MS
    if (!Number.isSafeInteger(now) || !Number.isSafeInteger(maxSkewMs) || maxSkewMs < 0) {
      return false
    }
    if (token instanceof Uint8Array && token.length > MAX_TOKEN_CHARS) return false
    const text =
      token instanceof Uint8Array ? new TextDecoder('utf-8', { fatal: true }).decode(token) : token
    if (typeof text !== 'string' || text.length > MAX_TOKEN_CHARS) return false
    const match = TOKEN.exec(text)
    if (match === null) return false
    const timestampMs = Number(match[1])
    if (!Number.isSafeInteger(timestampMs) || Math.abs(timestampMs - now) > maxSkewMs) return false
    const signature = new Uint8Array(Buffer.from(match[2] as string, 'base64url'))
    // Node's decoder ignores stray low bits in the last character; only the canonical
    // spelling of the 64 bytes is accepted, so a token has exactly one valid form.
    if (signature.length !== 64 || Buffer.from(signature).toString('base64url') !== match[2]) {
      return false
    }
    if (deviceIdFromPublicKey(p256PublicKey) !== deviceId) return false
    return verifyP256(signature, mqttConnectSigningBytes(deviceId, timestampMs), p256PublicKey)
  } catch {
    return false
  }
}
