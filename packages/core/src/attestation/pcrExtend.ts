// The TPM's PCR extend rule, for computing the PCR value an approved firmware produces.

import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '../errors/VeriotError.ts'

/** A sha256 PCR after reset: 32 zero bytes. */
export const PCR_RESET_VALUE = new Uint8Array(32)

/**
 * SHA-256(pcr ‖ digest), what TPM2_PCR_Extend leaves in a sha256 PCR. Start from
 * PCR_RESET_VALUE: the expected measurement of a firmware whose image digest the boot chain
 * extends into a reset PCR is `pcrExtend(PCR_RESET_VALUE, imageDigest)`.
 *
 * @throws INVALID_ARGUMENT unless both are 32 bytes
 * @example
 * const expectedMeasurement = pcrExtend(PCR_RESET_VALUE, sha256(image))
 */
export function pcrExtend(pcr: Uint8Array, digest: Uint8Array): Uint8Array {
  if (pcr.length !== 32 || digest.length !== 32) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"pcr" and "digest" expected 32 bytes each, got ${pcr.length} and ${digest.length}`,
    )
  }
  return sha256(concatBytes(pcr, digest))
}
