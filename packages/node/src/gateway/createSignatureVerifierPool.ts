// Telemetry signature checks on worker threads, so the gateway's event loop (MQTT, CBOR,
// SQLite) is not also the thread that does the curve arithmetic. P-256 messages (the default
// suite) go to the workers in batches, one per event-loop turn; other suites are checked
// inline. Answers come back in submission order, as they would inline: a device's readings
// reach the sequence check in the order they arrived.

import { Worker } from 'node:worker_threads'
import {
  Suite,
  type TelemetryKeys,
  type TelemetryMessage,
  telemetrySigningBytes,
  VeriotError,
  verifyTelemetrySignature,
} from '@veriot/core'
import type { VerifyBatch, VerifyBatchResult } from './signatureVerifierWorker.ts'

const WORKER = new URL('./signatureVerifierWorker.ts', import.meta.url)
const SIGNATURE_BYTES = 64
const PUBLIC_KEY_BYTES = 65
/** Largest batch sent to one worker at once. */
const MAX_BATCH = 256

export type TelemetrySignatureVerifier = {
  /**
   * verifyTelemetrySignature, possibly on another thread. Answers in call order. `signingBytes`
   * as for verifyTelemetrySignature: telemetrySigningBytes(message), when the caller has them.
   * @throws INTERNAL when a worker failed (the message was not judged)
   */
  verify(
    message: TelemetryMessage,
    keys: TelemetryKeys,
    signingBytes?: Uint8Array,
  ): Promise<boolean>
  close(): Promise<void>
}

type Job = {
  signature: Uint8Array
  signed: Uint8Array
  publicKey: Uint8Array
  result: boolean | Error | undefined
  resolve(valid: boolean): void
  reject(error: unknown): void
}
type Thread = { worker: Worker; inFlight: Map<number, Job[]>; jobs: number }

// Workers load the TypeScript sources the gateway runs from; Node 20 does not pass the main
// thread's loader (tsx) on to a worker, so the worker registers it first where it is present.
const tsxApi = (() => {
  try {
    return import.meta.resolve('tsx/esm/api')
  } catch {
    return undefined
  }
})()
const BOOTSTRAP = tsxApi
  ? `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER.href)}) })`
  : `import(${JSON.stringify(WORKER.href)})`

/**
 * A pool of `threads` (≥ 1) worker threads checking P-256 telemetry signatures with the same
 * verifyP256 as inline. A worker that fails refuses the jobs it held with INTERNAL (never
 * "valid") and is replaced.
 *
 * @example
 * const verifier = createSignatureVerifierPool(1)
 * const ok = await verifier.verify(decodeTelemetry(bytes), { p256PublicKey })
 * await verifier.close()
 */
