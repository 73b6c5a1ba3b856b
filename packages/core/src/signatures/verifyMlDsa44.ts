// ML-DSA-44 verification (FIPS 204, pure mode) for the post-quantum half of the hybrid suite.

import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js'

/** ML-DSA-44 public key length (FIPS 204 Table 2). */
export const ML_DSA_44_PUBLIC_KEY_BYTES = 1312
/** ML-DSA-44 signature length (FIPS 204 Table 2). */
export const ML_DSA_44_SIGNATURE_BYTES = 2420
const MAX_CONTEXT_BYTES = 255

/**
 * True when `signature` (2420 bytes) is a valid ML-DSA-44 signature of `message` by
 * `publicKey` (1312 bytes) with the given context string (FIPS 204 Algorithm 3,
 * ML-DSA.Verify; empty by default, at most 255 bytes). Not the HashML-DSA variant.
 *
 * Pure and fails closed: wrong lengths, a context over 255 bytes, a malformed hint encoding or
 * any exception inside give `false`.
 *
 * @example
 * const ok = verifyMlDsa44(signature, message, auxPublicKey)
 */
export function verifyMlDsa44(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  context: Uint8Array = new Uint8Array(0),
): boolean {
  try {
    if (signature.length !== ML_DSA_44_SIGNATURE_BYTES) return false
    if (publicKey.length !== ML_DSA_44_PUBLIC_KEY_BYTES) return false
    if (context.length > MAX_CONTEXT_BYTES) return false
    return ml_dsa44.verify(signature, message, publicKey, { context })
  } catch {
    return false
  }
}
