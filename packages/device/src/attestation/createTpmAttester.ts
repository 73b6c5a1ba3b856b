// The TPM attester: answers a verifier's nonce with a quote of the PCR carrying the firmware
// measurement, signed by the attestation key the identity key certified.

import {
  deviceIdFromPublicKey,
  FIRMWARE_MEASUREMENT_PCR,
  type TpmAttestationEvidence,
} from '@veriot/core'
import type { TpmKeyStore } from '../keys/tpm/TpmKeyStore.ts'
import type { Attester } from './Attester.ts'
import { assertNonce } from './assertNonce.ts'
import { type FirmwareVersionOption, getFirmwareVersionClaim } from './getFirmwareVersionClaim.ts'

export type TpmAttesterOptions = {
  /** The device's TPM key store (createTpmKeyStore / openTpmKeyStore). */
  readonly store: TpmKeyStore
  /** sha256 PCRs to quote; default [FIRMWARE_MEASUREMENT_PCR] (16). */
  readonly pcrs?: readonly number[]
  /**
   * The firmware version the device runs ("major.minor.patch"), or a function giving it on each
   * call (e.g. from the firmware updater). Sent unsigned as the evidence's `firmwareVersion`:
   * the quote proves the PCR, and a verifier checks it against that release's measurement.
   * Default: no claim (the verifier uses the device's registered version).
   */
  readonly firmwareVersion?: FirmwareVersionOption
}

/**
 * Creates an attester whose evidence is a TPM2_Quote (sha256 bank, `pcrs`) with the verifier's
 * nonce as qualifying data, with the PCR values, the attestation key and its certification by
 * the identity key. Assurance level 'tpm'.
 *
 * @throws INVALID_ARGUMENT (from attest) on a bad nonce or a firmware version that is not
 *   major.minor.patch; TPM_OPERATION_FAILED
 * @example
 * const attester = createTpmAttester({ store })
 * const evidence = await attester.attest(nonce)
 * await fetch(url, { method: 'POST', body: JSON.stringify(attestationEvidenceToJson(evidence)) })
 */
export function createTpmAttester(options: TpmAttesterOptions): Attester {
  const { store } = options
  const pcrs = [...(options.pcrs ?? [FIRMWARE_MEASUREMENT_PCR])]
  const deviceId = deviceIdFromPublicKey(store.identityKey.publicKey)
  return Object.freeze({
    level: 'tpm' as const,
    async attest(nonce: Uint8Array): Promise<TpmAttestationEvidence> {
      assertNonce(nonce)
      const claim = await getFirmwareVersionClaim(options.firmwareVersion)
      const quote = await store.quote(nonce, pcrs)
      const certification = store.attestationKeyCertification
      return Object.freeze({
        kind: 'tpm',
        version: 1,
        deviceId,
        nonce: nonce.slice(),
        attestationPublicKey: store.attestationPublicKey,
        attestationKeyCertification: Object.freeze({
          public: certification.public.slice(),
          certifyInfo: certification.certifyInfo.slice(),
          signature: certification.signature.slice(),
        }),
        quoted: quote.quoted,
        signature: quote.signature,
        pcrValues: quote.pcrValues,
        ...claim,
      })
    },
  })
}
