// The attester for devices without a TPM: the device key signs the verifier's nonce with the
// firmware measurement the device software reports. Worth less than a quote: software that is
// compromised can report any measurement.

import {
  deviceIdFromPublicKey,
  type SoftwareAttestationEvidence,
  softwareAttestationBytes,
  VeriotError,
} from '@veriot/core'
import type { DeviceKey } from '../keys/DeviceKey.ts'
import type { Attester } from './Attester.ts'
import { assertNonce } from './assertNonce.ts'
import { type FirmwareVersionOption, getFirmwareVersionClaim } from './getFirmwareVersionClaim.ts'

export type SoftwareAttesterOptions = {
  /** The device identity key (any store). */
  readonly key: DeviceKey
  /** The firmware measurement to report (32 bytes), or a function that measures on each call. */
  readonly measurement: Uint8Array | (() => Uint8Array | Promise<Uint8Array>)
  /**
   * The firmware version the device runs ("major.minor.patch"), or a function giving it on each
   * call (e.g. from the firmware updater). Sent unsigned as the evidence's `firmwareVersion`:
   * a verifier checks the measurement against that release's. Default: no claim (the verifier
   * uses the device's registered version).
   */
  readonly firmwareVersion?: FirmwareVersionOption
}

/**
 * Creates an attester that signs softwareAttestationBytes(deviceId, level, nonce, measurement)
 * with the device key. The level is 'hsm' when the key lives in hardware (PKCS#11 token or TPM),
 * 'software' otherwise; it is part of what is signed.
 *
 * @throws INVALID_ARGUMENT (from attest) on a bad nonce, a measurement that is not 32 bytes or a
 *   firmware version that is not major.minor.patch
 * @example
 * const attester = createSoftwareAttester({
 *   key, measurement: () => pcrExtend(PCR_RESET_VALUE, sha256(image)), firmwareVersion: '1.1.0',
 * })
 * const evidence = await attester.attest(nonce)
 */
export function createSoftwareAttester(options: SoftwareAttesterOptions): Attester {
  const { key, measurement } = options
  const level: 'software' | 'hsm' = key.kind === 'software' ? 'software' : 'hsm'
  const deviceId = deviceIdFromPublicKey(key.publicKey)
  return Object.freeze({
    level,
    async attest(nonce: Uint8Array): Promise<SoftwareAttestationEvidence> {
      assertNonce(nonce)
      const measured = typeof measurement === 'function' ? await measurement() : measurement
      if (!(measured instanceof Uint8Array) || measured.length !== 32) {
        throw new VeriotError(
          'INVALID_ARGUMENT',
          `"measurement" expected 32 bytes, got ${measured instanceof Uint8Array ? `${measured.length} bytes` : typeof measured}`,
        )
      }
      const claim = await getFirmwareVersionClaim(options.firmwareVersion)
      const subject = { deviceId, level, nonce: nonce.slice(), measurement: measured.slice() }
      const signature = await key.sign(softwareAttestationBytes(subject))
      return Object.freeze({ kind: 'software', version: 1, ...subject, signature, ...claim })
    },
  })
}
