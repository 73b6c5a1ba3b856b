// Signature check of a telemetry message under its suite: P-256, Ed25519, or the hybrid where
// P-256 and ML-DSA-44 must both hold.

import { equalBytes } from '@noble/curves/utils.js'
import { Suite } from '../registry/suites.ts'
import { verifyEd25519 } from '../signatures/verifyEd25519.ts'
import { ML_DSA_44_SIGNATURE_BYTES, verifyMlDsa44 } from '../signatures/verifyMlDsa44.ts'
import { verifyP256 } from '../signatures/verifyP256.ts'
import type { TelemetryMessage } from './TelemetryMessage.ts'
import { telemetrySigningBytes } from './telemetrySigningBytes.ts'

const P256_SIGNATURE_BYTES = 64

/** The device's keys, as registered (P-256) and as committed to by auxKeyHash (aux). */
export type TelemetryKeys = {
  /** Uncompressed SEC 1 P-256 key, 65 bytes (0x04 ‖ x ‖ y). */
  readonly p256PublicKey: Uint8Array
  /** Ed25519 (32 bytes) or ML-DSA-44 (1312 bytes) key; required by those suites. */
  readonly auxPublicKey?: Uint8Array
}

/**
 * True when `message.signature` signs telemetrySigningBytes(message) under `message.suite`:
 * - p256 (1): ECDSA P-256/SHA-256, r ‖ s, high-S accepted (verifyP256);
 * - ed25519 (2): Ed25519 strict (verifyEd25519) with `keys.auxPublicKey`;
 * - mldsa44P256 (3): P-256 r ‖ s (64 bytes) ‖ ML-DSA-44 (2420 bytes, empty context) with
 *   `keys.auxPublicKey`; both must verify.
 *
 * Only the keys passed in are trusted: a message's own `auxPublicKey` is never used to verify,
 * and when it is present it must equal `keys.auxPublicKey` (the caller checks it against the
 * registered hash with auxKeyHashOf first). The suite itself must be compared with the
 * registered one by the caller (SUITE_MISMATCH).
 *
 * `signingBytes`, when the caller already has them, must be telemetrySigningBytes(message): a
 * gateway passes telemetrySigningBytesFromEncoded of the bytes it received, which slices them
 * instead of re-encoding the message.
 *
 * Pure and fails closed: any malformed field, wrong length, missing key or exception gives false.
 *
 * @example
 * const ok = verifyTelemetrySignature(decodeTelemetry(payload), { p256PublicKey, auxPublicKey })
 */
export function verifyTelemetrySignature(
  message: TelemetryMessage,
  keys: TelemetryKeys,
  signingBytes?: Uint8Array,
): boolean {
  try {
    const signed = signingBytes ?? telemetrySigningBytes(message)
    const { signature } = message
    if (!(signature instanceof Uint8Array)) return false
    const aux = keys.auxPublicKey
    if (
      message.auxPublicKey !== undefined &&
      (aux === undefined || !equalBytes(aux, message.auxPublicKey))
    ) {
      return false
    }
    switch (message.suite) {
      case Suite.p256:
        return verifyP256(signature, signed, keys.p256PublicKey)
      case Suite.ed25519:
        return aux !== undefined && verifyEd25519(signature, signed, aux)
      case Suite.mldsa44P256:
        return (
          aux !== undefined &&
          signature.length === P256_SIGNATURE_BYTES + ML_DSA_44_SIGNATURE_BYTES &&
          verifyP256(signature.subarray(0, P256_SIGNATURE_BYTES), signed, keys.p256PublicKey) &&
          verifyMlDsa44(signature.subarray(P256_SIGNATURE_BYTES), signed, aux)
        )
      default:
        return false
    }
  } catch {
    return false
  }
}