export function createSignatureVerifierPool(threads: number): TelemetrySignatureVerifier {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new VeriotError('INVALID_ARGUMENT', `"threads" expected an integer ≥ 1, got ${threads}`)
  }
  let closed = false
  let nextBatchId = 0
  let queued: Job[] = []
  let scheduled: NodeJS.Immediate | undefined
  // Every job not yet answered, in submission order: answers are released from the head.
  const order: Job[] = []
  let head = 0
  const pool: Thread[] = Array.from({ length: threads }, () => startThread())

  function startThread(): Thread {
    const worker = new Worker(BOOTSTRAP, { eval: true })
    worker.unref()
    const thread: Thread = { worker, inFlight: new Map(), jobs: 0 }
    worker.on('message', ({ id, valid }: VerifyBatchResult) => {
      const jobs = thread.inFlight.get(id)
      if (!jobs) return
      thread.inFlight.delete(id)
      thread.jobs -= jobs.length
      if (thread.jobs === 0) worker.unref()
      jobs.forEach((job, i) => {
        job.result = valid[i] === 1
      })
      release()
    })
    const fail = (cause: unknown) => {
      const index = pool.indexOf(thread)
      if (index !== -1 && !closed) pool[index] = startThread()
      const error = new VeriotError('INTERNAL', 'signature verifier thread failed', { cause })
      for (const jobs of thread.inFlight.values()) for (const job of jobs) job.result = error
      thread.inFlight.clear()
      thread.jobs = 0
      release()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => {
      if (thread.inFlight.size > 0 || (!closed && pool.includes(thread))) {
        fail(new Error(`worker exited with code ${code}`))
      }
    })
    return thread
  }

  function release(): void {
    while (head < order.length) {
      const job = order[head] as Job
      if (job.result === undefined) break
      head++
      if (job.result instanceof Error) job.reject(job.result)
      else job.resolve(job.result)
    }
    if (head === order.length) {
      order.length = 0
      head = 0
    } else if (head > 1024) {
      order.splice(0, head)
      head = 0
    }
  }

  function dispatch(): void {
    scheduled = undefined
    const jobs = queued
    queued = []
    // Split the turn's jobs over the threads, the least busy first.
    const share = Math.max(1, Math.min(MAX_BATCH, Math.ceil(jobs.length / pool.length)))
    for (let from = 0; from < jobs.length; from += share) {
      const thread = pool.reduce((a, b) => (b.jobs < a.jobs ? b : a))
      send(thread, jobs.slice(from, from + share))
    }
  }

  function send(thread: Thread, jobs: Job[]): void {
    let size = 0
    for (const job of jobs) size += SIGNATURE_BYTES + PUBLIC_KEY_BYTES + 4 + job.signed.length
    const buffer = new ArrayBuffer(size)
    const bytes = new Uint8Array(buffer)
    const view = new DataView(buffer)
    let at = 0
    for (const job of jobs) {
      const keyAt = at + SIGNATURE_BYTES
      const lengthAt = keyAt + PUBLIC_KEY_BYTES
      bytes.set(job.signature, at)
      bytes.set(job.publicKey, keyAt)
      view.setUint32(lengthAt, job.signed.length)
      bytes.set(job.signed, lengthAt + 4)
      at = lengthAt + 4 + job.signed.length
    }
    const id = nextBatchId++
    thread.inFlight.set(id, jobs)
    if (thread.jobs === 0) thread.worker.ref()
    thread.jobs += jobs.length
    thread.worker.postMessage({ id, count: jobs.length, buffer } satisfies VerifyBatch, [buffer])
  }

  return {
    verify(message, keys, signingBytes) {
      // Offloaded only where the worker's check is the whole of verifyTelemetrySignature:
      // P-256 with well-formed lengths and no auxiliary key. Anything else is checked here.
      if (
        closed ||
        message.suite !== Suite.p256 ||
        message.auxPublicKey !== undefined ||
        keys.auxPublicKey !== undefined ||
        !(message.signature instanceof Uint8Array) ||
        message.signature.length !== SIGNATURE_BYTES ||
        keys.p256PublicKey.length !== PUBLIC_KEY_BYTES
      ) {
        return order.length === 0
          ? Promise.resolve(verifyTelemetrySignature(message, keys, signingBytes))
          : // Keep the call order: answer after the jobs already waiting.
            new Promise<boolean>((resolve, reject) => {
              order.push({
                signature: message.signature,
                signed: new Uint8Array(0),
                publicKey: keys.p256PublicKey,
                result: verifyTelemetrySignature(message, keys, signingBytes),
                resolve,
                reject,
              })
              release()
            })
      }
      let signed: Uint8Array
      try {
        signed = signingBytes ?? telemetrySigningBytes(message)
      } catch {
        return Promise.resolve(false) // as verifyTelemetrySignature: fails closed
      }
      return new Promise<boolean>((resolve, reject) => {
        const job: Job = {
          signature: message.signature,
          signed,
          publicKey: keys.p256PublicKey,
          result: undefined,
          resolve,
          reject,
        }
        order.push(job)
        queued.push(job)
        scheduled ??= setImmediate(dispatch)
      })
    },
    async close() {
      closed = true
      if (scheduled !== undefined) clearImmediate(scheduled)
      scheduled = undefined
      const error = new VeriotError('INTERNAL', 'signature verifier closed')
      for (const job of queued) job.result = error
      queued = []
      await Promise.all(pool.map((t) => t.worker.terminate()))
      for (const t of pool) {
        for (const jobs of t.inFlight.values()) for (const job of jobs) job.result = error
        t.inFlight.clear()
      }
      release()
    },
  }
}
