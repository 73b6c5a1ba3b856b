// Turns a stored, signed telemetry message into the decoded form ConditionRegistry takes as
// breach evidence; the contract rebuilds the signed bytes from it and checks the signature.

import { decodeTelemetry, readingValueToCbor, Suite, VeriotError } from '@veriot/core'
import { bytesToHex, type Hex } from 'viem'

/** One message as `ConditionRegistry.SignedTelemetry` (viem's ABI shape). */
export type SignedTelemetryEvidence = {
  sequence: bigint
  timestamp: bigint
  messageType: string
  readings: { name: string; unit: string; value: Hex }[]
  r: Hex
  s: Hex
}

/**
 * Decodes `encoded` (canonical, as stored by the gateway) into evidence fields: each reading
 * value becomes its CBOR item exactly as signed (readingValueToCbor), the P-256 signature its
 * r and s. The signature is not checked here; the contract checks it.
 *
 * @throws TELEMETRY_* for a message that does not decode; SUITE_UNSUPPORTED for a message of
 *   another suite than P-256 (the contract checks P-256 signatures only).
 * @example
 * const { deviceId, evidence } = telemetryToEvidence(stored.message)
 */
export function telemetryToEvidence(encoded: Uint8Array): {
  deviceId: Hex
  evidence: SignedTelemetryEvidence
} {
  const message = decodeTelemetry(encoded)
  if (message.suite !== Suite.p256) {
    throw new VeriotError(
      'SUITE_UNSUPPORTED',
      `"suite" expected 1 (p256) for on-chain evidence, got ${message.suite}`,
      { context: { sequence: message.sequence } },
    )
  }
  return {
    deviceId: bytesToHex(message.deviceId),
    evidence: {
      sequence: BigInt(message.sequence),
      timestamp: BigInt(message.timestamp),
      messageType: message.type,
      readings: message.readings.map((r) => ({
        name: r.name,
        unit: r.unit,
        value: bytesToHex(readingValueToCbor(r.value)),
      })),
      r: bytesToHex(message.signature.subarray(0, 32)),
      s: bytesToHex(message.signature.subarray(32, 64)),
    },
  }
}
