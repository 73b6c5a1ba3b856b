// Starts a worker thread running a TypeScript module. Node 20 does not apply `--import tsx`
// to a worker's entry module, so a small bootstrap registers tsx inside the worker first.

import { Worker } from 'node:worker_threads'

/** A worker running the module at `url` with `workerData`. */
export function startTsWorker(url: URL, workerData: unknown): Worker {
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}) })`
  return new Worker(bootstrap, { eval: true, workerData })
}
