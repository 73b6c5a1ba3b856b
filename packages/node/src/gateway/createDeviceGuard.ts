// The gateway's per-device guard: refuses a locked-down device before anything else is done
// for it, scores every accepted and rejected message (createAnomalyDetector), and locks a
// device the moment its score reaches the threshold (createLockdown). The ingest pipeline
// calls it; it does no I/O on that path (the lock is journaled synchronously by SQLite).

import { type TelemetryMessage, VeriotError } from '@veriot/core'
import type { Hex } from 'viem'
import type { AnomalyReport } from '../anomaly/AnomalyReport.ts'
import type { AnomalyDetector } from '../anomaly/createAnomalyDetector.ts'
import type { Lockdown } from '../lockdown/createLockdown.ts'
import type { LockdownRecord } from '../lockdown/LockdownJournal.ts'
import type { DeviceRecord } from '../registry/createRegistryClient.ts'

export type DeviceGuard = {
  /** @throws DEVICE_LOCKED_DOWN while the device is locked (releases it if the owner has
   *  reactivated it on chain since its suspension). */
  admit(deviceId: Hex, device: DeviceRecord): void
  accepted(message: TelemetryMessage, deviceId: Hex): void
  rejected(deviceId: Hex, code: string, detail: string, attributable: boolean): void
  unauthorized(deviceId: Hex, detail: string, attributable: boolean): void
  readonly detector: AnomalyDetector
  readonly lockdown: Lockdown
}

export type DeviceGuardOptions = {
  detector: AnomalyDetector
  lockdown: Lockdown
  /** Told when a device is locked (e.g. to send a webhook). */
  onLocked?: (record: LockdownRecord, report: AnomalyReport) => void
}

export function createDeviceGuard(options: DeviceGuardOptions): DeviceGuard {
  const { detector, lockdown } = options

  function judge(report: AnomalyReport): void {
    if (report.score < report.threshold || lockdown.isLocked(report.deviceId)) return
    const record = lockdown.lock(report.deviceId, {
      scope: 'anomaly',
      score: report.score,
      reasons: report.reasons,
    })
    if (record) options.onLocked?.(record, report)
  }

  return {
    detector,
    lockdown,
    admit(deviceId, device) {
      if (!lockdown.isLocked(deviceId)) return
      if (device.status === 'active' && lockdown.noteActive(deviceId)) {
        // The owner reactivated it after our suspension: a fresh start, old points forgotten.
        detector.reset(deviceId)
        return
      }
      const record = lockdown.get(deviceId)
      throw new VeriotError(
        'DEVICE_LOCKED_DOWN',
        `device ${deviceId} is locked down by this gateway (${record?.reasons[0]?.reason ?? record?.scope ?? 'lockdown'}); its owner must reactivate it on chain`,
        {
          context: {
            deviceId,
            state: record?.state,
            score: record ? Math.round(record.score) : undefined,
          },
        },
      )
    },
    accepted(message, deviceId) {
      judge(
        detector.observeAccepted({
          deviceId,
          sequence: message.sequence,
          readings: message.readings,
        }),
      )
    },
    rejected(deviceId, code, detail, attributable) {
      // The refusals the guard itself causes are not new evidence against the device.
      if (code === 'DEVICE_LOCKED_DOWN') return
      judge(detector.observeRejected(deviceId, code, detail, attributable))
    },
    unauthorized(deviceId, detail, attributable) {
      judge(detector.observeUnauthorized(deviceId, detail, attributable))
    },
  }
}
