// Wall time of synchronous work on the calling thread, and the same less the time the thread
// waited for a core (see readThreadSchedStat).

import { diffSchedStat, readThreadSchedStat } from './readThreadSchedStat.ts'

export type ThreadTiming = { wallMs: number; uncontendedMs: number }

/** Runs `work` and times it; uncontendedMs = wallMs where schedstat is unavailable. */
export function timeOnThread(work: () => void): ThreadTiming {
  const before = readThreadSchedStat()
  const start = performance.now()
  work()
  const wallMs = performance.now() - start
  const sched = diffSchedStat(before, readThreadSchedStat())
  return { wallMs, uncontendedMs: wallMs - (sched?.runQueueWaitMs ?? 0) }
}
