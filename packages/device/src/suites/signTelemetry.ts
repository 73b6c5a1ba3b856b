// Builds a signed telemetry message on the device: the canonical signing bytes, signed under
// the device's suite.

import { equalBytes } from '@noble/curves/utils.js'
import {
  type TelemetryMessage,
  telemetrySigningBytes,
  type UnsignedTelemetry,
  VeriotError,
} from '@veriot/core'
import type { TelemetrySigner } from './TelemetrySigner.ts'

/**
 * Signs `unsigned` with `signer` and returns the frozen signed message, ready for
 * encodeTelemetry. The message's suite must be the signer's, and an `auxPublicKey` in it must
 * be the signer's own (include it, at least in a device's first message, so the gateway can
 * learn the key; it is checked against the registered auxKeyHash).
 *
 * @throws SUITE_MISMATCH / AUX_KEY_MISMATCH when the message does not fit the signer;
 *   TELEMETRY_MALFORMED / TELEMETRY_VALUE_INVALID for a message encodeTelemetry would refuse;
 *   SIGNATURE_MALFORMED or the key's own errors from signing.
 * @example
 * const signer = createTelemetrySigner('ed25519', { ed25519: auxKey })
 * const message = await signTelemetry({
 *   version: 1, deviceId, sequence: await counter.next(), timestamp: Date.now(),
 *   type: 'temperature', readings: [{ name: 'temp', value: 21.5, unit: 'Cel' }],
 *   suite: signer.suite, auxPublicKey: signer.auxPublicKey,
 * }, signer)
 * publish(encodeTelemetry(message))
 */
export async function signTelemetry(
  unsigned: UnsignedTelemetry,
  signer: TelemetrySigner,
): Promise<TelemetryMessage> {
  if (unsigned?.suite !== signer.suite) {
    throw new VeriotError(
      'SUITE_MISMATCH',
      `"suite" expected ${signer.suite} (the signer's), got ${String(unsigned?.suite)}`,
    )
  }
  const aux = unsigned.auxPublicKey
  if (
    aux !== undefined &&
    (signer.auxPublicKey === undefined ||
      !(aux instanceof Uint8Array) ||
      !equalBytes(aux, signer.auxPublicKey))
  ) {
    throw new VeriotError(
      'AUX_KEY_MISMATCH',
      `"auxPublicKey" expected the signer's auxiliary key, got ${aux instanceof Uint8Array ? `another ${aux.length}-byte key` : typeof aux}`,
    )
  }
  // Without `signature`, whatever the caller's object holds: the bytes cover only these fields.
  const { signature: _, ...fields } = unsigned as UnsignedTelemetry & { signature?: unknown }
  const signature = await signer.sign(telemetrySigningBytes(fields))
  return Object.freeze({ ...fields, signature })
}
