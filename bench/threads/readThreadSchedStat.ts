// Scheduler statistics of the calling thread (main or worker) from Linux's
// /proc/thread-self/schedstat: time on a CPU and time spent runnable but waiting for one. The
// wait is what other work on a shared machine costs a benchmark thread; subtracting it from
// wall time gives the time the thread would have taken with a core to itself.

import { readFileSync } from 'node:fs'

export type ThreadSchedStat = {
  /** Milliseconds this thread has run on a CPU. */
  cpuMs: number
  /** Milliseconds this thread was runnable but waited for a CPU (run-queue delay). */
  runQueueWaitMs: number
}

/** The calling thread's totals so far, or undefined where /proc/thread-self/schedstat is missing. */
export function readThreadSchedStat(): ThreadSchedStat | undefined {
  try {
    const [cpu, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').trim().split(/\s+/)
    const cpuMs = Number(cpu) / 1e6
    const runQueueWaitMs = Number(wait) / 1e6
    if (!Number.isFinite(cpuMs) || !Number.isFinite(runQueueWaitMs)) return undefined
    return { cpuMs, runQueueWaitMs }
  } catch {
    return undefined
  }
}

/** `after − before`, or undefined when either is. */
export function diffSchedStat(
  before: ThreadSchedStat | undefined,
  after: ThreadSchedStat | undefined,
): ThreadSchedStat | undefined {
  if (!before || !after) return undefined
  return {
    cpuMs: after.cpuMs - before.cpuMs,
    runQueueWaitMs: after.runQueueWaitMs - before.runQueueWaitMs,
  }
}
