// Where a gateway keeps its lockdowns, so a lock placed before a crash holds after the restart
// and an unsent suspension is sent on start. SQLite implements it (createSqliteLockdownJournal).

import type { Hex } from 'viem'
import type { AnomalyReasonEntry } from '../anomaly/AnomalyReport.ts'

/**
 * `pending`: locked at the gateway, suspension not yet mined. `suspended`: the suspension is
 * on chain (or the device was already not Active). `failed`: the chain refused it for good
 * (e.g. the gateway lacks the guardian role) — the gateway keeps refusing the device.
 * `released`: the owner reactivated the device on chain after the suspension.
 */
export type LockdownState = 'pending' | 'suspended' | 'failed' | 'released'

export type LockdownRecord = {
  readonly deviceId: Hex
  /** Why: `anomaly` (score over threshold), `model` (a model breaker) or `manual`. */
  readonly scope: 'anomaly' | 'model' | 'manual'
  readonly score: number
  readonly reasons: readonly AnomalyReasonEntry[]
  readonly lockedAt: number
  readonly state: LockdownState
  readonly txHash: Hex | undefined
  /** The last error sending the suspension, for operators. */
  readonly error: string | undefined
  readonly releasedAt: number | undefined
}

export type LockdownJournal = {
  /** Records a new lock durably; `false` if the device already has one that is not released. */
  insert(record: Omit<LockdownRecord, 'state' | 'txHash' | 'error' | 'releasedAt'>): boolean
  update(
    deviceId: Hex,
    change: Partial<Pick<LockdownRecord, 'state' | 'txHash' | 'error' | 'releasedAt'>>,
  ): void
  /** The current (not released) lock of a device, if any. */
  get(deviceId: Hex): LockdownRecord | undefined
  /** Every lock not released, oldest first. */
  listActive(): LockdownRecord[]
  /** Every lock of a device, released ones too, newest first (its lockdown history). */
  history(deviceId: Hex): LockdownRecord[]
  close(): void
}
