// The gateway's policy engine: every accepted reading is evaluated against the conditions it
// watches (ConditionRegistry, the contract's exact rule via evaluateReading); a violation —
// one reading, or a run of consecutive violating readings longer than the condition's
// duration — becomes breach evidence, journaled in SQLite before anything is sent, submitted on
// chain by a background loop (idempotent: the same evidence is never recorded twice, and a
// restart resumes what was pending), and announced by webhook.
//
// One breach per (condition, device): once a device's breach of a condition is journaled,
// later violations of the same device are not submitted again — the breach is proven, more
// evidence would only cost gas. Other devices of the condition still count.

import { isVeriotError, type TelemetryMessage } from '@veriot/core'
import { bytesToHex, type Hex } from 'viem'
import type { ConditionRecord, ConditionsClient } from '../conditions/createConditionsClient.ts'
import { evaluateReading } from '../conditions/evaluateReading.ts'
import type { WebhookNotifier } from '../notify/createWebhookNotifier.ts'
import { openDurableDatabase } from '../store/openDurableDatabase.ts'
import type { TelemetryStore } from '../store/TelemetryStore.ts'

export type BreachJobState = 'pending' | 'recorded' | 'failed'

export type BreachJob = {
  conditionId: Hex
  deviceId: Hex
  readingIds: Hex[]
  state: BreachJobState
  attempts: number
  txHash: Hex | undefined
  breachIndex: number | undefined
  lastError: string | undefined
  createdAt: number
}

export type PolicyEngineOptions = {
  conditions: Pick<ConditionsClient, 'getCondition' | 'submitBreachFromStore'>
  store: TelemetryStore
  /** The breach journal's SQLite file (`:memory:` for tests). */
  journal: string
  /** Condition ids to watch (more can be added with `watch`). */
  conditionIds?: readonly Hex[]
  notifier?: WebhookNotifier
  /** First retry delay after a failed submission; doubles up to a minute. Default 1000. */
  retryMs?: number
  now?: () => number
}

