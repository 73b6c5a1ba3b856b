// Makes what SQLite committed to its write-ahead log durable off the event loop: one
// fdatasync of the -wal file on libuv's thread pool covers every commit made before it started,
// so commits go on while the disk flushes and callers share the flushes (group fsync).

import { close, fdatasync, openSync } from 'node:fs'

export type WalSync = {
  /**
   * Resolves once an fdatasync of the log that started after this call has completed: every
   * transaction committed before the call is then on disk. Calls made while a flush runs share
   * the next one.
   * @throws the flush's error; after one failure every later call fails with it (a failed
   *   fsync leaves the page cache in an unknown state, so nothing is assumed durable again)
   */
  sync(): Promise<void>
  /** fdatasync calls made so far (each covers every commit before it started). */
  readonly flushes: number
  /** Waits for the flush in progress, then closes the file. */
  close(): Promise<void>
}

type Waiter = { resolve(): void; reject(error: unknown): void }

/**
 * A shared flusher for the write-ahead log at `walPath` (the database path + `-wal`), for a
 * connection that commits with `synchronous=NORMAL`: SQLite then writes the log without an
 * fsync, and this flush is the fsync that `synchronous=FULL` would have made inside each
 * commit (FULL = NORMAL + a sync of the log after each commit frame; the database file itself is
 * synced by SQLite at checkpoints in both modes). The file is opened on the first flush, when
 * SQLite has created it.
 *
 * @example
 * commitGroup()              // synchronous=NORMAL: in the log, not yet on disk
 * await walSync.sync()       // now on disk: acknowledge
 */
export function createWalSync(walPath: string): WalSync {
  let fd: number | undefined
  let running: Promise<void> | undefined
  const next: Waiter[] = []
  let failure: unknown
  let flushes = 0

  function start(waiters: Waiter[]): void {
    let done = () => {}
    running = new Promise<void>((resolve) => {
      done = resolve
    })
    const finish = (error: unknown) => {
      if (error && failure === undefined) failure = error
      running = undefined
      done()
      const settled = failure === undefined ? waiters : [...waiters, ...next.splice(0)]
      for (const w of settled) {
        if (failure === undefined) w.resolve()
        else w.reject(failure)
      }
      if (next.length > 0) start(next.splice(0))
    }
    try {
      fd ??= openSync(walPath, 'r')
    } catch (error) {
      finish(error)
      return
    }
    flushes++
    fdatasync(fd, (error) => finish(error ?? undefined))
  }

  return {
    sync() {
      if (failure !== undefined) return Promise.reject(failure)
      return new Promise<void>((resolve, reject) => {
        // A flush already running may have started before the caller's commit: wait for the next.
        if (running) next.push({ resolve, reject })
        else start([{ resolve, reject }])
      })
    },
    get flushes() {
      return flushes
    },
    async close() {
      while (running) await running
      if (fd !== undefined) {
        const closing = fd
        fd = undefined
        await new Promise<void>((resolve) => close(closing, () => resolve()))
      }
    },
  }
}
