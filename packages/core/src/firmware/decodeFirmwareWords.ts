// Decoders of the packed FirmwareRegistry storage words a device proves (docs/contracts.md).

import { type FirmwareVerdict, type ReleaseStatus, releaseStatusOf } from './firmwareVerdict.ts'

const U32 = 0xffffffffn
const U64 = 0xffffffffffffffffn

/** releases[model][version] + 0. @throws RangeError on a status the contract never writes */
export function decodeReleaseHeaderWord(word: bigint): {
  status: ReleaseStatus
  lockdown: boolean
  approvals: number
  keyEpoch: number
  approvalMask: number
  publishedAt: bigint
  approvedAt: bigint
} {
  return {
    status: releaseStatusOf(Number(word & 0xffn)),
    lockdown: ((word >> 8n) & 0xffn) !== 0n,
    approvals: Number((word >> 16n) & 0xffn),
    keyEpoch: Number((word >> 24n) & U32),
    approvalMask: Number((word >> 56n) & U32),
    publishedAt: (word >> 88n) & U64,
    approvedAt: (word >> 152n) & U64,
  }
}

/** models[model] + 1. */
export function decodeModelVersionsWord(word: bigint): {
  minimumVersion: bigint
  latestVersion: bigint
  latestApprovedVersion: bigint
} {
  return {
    minimumVersion: word & U64,
    latestVersion: (word >> 64n) & U64,
    latestApprovedVersion: (word >> 128n) & U64,
  }
}

/** The verdict of FirmwareRegistry.verdictOf, from the two proved words alone. */
export function firmwareVerdictFromWords(
  version: bigint,
  releaseHeader: bigint,
  modelVersions: bigint,
): FirmwareVerdict {
  const r = decodeReleaseHeaderWord(releaseHeader)
  if (r.status === 'none') return 'unknown'
  if (r.status === 'revoked') return r.lockdown ? 'lockdown' : 'revoked'
  if (r.status === 'pending') return 'pending'
  return version < decodeModelVersionsWord(modelVersions).minimumVersion
    ? 'belowMinimum'
    : 'approved'
}
