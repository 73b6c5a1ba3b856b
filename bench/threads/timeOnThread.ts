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
  const wait = diffSchedStat(before, readThreadSchedStat())?.runQueueWaitMs ?? 0
  // The schedstat reads sit just outside the timed span; a wait that cannot fit inside it
  // happened there, and is not subtracted.
  return { wallMs, uncontendedMs: wait < wallMs ? wallMs - wait : wallMs }
}
