// The verify baselines: `threads` worker threads verify their share of pre-made signatures
// (`raw`: verifyP256 over signing bytes made before timing; `message`:
// verifyTelemetrySignature of decoded messages), all started together; the rate is all of them over the wall
// time from "go" to the last one finishing. Each worker also reports how long it waited for a
// core, for the contention-corrected rate.

import type { Hex } from 'viem'
import { nextMessage } from '../threads/nextMessage.ts'
import { startTsWorker } from '../threads/startTsWorker.ts'
import type { ReadyMessage, VerifiedMessage, VerifyMode, VerifyTask } from './cryptoWorker.ts'

const WORKER = new URL('./cryptoWorker.ts', import.meta.url)

export type VerifyRate = {
  mode: VerifyMode
  threads: number
  verified: number
  seconds: number
  /**
   * Σ over threads of verified ÷ that thread's wall time: the threads' combined capacity (a
   * thread that finishes early does not count as idle capacity).
   */
  perSecond: number
  /**
   * Σ over threads of verified ÷ (wall − run-queue wait): the rate had each thread had a core
   * to itself. Undefined off Linux.
   */
  uncontendedPerSecond: number | undefined
  /** Mean over threads of CPU time ÷ wall time (1 = never waited for a core). */
  cpuOfWall: number | undefined
}

/** Verifies `messages` (encoded) split over `threads` workers; throws if any fails to verify. */
export async function measureWorkerVerifyRate(
  messages: readonly Uint8Array[],
  publicKeys: Record<Hex, Uint8Array>,
  threads: number,
  mode: VerifyMode,
): Promise<VerifyRate> {
  const workers = Array.from({ length: threads }, (_, t) => {
    const task: VerifyTask = {
      task: 'verify',
      mode,
      messages: messages.filter((_, i) => i % threads === t),
      publicKeys,
      warmup: 20,
    }
    return startTsWorker(WORKER, task)
  })
  try {
    await Promise.all(workers.map((w) => nextMessage<ReadyMessage>(w, 'ready')))
    const done = workers.map((w) => nextMessage<VerifiedMessage>(w, 'verified'))
    const start = performance.now()
    for (const w of workers) w.postMessage('go')
    const results = await Promise.all(done)
    const seconds = (performance.now() - start) / 1000
    const verified = results.reduce((n, r) => n + r.verified, 0)
    const valid = results.reduce((n, r) => n + r.valid, 0)
    if (valid !== verified)
      throw new Error(`${verified - valid} pre-made signatures did not verify`)
    const measured = results.every((r) => r.sched !== undefined)
    const sum = (f: (r: VerifiedMessage) => number) => results.reduce((a, r) => a + f(r), 0)
    const waitOf = (r: VerifiedMessage) => r.sched?.runQueueWaitMs ?? 0
    return {
      mode,
      threads,
      verified,
      seconds,
      perSecond: sum((r) => (r.verified * 1000) / r.ms),
      uncontendedPerSecond: measured
        ? sum((r) => (r.verified * 1000) / (r.ms - waitOf(r)))
        : undefined,
      cpuOfWall: measured ? sum((r) => (r.sched?.cpuMs ?? 0) / r.ms) / results.length : undefined,
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
}
