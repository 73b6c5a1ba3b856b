// CPU time of every thread of this process (Linux /proc/self/task/*/schedstat), to tell the
// event loop, worker threads and V8's or libuv's helpers apart in a benchmark's CPU figures.

import { readdirSync, readFileSync } from 'node:fs'

/** Thread id → milliseconds on a CPU so far; empty where /proc is missing. */
export function readProcessThreads(): Map<number, number> {
  const threads = new Map<number, number>()
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const [cpu] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')
        threads.set(Number(tid), Number(cpu) / 1e6)
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  } catch {
    // Not Linux.
  }
  return threads
}

/** CPU ms per thread between two readings, largest first, threads below `minMs` left out. */
export function diffProcessThreads(
  before: Map<number, number>,
  after: Map<number, number>,
  minMs = 1,
): number[] {
  return [...after]
    .map(([tid, ms]) => ms - (before.get(tid) ?? 0))
    .filter((ms) => ms >= minMs)
    .sort((a, b) => b - a)
}
