// What a TPM-backed device holds: an identity key (a DeviceKey) and an attestation key that
// quotes PCRs, both created inside the TPM and kept in a key file as TPM-wrapped blobs.

import type { AttestationKeyCertification } from '@veriot/core'
import type { DeviceKey } from '../DeviceKey.ts'

/** Where the key file is, and which TPM to use. */
export type TpmKeyOptions = {
  /** The key file (written by createTpmKeyStore, never overwritten). */
  readonly path: string
  /**
   * tpm2-tools TCTI, e.g. `swtpm:host=127.0.0.1,port=2321` or `device:/dev/tpmrm0`. Default: the
   * environment's TPM2TOOLS_TCTI, else the tools' default (the kernel's TPM device).
   */
  readonly tcti?: string
}

/** A TPM quote as the TPM produced it. */
export type TpmQuote = {
  /** TPMS_ATTEST (TPM_ST_ATTEST_QUOTE). */
  readonly quoted: Uint8Array
  /** r ‖ s by the attestation key over SHA-256(quoted). */
  readonly signature: Uint8Array
  /** sha256 PCR values read with the quote, keyed by index in decimal. */
  readonly pcrValues: Readonly<Record<string, Uint8Array>>
}

export type TpmKeyStore = {
  /** The key file. */
  readonly path: string
  /** The device identity key: signs telemetry like any DeviceKey (kind 'tpm'). */
  readonly identityKey: DeviceKey
  /** The attestation key (restricted ECDSA P-256 signing key), 0x04 ‖ x ‖ y. */
  readonly attestationPublicKey: Uint8Array
  /** TPM2_Certify of the attestation key by the identity key, made at creation. */
  readonly attestationKeyCertification: AttestationKeyCertification
  /**
   * TPM2_Quote over the given sha256 PCRs with `nonce` as qualifying data (1 to 64 bytes).
   * @throws INVALID_ARGUMENT, TPM_OPERATION_FAILED
   */
  quote(nonce: Uint8Array, pcrs: readonly number[]): Promise<TpmQuote>
  /**
   * TPM2_PCR_Extend of the sha256 bank: what a measured boot does with a firmware digest. For
   * simulated devices and tests; a real device's boot chain extends its PCRs itself.
   * @throws INVALID_ARGUMENT, TPM_OPERATION_FAILED
   */
  extendPcr(pcr: number, digest: Uint8Array): Promise<void>
  /** Refuses later use. Idempotent; nothing stays loaded in the TPM between operations. */
  close(): Promise<void>
}
