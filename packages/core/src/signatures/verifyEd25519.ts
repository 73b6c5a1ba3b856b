// Ed25519 verification (RFC 8032, strict) for devices registered with the ed25519 suite.

import { ed25519 } from '@noble/curves/ed25519.js'

const PUBLIC_KEY_BYTES = 32
const SIGNATURE_BYTES = 64

/**
 * True when `signature` (64 bytes, R ‖ S) is a valid Ed25519 signature of `message` by
 * `publicKey` (32 bytes), under RFC 8032 §5.1.7 strict rules rather than ZIP 215:
 * - S must be below the group order L (no malleable twins);
 * - R and A must be canonical point encodings (y < p), and A must not be of small order.
 *
 * Differs from noble's default (`zip215: true`, the consensus-friendly rule): a device
 * signature is produced by our own signer, so we accept exactly one encoding.
 *
 * Pure and fails closed: wrong lengths, a bad key or any exception inside give `false`.
 *
 * @example
 * const ok = verifyEd25519(signature, message, auxPublicKey)
 */
export function verifyEd25519(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  try {
    if (signature.length !== SIGNATURE_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) return false
    return ed25519.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}
