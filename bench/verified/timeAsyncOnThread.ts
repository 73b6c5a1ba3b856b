// timeOnThread for work that is asynchronous in form but runs on this thread without I/O (the
// MPT proof checks of verifyVerifiedRead return promises): wall time of the awaited work, and
// the same less the time the thread waited for a core. Nothing else may be in flight meanwhile.

import { diffSchedStat, readThreadSchedStat } from '../threads/readThreadSchedStat.ts'
import type { ThreadTiming } from '../threads/timeOnThread.ts'

/** Runs and awaits `work`, and times it; uncontendedMs = wallMs where schedstat is unavailable. */
export async function timeAsyncOnThread(work: () => Promise<unknown>): Promise<ThreadTiming> {
  const before = readThreadSchedStat()
  const start = performance.now()
  await work()
  const wallMs = performance.now() - start
  const wait = diffSchedStat(before, readThreadSchedStat())?.runQueueWaitMs ?? 0
  return { wallMs, uncontendedMs: wait < wallMs ? wallMs - wait : wallMs }
}
