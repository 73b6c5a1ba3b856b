// Summary of per-run timings taken with timeOnThread: wall-clock and uncontended (wall less the
// wait for a core), and how much of the wall time the thread actually ran.

import type { ThreadTiming } from '../threads/timeOnThread.ts'
import { roundTo } from './roundTo.ts'
import { type SampleSummary, summarizeSamples } from './summarizeSamples.ts'

export type TimingSummary = {
  wall: SampleSummary
  uncontended: SampleSummary
  /** Σ uncontended ÷ Σ wall: 1 = the thread never waited for a core. */
  cpuOfWall: number
}

export function summarizeTimings(runs: readonly ThreadTiming[]): TimingSummary {
  const wall = runs.map((r) => r.wallMs)
  const uncontended = runs.map((r) => r.uncontendedMs)
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
  return {
    wall: summarizeSamples(wall),
    uncontended: summarizeSamples(uncontended),
    cpuOfWall: roundTo(sum(uncontended) / sum(wall), 3),
  }
}
