// Wraps a TelemetryStore so the time the gateway spends inside it is measured in the real run:
// better-sqlite3 is synchronous, so this is the SQLite work, fsync included, on the gateway's
// thread.

import type { TelemetryStore } from '@veriot/node'

export type StoreTimings = {
  /** Milliseconds inside appendReading (the durable write) and its call count. */
  append: { calls: number; ms: number }
  /** Milliseconds inside every other store call (lookups, batches, counts). */
  other: { calls: number; ms: number }
}

/** `store` with every call timed into the returned `timings`. */
export function createTimedStore(store: TelemetryStore): {
  store: TelemetryStore
  timings: StoreTimings
} {
  const timings: StoreTimings = { append: { calls: 0, ms: 0 }, other: { calls: 0, ms: 0 } }
  const timed = Object.fromEntries(
    Object.entries(store).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        const bucket = name === 'appendReading' ? timings.append : timings.other
        const start = performance.now()
        try {
          return (fn as (...a: unknown[]) => unknown)(...args)
        } finally {
          bucket.calls++
          bucket.ms += performance.now() - start
        }
      },
    ]),
  ) as TelemetryStore
  return { store: timed, timings }
}
