// Checks a verifier's nonce before an attester signs over it.

import { ATTESTATION_NONCE_MAX_BYTES, ATTESTATION_NONCE_MIN_BYTES, VeriotError } from '@veriot/core'

/**
 * Asserts that `nonce` is a Uint8Array of 16 to 64 bytes, as verifiers accept.
 * @throws INVALID_ARGUMENT
 */
export function assertNonce(nonce: unknown): asserts nonce is Uint8Array {
  if (
    nonce instanceof Uint8Array &&
    nonce.length >= ATTESTATION_NONCE_MIN_BYTES &&
    nonce.length <= ATTESTATION_NONCE_MAX_BYTES
  ) {
    return
  }
  const got = nonce instanceof Uint8Array ? `${nonce.length} bytes` : typeof nonce
  throw new VeriotError(
    'INVALID_ARGUMENT',
    `"nonce" expected ${ATTESTATION_NONCE_MIN_BYTES} to ${ATTESTATION_NONCE_MAX_BYTES} bytes, got ${got}`,
  )
}