export type PolicyEngine = {
  /** Starts watching a condition (reads it from chain). @throws CONDITION_UNKNOWN */
  watch(conditionId: Hex): Promise<ConditionRecord>
  /** Evaluates one accepted reading (called by the ingest pipeline after it is stored). */
  evaluate(message: TelemetryMessage, readingId: Hex): void
  /** Evaluations that failed (reported by webhook as `policy.error`; the reading stands). */
  readonly evaluationErrors: number
  jobs(): BreachJob[]
  /** Resolves when no submission is pending or in flight (tests, shutdown). */
  settled(): Promise<void>
  close(): Promise<void>
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS breach_jobs (
  condition_id TEXT NOT NULL,
  device_id TEXT NOT NULL,
  reading_ids TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'recorded', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  tx_hash TEXT,
  breach_index INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (condition_id, device_id)
);
CREATE TABLE IF NOT EXISTS watched_conditions (condition_id TEXT PRIMARY KEY);
`

type JobRow = {
  condition_id: string
  device_id: string
  reading_ids: string
  state: BreachJobState
  attempts: number
  next_at: number
  tx_hash: string | null
  breach_index: number | null
  last_error: string | null
  created_at: number
}

const toJob = (r: JobRow): BreachJob => ({
  conditionId: r.condition_id as Hex,
  deviceId: r.device_id as Hex,
  readingIds: JSON.parse(r.reading_ids),
  state: r.state,
  attempts: r.attempts,
  txHash: (r.tx_hash ?? undefined) as Hex | undefined,
  breachIndex: r.breach_index ?? undefined,
  lastError: r.last_error ?? undefined,
  createdAt: r.created_at,
})

/** A device's run of consecutive violating readings of one condition (duration rules). */
type Run = { firstTs: number; lastTs: number; lastSeq: number; readingIds: Hex[] }

/** Failures worth retrying: the chain or the gateway itself, not the evidence. */
const TRANSIENT = new Set(['RPC_UNREACHABLE', 'TX_FAILED', 'INTERNAL', 'STORE_FAILED'])

/**
 * Creates the policy engine; pending submissions and watched conditions from a previous run
 * are resumed.
 * @throws STORE_FAILED when the journal cannot be opened
 */
export async function createPolicyEngine(options: PolicyEngineOptions): Promise<PolicyEngine> {
  const now = options.now ?? Date.now
  const retryMs = options.retryMs ?? 1000
  const db = openDurableDatabase(options.journal, SCHEMA, 'breach journal')
  const insertJob = db.prepare(
    `INSERT INTO breach_jobs (condition_id, device_id, reading_ids, state, next_at, created_at)
     VALUES (?, ?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING`,
  )
  const dueJobs = db.prepare<[number], JobRow>(
    `SELECT * FROM breach_jobs WHERE state = 'pending' AND next_at <= ? ORDER BY created_at`,
  )
  const nextDue = db.prepare<[], { at: number | null }>(
    `SELECT MIN(next_at) AS at FROM breach_jobs WHERE state = 'pending'`,
  )
  const allJobs = db.prepare<[], JobRow>('SELECT * FROM breach_jobs ORDER BY created_at')
  const markRecorded = db.prepare(
    `UPDATE breach_jobs SET state = 'recorded', attempts = attempts + 1, tx_hash = ?,
     breach_index = ?, last_error = NULL WHERE condition_id = ? AND device_id = ?`,
  )
  const markRetry = db.prepare(
    `UPDATE breach_jobs SET attempts = attempts + 1, next_at = ?, last_error = ?
     WHERE condition_id = ? AND device_id = ?`,
  )
  const markFailed = db.prepare(
    `UPDATE breach_jobs SET state = 'failed', attempts = attempts + 1, last_error = ?
     WHERE condition_id = ? AND device_id = ?`,
  )
  const addWatched = db.prepare(
    'INSERT INTO watched_conditions (condition_id) VALUES (?) ON CONFLICT DO NOTHING',
  )
  const watchedIds = db.prepare<[], { condition_id: string }>(
    'SELECT condition_id FROM watched_conditions',
  )

  const watched = new Map<Hex, ConditionRecord & { devices: ReadonlySet<string> }>()
  // (condition, device) pairs with a journaled breach, kept in memory: the hot path (every
  // accepted reading) touches no SQLite.
  const journaled = new Set<string>(allJobs.all().map((r) => `${r.condition_id}:${r.device_id}`))
  const runs = new Map<string, Run>()
  let closed = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: Promise<void> | undefined
  let evaluationErrors = 0

  async function submit(row: JobRow): Promise<void> {
    const job = toJob(row)
    try {
      const result = await options.conditions.submitBreachFromStore(
        job.conditionId,
        options.store,
        job.readingIds,
      )
      if (closed) return
      markRecorded.run(result.txHash ?? null, result.breachIndex, row.condition_id, row.device_id)
      options.notifier?.notify({
        type: 'breach.recorded',
        data: { ...job, state: 'recorded', txHash: result.txHash, breachIndex: result.breachIndex },
      })
    } catch (error) {
      if (closed) return
      const code = isVeriotError(error) ? error.code : 'INTERNAL'
      const message = `${code}: ${error instanceof Error ? error.message : String(error)}`
      if (TRANSIENT.has(code)) {
        const delay = Math.min(retryMs * 2 ** row.attempts, 60_000)
        markRetry.run(now() + delay, message, row.condition_id, row.device_id)
      } else {
        // The contract refused the evidence itself (e.g. the condition was closed meanwhile):
        // retrying cannot help. Kept in the journal with its code for the operator.
        markFailed.run(message, row.condition_id, row.device_id)
        options.notifier?.notify({
          type: 'breach.failed',
          data: { ...job, state: 'failed', lastError: message },
        })
      }
    }
  }

  async function pump(): Promise<void> {
    for (;;) {
      if (closed) return
      const rows = dueJobs.all(now())
      if (rows.length === 0) break
      // One at a time: the submissions share one account's nonces.
      for (const row of rows) await submit(row)
    }
    schedule()
  }

  function schedule(): void {
    if (closed) return
    if (timer) clearTimeout(timer)
    const at = nextDue.get()?.at
    if (at === null || at === undefined) return
    timer = setTimeout(kick, Math.max(0, at - now()))
    timer.unref()
  }

  function kick(): void {
    if (closed) return
    if (running) {
      void running.then(kick)
      return
    }
    running = pump().finally(() => {
      running = undefined
    })
  }

  function enqueue(conditionId: Hex, deviceId: Hex, readingIds: Hex[]): void {
    journaled.add(`${conditionId}:${deviceId}`)
    const created = insertJob.run(conditionId, deviceId, JSON.stringify(readingIds), now(), now())
    if (created.changes === 0) return
    options.notifier?.notify({
      type: 'breach.detected',
      data: { conditionId, deviceId, readingIds },
    })
    kick()
  }

  async function watch(conditionId: Hex): Promise<ConditionRecord> {
    const id = conditionId.toLowerCase() as Hex
    const record = await options.conditions.getCondition(id)
    watched.set(id, { ...record, devices: new Set(record.deviceIds.map((d) => d.toLowerCase())) })
    addWatched.run(id)
    return record
  }

  function evaluateAll(message: TelemetryMessage, readingId: Hex): void {
    const deviceId = bytesToHex(message.deviceId)
    for (const [conditionId, condition] of watched) {
      if (condition.result !== 'open' || !condition.devices.has(deviceId)) continue
      const key = `${conditionId}:${deviceId}`
      if (journaled.has(key)) continue
      const verdict = evaluateReading(condition, message)
      if (verdict.kind === 'not-applicable') continue
      if (verdict.kind !== 'violating') {
        runs.delete(key) // a compliant reading (or one in another unit) ends a run
        continue
      }
      if (condition.durationMs === 0n) {
        enqueue(conditionId, deviceId, [readingId])
        continue
      }
      // Duration rule: consecutive sequence numbers, gaps ≤ maxGapMs, span > durationMs.
      const run = runs.get(key)
      const extends_ =
        run !== undefined &&
        message.sequence === run.lastSeq + 1 &&
        message.timestamp >= run.lastTs &&
        BigInt(message.timestamp - run.lastTs) <= condition.maxGapMs
      const next: Run = extends_
        ? {
            firstTs: run.firstTs,
            lastTs: message.timestamp,
            lastSeq: message.sequence,
            readingIds: [...run.readingIds, readingId],
          }
        : {
            firstTs: message.timestamp,
            lastTs: message.timestamp,
            lastSeq: message.sequence,
            readingIds: [readingId],
          }
      if (BigInt(next.lastTs - next.firstTs) > condition.durationMs) {
        runs.delete(key)
        enqueue(conditionId, deviceId, next.readingIds)
      } else runs.set(key, next)
    }
  }

  for (const { condition_id } of watchedIds.all()) await watch(condition_id as Hex)
  for (const id of options.conditionIds ?? []) await watch(id)
  kick()

  return {
    watch,
    evaluate(message, readingId) {
      if (watched.size === 0) return
      try {
        evaluateAll(message, readingId)
      } catch (error) {
        // The reading is stored and acknowledged whatever happens here; an evaluation that
        // fails (the journal's disk) is reported, never turned into a rejection.
        evaluationErrors++
        options.notifier?.notify({
          type: 'policy.error',
          data: { readingId, error: error instanceof Error ? error.message : String(error) },
        })
      }
    },
    get evaluationErrors() {
      return evaluationErrors
    },
    jobs: () => allJobs.all().map(toJob),
    async settled() {
      for (;;) {
        if (running) await running
        const at = nextDue.get()?.at
        if (closed || at === null || at === undefined) return
        await new Promise((resolve) => setTimeout(resolve, Math.max(5, at - now())))
        kick()
      }
    },
    async close() {
      closed = true
      if (timer) clearTimeout(timer)
      await running
      db.close()
    },
  }
}
