// Median and p95 (nearest rank) of timing samples in milliseconds.

import { roundTo } from './roundTo.ts'

export type SampleSummary = {
  runs: number
  medianMs: number
  p95Ms: number
  minMs: number
  maxMs: number
}

/** Summarizes `samples` (ms); rounded to 1 µs. */
export function summarizeSamples(samples: readonly number[]): SampleSummary {
  if (samples.length === 0) throw new RangeError('"samples" expected at least one sample, got 0')
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
  const mid = sorted.length >> 1
  const median =
    sorted.length % 2
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
  return {
    runs: sorted.length,
    medianMs: roundTo(median, 3),
    p95Ms: roundTo(rank(0.95) as number, 3),
    minMs: roundTo(sorted[0] as number, 3),
    maxMs: roundTo(sorted[sorted.length - 1] as number, 3),
  }
}
