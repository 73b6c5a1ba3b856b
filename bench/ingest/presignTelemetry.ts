// Pre-signs every device's telemetry before anything is timed, spread over worker threads
// (device-side signing is not part of the gateway's ingest cost).

import type { Hex } from 'viem'
import type { BenchKey } from '../chain/createBenchKey.ts'
import { nextMessage } from '../threads/nextMessage.ts'
import { startTsWorker } from '../threads/startTsWorker.ts'
import type { SignedMessage, SignTask } from './cryptoWorker.ts'

const WORKER = new URL('./cryptoWorker.ts', import.meta.url)

/** Encoded, signed messages per device id, sequences 1..perDevice, one reading each. */
export async function presignTelemetry(
  devices: ReadonlyArray<{ key: BenchKey; deviceId: Hex }>,
  perDevice: number,
  threads: number,
): Promise<Map<Hex, Uint8Array[]>> {
  const timestamp = Date.now()
  const shares = Array.from({ length: threads }, (_, t) =>
    devices.filter((_, i) => i % threads === t),
  ).filter((share) => share.length > 0)
  const results = await Promise.all(
    shares.map(async (share) => {
      const task: SignTask = {
        task: 'sign',
        timestamp,
        devices: share.map((d) => ({
          secretKey: d.key.secretKey,
          deviceId: d.deviceId,
          count: perDevice,
        })),
      }
      const worker = startTsWorker(WORKER, task)
      try {
        return (await nextMessage<SignedMessage>(worker, 'signed')).messages
      } finally {
        await worker.terminate()
      }
    }),
  )
  const all = new Map<Hex, Uint8Array[]>()
  for (const part of results) {
    for (const [id, list] of Object.entries(part)) all.set(id as Hex, list)
  }
  return all
}
