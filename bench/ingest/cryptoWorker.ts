// Worker thread for the ingest benchmark's CPU work outside the gateway: pre-signing telemetry
// (so device-side signing is not timed) and the verify baselines over pre-made signatures:
// `raw`, the P-256 check alone (verifyP256, the gateway's one rule on OpenSSL, over signing
// bytes made before timing), and `message`, verifyTelemetrySignature of a decoded message
// (which rebuilds the signing bytes by re-encoding the message first).

import { parentPort, workerData } from 'node:worker_threads'
import {
  decodeTelemetry,
  encodeTelemetry,
  Suite,
  telemetrySigningBytes,
  verifyP256,
  verifyTelemetrySignature,
} from '@veriot/core'
import { createTelemetrySigner, signTelemetry } from '@veriot/device'
import { bytesToHex, type Hex, hexToBytes } from 'viem'
import { createBenchKey } from '../chain/createBenchKey.ts'
import {
  diffSchedStat,
  readThreadSchedStat,
  type ThreadSchedStat,
} from '../threads/readThreadSchedStat.ts'

export type SignTask = {
  task: 'sign'
  devices: Array<{ secretKey: Uint8Array; deviceId: Hex; count: number }>
  timestamp: number
}
/** What a baseline thread times per message: the P-256 check alone, or the whole message check. */
export type VerifyMode = 'raw' | 'message'
export type VerifyTask = {
  task: 'verify'
  mode: VerifyMode
  messages: Uint8Array[]
  publicKeys: Record<Hex, Uint8Array>
  warmup: number
}
export type SignedMessage = { kind: 'signed'; messages: Record<Hex, Uint8Array[]> }
export type ReadyMessage = { kind: 'ready' }
export type VerifiedMessage = {
  kind: 'verified'
  ms: number
  /** This thread's CPU time and run-queue wait during the loop (undefined off Linux). */
  sched: ThreadSchedStat | undefined
  valid: number
  verified: number
}

const port = parentPort
if (!port) throw new Error('cryptoWorker.ts runs only as a worker thread')
const task = workerData as SignTask | VerifyTask

if (task.task === 'sign') {
  const messages: Record<Hex, Uint8Array[]> = {}
  for (const device of task.devices) {
    const signer = createTelemetrySigner('p256', { p256: createBenchKey(device.secretKey) })
    const list: Uint8Array[] = []
    for (let sequence = 1; sequence <= device.count; sequence++) {
      const message = await signTelemetry(
        {
          version: 1,
          deviceId: hexToBytes(device.deviceId),
          sequence,
          timestamp: task.timestamp + sequence,
          type: 'temperature',
          readings: [{ name: 'temp', value: -20 - (sequence % 50) / 10, unit: 'Cel' }],
          suite: Suite.p256,
        },
        signer,
      )
      list.push(encodeTelemetry(message))
    }
    messages[device.deviceId] = list
  }
  port.postMessage({ kind: 'signed', messages } satisfies SignedMessage)
} else {
  // Decoding (and, for `raw`, the signing bytes) is the gateway's work too, not the signature
  // check: done before timing.
  const jobs = task.messages.map((bytes) => {
    const message = decodeTelemetry(bytes)
    const key = task.publicKeys[bytesToHex(message.deviceId)]
    if (!key) throw new Error(`no public key for device ${bytesToHex(message.deviceId)}`)
    return { message, keys: { p256PublicKey: key }, signed: telemetrySigningBytes(message) }
  })
  const check =
    task.mode === 'raw'
      ? (job: (typeof jobs)[number]) =>
          verifyP256(job.message.signature, job.signed, job.keys.p256PublicKey)
      : (job: (typeof jobs)[number]) => verifyTelemetrySignature(job.message, job.keys)
  // Warm-up: JIT, imported keys.
  for (let i = 0; i < task.warmup; i++) check(jobs[i % jobs.length] as (typeof jobs)[number])
  port.once('message', () => {
    const schedBefore = readThreadSchedStat()
    const start = performance.now()
    let valid = 0
    for (const job of jobs) if (check(job)) valid++
    const ms = performance.now() - start
    const sched = diffSchedStat(schedBefore, readThreadSchedStat())
    port.postMessage({
      kind: 'verified',
      ms,
      sched,
      valid,
      verified: jobs.length,
    } satisfies VerifiedMessage)
  })
  port.postMessage({ kind: 'ready' } satisfies ReadyMessage)
}
