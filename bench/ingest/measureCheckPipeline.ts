// The gateway's check pipeline without a transport, to split the end-to-end time: the store's
// appendReading alone, then createIngest (decode, device lookup, capability, signature,
// sequence, skew, append) called directly, one message after another, on a fresh store.

import { join } from 'node:path'
import { decodeTelemetry, readingIdOf } from '@veriot/core'
import {
  createDeviceCache,
  createIngest,
  createRegistryClient,
  createSqliteStore,
  type ReadingInput,
} from '@veriot/node'
import { bytesToHex, type Hex } from 'viem'
import type { BenchChain } from '../chain/startBenchChain.ts'

export type CheckPipelineRates = {
  synchronous: 'FULL' | 'NORMAL'
  /** TelemetryStore.appendReading alone (already decoded, ids computed), per second. */
  storeAppendPerSecond: number
  storeAppends: number
  /** Ingest.ingest (every check + append), per second. */
  pipelinePerSecond: number
  pipelineReadings: number
}

export async function measureCheckPipeline(o: {
  chain: BenchChain
  synchronous: 'FULL' | 'NORMAL'
  /** Messages of several devices; each device's in sequence order. */
  messages: readonly Uint8Array[]
  storeAppends: number
  dir: string
}): Promise<CheckPipelineRates> {
  // 1. appendReading alone.
  const inputs: ReadingInput[] = o.messages.slice(0, o.storeAppends).map((bytes) => {
    const m = decodeTelemetry(bytes)
    return {
      id: readingIdOf(bytes),
      deviceId: bytesToHex(m.deviceId),
      seq: m.sequence,
      timestamp: m.timestamp,
      type: m.type,
      message: bytes,
      receivedAt: Date.now(),
    }
  })
  const appendStore = createSqliteStore(join(o.dir, `append-${o.synchronous}.sqlite`), {
    synchronous: o.synchronous,
  })
  let start = performance.now()
  for (const input of inputs) await appendStore.appendReading(input)
  const appendSeconds = (performance.now() - start) / 1000
  await appendStore.close()

  // 2. The whole check pipeline.
  const conn = await o.chain.as(0)
  const devices = createDeviceCache(conn, createRegistryClient(conn, o.chain.deployment))
  const store = createSqliteStore(join(o.dir, `pipeline-${o.synchronous}.sqlite`), {
    synchronous: o.synchronous,
  })
  try {
    const ingest = createIngest({ store, devices, maxSkewMs: 60 * 60_000 })
    // Device records come from the chain once, then from the cache: warm it before timing.
    const ids = new Set(o.messages.map((b) => bytesToHex(decodeTelemetry(b).deviceId) as Hex))
    for (const id of ids) await devices.get(id)
    start = performance.now()
    for (const bytes of o.messages) await ingest.ingest(bytes)
    const pipelineSeconds = (performance.now() - start) / 1000
    if (ingest.accepted.count !== o.messages.length) {
      throw new Error(
        `pipeline accepted ${ingest.accepted.count} of ${o.messages.length}: ${JSON.stringify(Object.fromEntries(ingest.rejected))}`,
      )
    }
    return {
      synchronous: o.synchronous,
      storeAppendPerSecond: inputs.length / appendSeconds,
      storeAppends: inputs.length,
      pipelinePerSecond: o.messages.length / pipelineSeconds,
      pipelineReadings: o.messages.length,
    }
  } finally {
    devices.stop()
    await store.close()
  }
}
