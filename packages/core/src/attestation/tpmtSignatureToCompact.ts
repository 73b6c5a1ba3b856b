// Converts a TPM's ECDSA signature (TPMT_SIGNATURE, TPM 2.0 Part 2 §11.3.4) to the 64-byte
// r ‖ s every other Veriot signer produces and verifyP256 takes.

import { VeriotError } from '../errors/VeriotError.ts'
import { createTpmReader } from './createTpmReader.ts'
import { TPM_ALG_SHA256 } from './parseTpmsAttest.ts'

const TPM_ALG_ECDSA = 0x0018
const SCALAR_BYTES = 32

/**
 * Reads TPMT_SIGNATURE { sigAlg = TPM_ALG_ECDSA, hash = TPM_ALG_SHA256, signatureR, signatureS }
 * and returns r ‖ s, each left-padded to 32 bytes (a TPM may drop leading zeros). Refuses any
 * other algorithm, a scalar longer than 32 bytes, and trailing bytes. The range of r and s is
 * left to verifyP256.
 *
 * @throws ATTESTATION_MALFORMED, whatever the input
 * @example
 * const signature = tpmtSignatureToCompact(readFileSync('quote.sig'))
 */
export function tpmtSignatureToCompact(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array) || bytes.length > 2 + 2 + 2 * (2 + 66)) {
    throw new VeriotError(
      'ATTESTATION_MALFORMED',
      `"TPMT_SIGNATURE" expected at most 140 bytes, got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`,
      { context: { field: 'TPMT_SIGNATURE' } },
    )
  }
  const r = createTpmReader(bytes, 'TPMT_SIGNATURE')
  const sigAlg = r.u16('sigAlg')
  const hashAlg = r.u16('hash')
  if (sigAlg !== TPM_ALG_ECDSA || hashAlg !== TPM_ALG_SHA256) {
    throw new VeriotError(
      'ATTESTATION_MALFORMED',
      `"TPMT_SIGNATURE.sigAlg" expected ECDSA (0x0018) with SHA-256 (0x000b), got 0x${sigAlg.toString(16)} with 0x${hashAlg.toString(16)}`,
      { context: { field: 'TPMT_SIGNATURE.sigAlg' } },
    )
  }
  const sigR = r.sized('signatureR', SCALAR_BYTES)
  const sigS = r.sized('signatureS', SCALAR_BYTES)
  r.end('TPMT_SIGNATURE')
  const out = new Uint8Array(2 * SCALAR_BYTES)
  out.set(sigR, SCALAR_BYTES - sigR.length)
  out.set(sigS, 2 * SCALAR_BYTES - sigS.length)
  return out
}
