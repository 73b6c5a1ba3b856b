// Lockdown: a device over its anomaly threshold (or under a tripped model breaker) is refused at
// the gateway at once — the lock is journaled before the next message is judged — and the
// gateway's guardian key suspends it on chain. The suspension is idempotent and retried until
// it is mined, across restarts. The owner's reactivation on chain releases the lock.

import { isVeriotError } from '@veriot/core'
import type { Hex } from 'viem'
import type { AnomalyReasonEntry } from '../anomaly/AnomalyReport.ts'
import type { LockdownJournal, LockdownRecord } from './LockdownJournal.ts'

export type LockdownOptions = {
  journal: LockdownJournal
  /** Sends DeviceRegistry.suspend(id, reason) from the guardian account and waits for it. */
  suspend: (deviceId: Hex, reason: string) => Promise<{ txHash: Hex }>
  /** The device's status on chain now (not cached), to make a retried suspension a no-op. */
  getStatus: (deviceId: Hex) => Promise<string | undefined>
  /** Told of every change of a lock (placed, suspended on chain, failed, released). */
  onChange?: (record: LockdownRecord) => void
  /** First retry delay after a failed send; doubles up to 30 s. Default 1000. */
  retryMs?: number
  now?: () => number
}

export type LockRequest = {
  scope: LockdownRecord['scope']
  score: number
  reasons: readonly AnomalyReasonEntry[]
}

export type Lockdown = {
  /** True while the gateway must refuse this device. Synchronous: no I/O on the hot path. */
  isLocked(deviceId: Hex): boolean
  /** Locks a device (journaled first), then suspends it on chain in the background.
   *  Returns undefined when it was already locked. */
  lock(deviceId: Hex, request: LockRequest): LockdownRecord | undefined
  /** The registry shows the device Active: releases a lock whose suspension was mined (the
   *  owner reactivated it since). A lock still pending is kept. */
  noteActive(deviceId: Hex): LockdownRecord | undefined
  /** Releases a lock by hand (an admin, e.g. after a `failed` suspension). */
  release(deviceId: Hex): LockdownRecord | undefined
  get(deviceId: Hex): LockdownRecord | undefined
  list(): LockdownRecord[]
  history(deviceId: Hex): LockdownRecord[]
  /** Sends the suspensions of locks journaled as pending, and retries failed ones (e.g. the
   *  gateway has been granted the guardian role since). Call once on start. */
  resume(): void
  /** Resolves when no suspension is in flight (tests, shutdown). */
  settled(): Promise<void>
  close(): void
}

const MAX_TRANSIENT_RETRIES = 5

/** The on-chain reason: a short string (≤ 31 bytes) naming the scope and the first reason. */
export function lockdownReasonOf(request: LockRequest): string {
  const first = request.reasons[0]?.reason
  return (first ? `${request.scope}:${first}` : request.scope).slice(0, 31)
}

/**
 * Creates the gateway's lockdown. Locks journaled as pending before a crash are loaded (and
 * refused at once); call `resume()` to send their suspensions.
 */
export function createLockdown(options: LockdownOptions): Lockdown {
  const { journal } = options
  const now = options.now ?? Date.now
  const baseRetry = options.retryMs ?? 1000
  const locked = new Set<Hex>(journal.listActive().map((r) => r.deviceId))
  const inflight = new Map<Hex, Promise<void>>()
  const waits = new Map<ReturnType<typeof setTimeout>, () => void>()
  let closed = false

  const key = (deviceId: Hex) => deviceId.toLowerCase() as Hex

  function changed(deviceId: Hex): LockdownRecord | undefined {
    const record = journal.get(deviceId) ?? journal.history(deviceId)[0]
    if (record) options.onChange?.(record)
    return record
  }

  async function sendSuspension(deviceId: Hex, reason: string, attempt = 0): Promise<void> {
    if (closed) return
    try {
      const status = await options.getStatus(deviceId)
      if (status !== 'active') {
        // Already suspended (a retry after a crash, or the owner did it) or never active.
        journal.update(deviceId, { state: 'suspended' })
      } else {
        const { txHash } = await options.suspend(deviceId, reason)
        journal.update(deviceId, { state: 'suspended', txHash })
      }
      changed(deviceId)
    } catch (error) {
      const code = isVeriotError(error) ? error.code : 'INTERNAL'
      const message = error instanceof Error ? error.message : String(error)
      // An unreachable chain is retried for as long as it takes; other transient failures
      // a few times, then the lock is marked failed (and stays in force).
      const transient = code === 'TX_FAILED' || code === 'INTERNAL'
      if (code === 'RPC_UNREACHABLE' || (transient && attempt < MAX_TRANSIENT_RETRIES)) {
        journal.update(deviceId, { error: `${code}: ${message}` })
        const delay = Math.min(baseRetry * 2 ** attempt, 30_000)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            waits.delete(timer)
            resolve()
          }, delay)
          waits.set(timer, resolve)
        })
        return sendSuspension(deviceId, reason, attempt + 1)
      }
      if (code === 'DEVICE_TRANSITION_FORBIDDEN' && attempt < MAX_TRANSIENT_RETRIES) {
        // Lost a race with another suspension: judge by the status now.
        return sendSuspension(deviceId, reason, attempt + 1)
      }
      // Refused for good (NOT_AUTHORIZED: the gateway is not a guardian). Stay locked locally.
      journal.update(deviceId, { state: 'failed', error: `${code}: ${message}` })
      changed(deviceId)
    }
  }

  function startSuspension(deviceId: Hex, reason: string): void {
    if (inflight.has(deviceId)) return
    const run = sendSuspension(deviceId, reason).finally(() => inflight.delete(deviceId))
    inflight.set(deviceId, run)
  }

  function releaseLock(deviceId: Hex): LockdownRecord | undefined {
    journal.update(deviceId, { state: 'released', releasedAt: now() })
    locked.delete(deviceId)
    return changed(deviceId)
  }

  return {
    isLocked: (deviceId) => locked.has(key(deviceId)),
    lock(deviceId, request) {
      const id = key(deviceId)
      if (locked.has(id)) return undefined
      const inserted = journal.insert({
        deviceId: id,
        scope: request.scope,
        score: request.score,
        reasons: request.reasons,
        lockedAt: now(),
      })
      locked.add(id)
      if (!inserted) return journal.get(id)
      const record = changed(id)
      startSuspension(id, lockdownReasonOf(request))
      return record
    },
    noteActive(deviceId) {
      const id = key(deviceId)
      const record = locked.has(id) ? journal.get(id) : undefined
      if (record?.state !== 'suspended') return undefined
      return releaseLock(id)
    },
    release(deviceId) {
      const id = key(deviceId)
      return locked.has(id) ? releaseLock(id) : undefined
    },
    get: (deviceId) => journal.get(key(deviceId)),
    list: () => journal.listActive(),
    history: (deviceId) => journal.history(key(deviceId)),
    resume() {
      for (const record of journal.listActive()) {
        if (record.state === 'failed') journal.update(record.deviceId, { state: 'pending' })
        if (record.state === 'pending' || record.state === 'failed') {
          startSuspension(record.deviceId, lockdownReasonOf(record))
        }
      }
    },
    async settled() {
      while (inflight.size > 0) await Promise.allSettled([...inflight.values()])
    },
    close() {
      closed = true
      for (const [timer, resolve] of waits) {
        clearTimeout(timer)
        resolve()
      }
      waits.clear()
    },
  }
}
