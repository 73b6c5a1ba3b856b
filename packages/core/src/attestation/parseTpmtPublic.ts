// Parses the TPMT_PUBLIC of a TPM ECC key (TPM 2.0 Part 2, §12.2.4) and computes its TPM name,
// so a verifier can tie a P-256 point to the key a TPM certified.

import { p256 } from '@noble/curves/nist.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '../errors/VeriotError.ts'
import { createTpmReader } from './createTpmReader.ts'
import { TPM_ALG_SHA256 } from './parseTpmsAttest.ts'

/** TPMA_OBJECT bits the verifier looks at. */
export const TpmObjectAttribute = {
  fixedTPM: 1 << 1,
  fixedParent: 1 << 4,
  sensitiveDataOrigin: 1 << 5,
  userWithAuth: 1 << 6,
  restricted: 1 << 16,
  decrypt: 1 << 17,
  sign: 1 << 18,
} as const

const TPM_ALG_ECC = 0x0023
const TPM_ALG_NULL = 0x0010
const TPM_ALG_ECDSA = 0x0018
const TPM_ECC_NIST_P256 = 0x0003
const COORDINATE_BYTES = 32
/** Largest TPMT_PUBLIC accepted for an ECC key (policy digest and P-521 point included). */
export const TPMT_PUBLIC_MAX_BYTES = 512

/** A P-256 ECDSA key as a TPM describes it. */
export type TpmEccPublic = {
  /** TPMA_OBJECT as a 32-bit number; test bits with {@link TpmObjectAttribute}. */
  readonly objectAttributes: number
  /** Uncompressed SEC1 point, 65 bytes: 0x04 ‖ x ‖ y. */
  readonly publicKey: Uint8Array
  /** TPM name: nameAlg (0x000b) ‖ SHA-256(TPMT_PUBLIC). */
  readonly name: Uint8Array
}

/**
 * Parses a TPMT_PUBLIC (without the TPM2B size prefix) and accepts only what Veriot's TPM keys
 * are: ECC on NIST P-256, name algorithm SHA-256, no symmetric algorithm, signing scheme
 * ECDSA with SHA-256, no KDF, and a point on the curve.
 *
 * @throws ATTESTATION_MALFORMED, whatever the input
 * @example
 * const { publicKey, name } = parseTpmtPublic(tpmtPublic)
 */
export function parseTpmtPublic(bytes: Uint8Array): TpmEccPublic {
  if (!(bytes instanceof Uint8Array)) {
    throw malformed('type', 'a Uint8Array', bytes === null ? 'null' : typeof bytes)
  }
  if (bytes.length > TPMT_PUBLIC_MAX_BYTES) {
    throw malformed('size', `at most ${TPMT_PUBLIC_MAX_BYTES} bytes`, `${bytes.length}`)
  }
  const r = createTpmReader(bytes, 'TPMT_PUBLIC')
  expect(r.u16('type'), TPM_ALG_ECC, 'type', 'TPM_ALG_ECC')
  expect(r.u16('nameAlg'), TPM_ALG_SHA256, 'nameAlg', 'TPM_ALG_SHA256')
  const objectAttributes = r.u32('objectAttributes')
  r.sized('authPolicy', 64)
  expect(r.u16('parameters.symmetric'), TPM_ALG_NULL, 'parameters.symmetric', 'TPM_ALG_NULL')
  expect(r.u16('parameters.scheme'), TPM_ALG_ECDSA, 'parameters.scheme', 'TPM_ALG_ECDSA')
  expect(r.u16('parameters.scheme.hashAlg'), TPM_ALG_SHA256, 'parameters.scheme.hashAlg', 'SHA256')
  expect(r.u16('parameters.curveID'), TPM_ECC_NIST_P256, 'parameters.curveID', 'NIST P-256')
  expect(r.u16('parameters.kdf'), TPM_ALG_NULL, 'parameters.kdf', 'TPM_ALG_NULL')
  const x = coordinate(r.sized('unique.x', 66), 'unique.x')
  const y = coordinate(r.sized('unique.y', 66), 'unique.y')
  r.end('TPMT_PUBLIC')
  const publicKey = concatBytes(Uint8Array.of(0x04), x, y)
  try {
    p256.Point.fromBytes(publicKey).assertValidity()
  } catch (cause) {
    throw malformed('unique', 'a point on P-256', 'a point off the curve', cause)
  }
  const name = concatBytes(Uint8Array.of(TPM_ALG_SHA256 >> 8, TPM_ALG_SHA256 & 0xff), sha256(bytes))
  return Object.freeze({ objectAttributes, publicKey, name })
}

// A TPM may drop leading zero bytes of a coordinate; put them back.
function coordinate(value: Uint8Array, field: string): Uint8Array {
  if (value.length === 0 || value.length > COORDINATE_BYTES) {
    throw malformed(field, `1 to ${COORDINATE_BYTES} bytes`, `${value.length}`)
  }
  const out = new Uint8Array(COORDINATE_BYTES)
  out.set(value, COORDINATE_BYTES - value.length)
  return out
}

function expect(got: number, want: number, field: string, label: string): void {
  if (got !== want) {
    throw malformed(
      field,
      `0x${want.toString(16).padStart(4, '0')} (${label})`,
      `0x${got.toString(16).padStart(4, '0')}`,
    )
  }
}

function malformed(field: string, expected: string, got: string, cause?: unknown): VeriotError {
  return new VeriotError(
    'ATTESTATION_MALFORMED',
    `"TPMT_PUBLIC.${field}" expected ${expected}, got ${got}`,
    { context: { field: `TPMT_PUBLIC.${field}` }, ...(cause === undefined ? {} : { cause }) },
  )
}
