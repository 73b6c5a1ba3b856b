// A simulated measured boot on a TPM device: what a boot chain does when it starts an image —
// reset the firmware PCR, extend it with the image's SHA-256 — so the PCR reaches the release's
// expected measurement, pcrExtend(PCR_RESET_VALUE, sha256(image)), whatever ran before.

import { sha256 } from '@noble/hashes/sha2.js'
import { FIRMWARE_MEASUREMENT_PCR, VeriotError } from '@veriot/core'
import type { TpmKeyStore } from '../keys/tpm/TpmKeyStore.ts'
import { withTpmSession } from '../keys/tpm/withTpmSession.ts'
import type { MeasuredBoot } from './FirmwareUpdate.ts'

/** PCRs TPM 2.0 lets software reset at locality 0 (PC Client profile: 16 debug, 23 application). */
const RESETTABLE_PCRS = new Set([16, 23])

export type TpmMeasuredBootOptions = {
  /** The device's TPM key store (extends the PCR). */
  readonly store: TpmKeyStore
  /** The TCTI of that TPM, as given to the key store (resets the PCR). */
  readonly tcti?: string
  /** The firmware PCR; 16 (FIRMWARE_MEASUREMENT_PCR) or 23. */
  readonly pcr?: number
}

/**
 * Creates the measured boot of a simulated TPM device: TPM2_PCR_Reset of the firmware PCR,
 * then TPM2_PCR_Extend with SHA-256(image). Differs from a real device, whose boot ROM and
 * loader measure before the image runs and whose PCRs reset only with the platform: here the
 * reset stands for the reboot into the new image. A real device passes its own MeasuredBoot
 * (reboot, then read back what the boot chain measured).
 *
 * @throws INVALID_ARGUMENT for a PCR that cannot be reset; TPM_OPERATION_FAILED (from the boot)
 * @example
 * const boot = createTpmMeasuredBoot({ store, tcti: 'swtpm:host=127.0.0.1,port=2321' })
 * await boot(image) // PCR 16 = pcrExtend(PCR_RESET_VALUE, sha256(image))
 */
export function createTpmMeasuredBoot(options: TpmMeasuredBootOptions): MeasuredBoot {
  const pcr = options.pcr ?? FIRMWARE_MEASUREMENT_PCR
  if (!RESETTABLE_PCRS.has(pcr)) {
    throw new VeriotError('INVALID_ARGUMENT', `"pcr" expected 16 or 23 (resettable), got ${pcr}`)
  }
  const { store, tcti } = options
  return async (image: Uint8Array): Promise<void> => {
    if (!(image instanceof Uint8Array)) {
      throw new VeriotError(
        'INVALID_ARGUMENT',
        `"image" expected a Uint8Array, got ${typeof image}`,
      )
    }
    await withTpmSession(tcti, (session) => session.run('tpm2_pcrreset', [String(pcr)]))
    await store.extendPcr(pcr, sha256(image))
  }
}
