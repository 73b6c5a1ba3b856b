// Starts a worker thread running a TypeScript module. Node 20 does not apply `--import tsx`
// to a worker's entry module, so a small bootstrap registers tsx inside the worker first.

import { Worker } from 'node:worker_threads'

/** A worker running the module at `url` with `workerData`. */
export function startTsWorker(url: URL, workerData: unknown, transferList: Transferable[] = []): Worker {
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}) })`
  // biome-ignore lint/suspicious/noExplicitAny: Node's TransferListItem type is narrower than Transferable
  return new Worker(bootstrap, { eval: true, workerData, transferList: transferList as any })
}

/** Resolves with the next message from `worker` that satisfies `accept`; rejects on error or exit. */
export function nextMessage<T>(worker: Worker, accept: (m: unknown) => m is T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if (!accept(m)) return
      cleanup()
      resolve(m)
    }
    const onError = (err: Error) => {
      cleanup()
      reject(err)
    }
    const onExit = (code: number) => {
      cleanup()
      reject(new Error(`worker exited with code ${code} before answering`))
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
