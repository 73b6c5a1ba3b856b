// The TPM key file: the identity key and the attestation key as the TPM wrapped them (usable only
// inside the TPM that made them), and the certification binding the second to the first.

import { z } from 'zod'

export const TPM_KEY_FILE_FORMAT = 'veriot-tpm-key'
/** Largest key file read; a real one is about 1.5 KiB. */
export const TPM_KEY_FILE_MAX_BYTES = 64 * 1024

const hex = (min: number, max: number) =>
  z
    .string()
    .regex(
      new RegExp(`^(?:[0-9a-f]{2}){${min},${max}}$`),
      `expected ${2 * min} to ${2 * max} lowercase hex digits`,
    )
const wrappedKey = z.strictObject({
  /** TPM2B_PUBLIC from tpm2_create. */
  public: hex(4, 514),
  /** TPM2B_PRIVATE from tpm2_create: encrypted by the TPM's storage primary key. */
  private: hex(4, 1024),
})

export const tpmKeyFileSchema = z.strictObject({
  format: z.literal(TPM_KEY_FILE_FORMAT),
  version: z.literal(1),
  /** The storage key the blobs are wrapped under, recreated from the owner seed on each use. */
  parent: z.literal('owner-ecc-p256-srk'),
  identity: wrappedKey,
  attestation: wrappedKey,
  certification: z.strictObject({
    /** TPMS_ATTEST (TPM_ST_ATTEST_CERTIFY) of the attestation key, by the identity key. */
    certifyInfo: hex(16, 1024),
    /** r ‖ s */
    signature: hex(64, 64),
  }),
})

export type TpmKeyFile = z.infer<typeof tpmKeyFileSchema>
