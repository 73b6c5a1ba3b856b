// The gateway's firmware rule: a device counts only while FirmwareRegistry's verdict for its
// (model, version) is Approved; every other verdict is refused with its own code.

import { type ErrorCode, type FirmwareVerdict, VeriotError } from '@veriot/core'
import type { Hex } from 'viem'

/**
 * Passes when `verdict` is `approved`.
 * @throws FIRMWARE_RELEASE_UNKNOWN (never published), FIRMWARE_RELEASE_NOT_APPROVED (fewer than
 *   k approvals), FIRMWARE_VERSION_BELOW_MINIMUM (a rollback), FIRMWARE_RELEASE_REVOKED
 *   (revoked; context `lockdown` true when revoked with lockdown)
 */
export function assertFirmwareApproved(
  verdict: FirmwareVerdict,
  device: { deviceId: Hex; model: string; firmwareVersion: string },
): void {
  if (verdict === 'approved') return
  const { deviceId, model, firmwareVersion: v } = device
  const release = `release ${model} ${v} of device ${deviceId}`
  const refusals: Record<Exclude<FirmwareVerdict, 'approved'>, [ErrorCode, string]> = {
    unknown: ['FIRMWARE_RELEASE_UNKNOWN', `${release} was never published on FirmwareRegistry`],
    pending: ['FIRMWARE_RELEASE_NOT_APPROVED', `${release} has fewer than k approvals`],
    belowMinimum: [
      'FIRMWARE_VERSION_BELOW_MINIMUM',
      `${release} is below the model's minimum version`,
    ],
    revoked: ['FIRMWARE_RELEASE_REVOKED', `${release} is revoked`],
    lockdown: [
      'FIRMWARE_RELEASE_REVOKED',
      `${release} is revoked with lockdown: devices running it are to be locked down`,
    ],
  }
  const [code, message] = refusals[verdict]
  throw new VeriotError(code, message, {
    context: { deviceId, model, version: v, verdict, lockdown: verdict === 'lockdown' },
  })
}
