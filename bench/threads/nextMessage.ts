// Waiting for one kind of message from a worker thread, failing if the worker dies first.

import type { Worker } from 'node:worker_threads'

/** The next message of `kind` from `worker`; rejects when the worker errs or exits first. */
export function nextMessage<T extends { kind: string }>(
  worker: Worker,
  kind: T['kind'],
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (m: { kind?: string }) => {
      if (m?.kind !== kind) return
      cleanup()
      resolve(m as T)
    }
    const onError = (err: Error) => {
      cleanup()
      reject(err)
    }
    const onExit = (code: number) => {
      cleanup()
      reject(new Error(`worker exited (code ${code}) before sending "${kind}"`))
    }
    const cleanup = () => {
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
    }
    worker.on('message', onMessage)
    worker.on('error', onError)
    worker.on('exit', onExit)
  })
}
