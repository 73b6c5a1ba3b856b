// The attesters' optional firmware version claim: the version the device says it runs, read on
// each attestation so an updater can change it (see FirmwareVersionClaim in @veriot/core).

import { firmwareVersionFromUint64, firmwareVersionToUint64, VeriotError } from '@veriot/core'

/** "major.minor.patch", or a function giving the version the device runs now. */
export type FirmwareVersionOption = string | (() => string | Promise<string>)

/**
 * The `firmwareVersion` field to put into evidence: none without an option, else the current
 * version in canonical form ("01.2.0" becomes "1.2.0").
 * @throws INVALID_ARGUMENT when the version is not major.minor.patch in range
 */
export async function getFirmwareVersionClaim(
  option: FirmwareVersionOption | undefined,
): Promise<{ firmwareVersion?: string }> {
  if (option === undefined) return {}
  const version = typeof option === 'function' ? await option() : option
  if (typeof version !== 'string') {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"firmwareVersion" expected major.minor.patch, got ${typeof version}`,
    )
  }
  return { firmwareVersion: firmwareVersionFromUint64(firmwareVersionToUint64(version)) }
}
