// Release statuses and verdicts, in the order of FirmwareRegistry.Status and .Verdict.

/** Stored state of a release (FirmwareRegistry.Status). */
export const releaseStatuses = ['none', 'pending', 'approved', 'revoked'] as const
export type ReleaseStatus = (typeof releaseStatuses)[number]

/**
 * What to do with a device running a release (FirmwareRegistry.Verdict): only `approved` may be
 * installed or trusted; `lockdown` means devices running it are to be locked down.
 */
export const firmwareVerdicts = [
  'unknown',
  'pending',
  'approved',
  'belowMinimum',
  'revoked',
  'lockdown',
] as const
export type FirmwareVerdict = (typeof firmwareVerdicts)[number]

/** The status name for the contract's enum value. */
export function releaseStatusOf(value: number): ReleaseStatus {
  const status = releaseStatuses[value]
  if (status === undefined) throw new RangeError(`"release status" expected 0..3, got ${value}`)
  return status
}

/** The verdict name for the contract's enum value. */
export function firmwareVerdictOf(value: number): FirmwareVerdict {
  const verdict = firmwareVerdicts[value]
  if (verdict === undefined) throw new RangeError(`"verdict" expected 0..5, got ${value}`)
  return verdict
}
