// Firmware versions as semantic versions packed into the contract's uint64, so that the
// numeric order on chain is the semver order: major << 32 | minor << 16 | patch.

import { VeriotError } from '../errors/VeriotError.ts'

const SEMVER = /^(\d{1,10})\.(\d{1,5})\.(\d{1,5})$/

/** Packs "major.minor.patch" into a uint64. @throws INVALID_ARGUMENT */
export function firmwareVersionToUint64(version: string): bigint {
  const m = SEMVER.exec(version)
  const [major, minor, patch] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [-1, -1, -1]
  if (!m || major > 0xffffffff || minor > 0xffff || patch > 0xffff) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"firmware version" expected major.minor.patch (major < 2^32, minor and patch < 65536), got ${JSON.stringify(version.slice(0, 40))}`,
    )
  }
  return (BigInt(major) << 32n) | (BigInt(minor) << 16n) | BigInt(patch)
}

/** Unpacks a uint64 firmware version into "major.minor.patch". */
export function firmwareVersionFromUint64(value: bigint): string {
  return `${value >> 32n}.${(value >> 16n) & 0xffffn}.${value & 0xffffn}`
}
