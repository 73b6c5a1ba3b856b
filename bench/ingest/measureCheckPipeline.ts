// The gateway's check pipeline without a transport: createIngest (decode, device lookup,
// capability, suite, signature, sequence, skew, durable append) called directly, one message
// after another, on a fresh store. The gap to the MQTT run is what the transport costs.

import { join } from 'node:path'
import { decodeTelemetry } from '@veriot/core'
import {
  createDeviceCache,
  createIngest,
  createRegistryClient,
  createSqliteStore,
} from '@veriot/node'
import { bytesToHex, type Hex } from 'viem'
import type { BenchChain } from '../chain/startBenchChain.ts'
import { diffSchedStat, readThreadSchedStat } from '../threads/readThreadSchedStat.ts'

export type CheckPipelineRate = {
  synchronous: 'FULL' | 'NORMAL'
  readings: number
  perSecond: number
  /** Less the time this thread waited for a core (see readThreadSchedStat). */
  uncontendedPerSecond: number
}

/** Ingests `messages` (each device's in sequence order) directly; throws if any is rejected. */
export async function measureCheckPipeline(o: {
  chain: BenchChain
  synchronous: 'FULL' | 'NORMAL'
  messages: readonly Uint8Array[]
  dir: string
}): Promise<CheckPipelineRate> {
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
    const sched = readThreadSchedStat()
    const start = performance.now()
    for (const bytes of o.messages) await ingest.ingest(bytes)
    const seconds = (performance.now() - start) / 1000
    const waitSeconds = (diffSchedStat(sched, readThreadSchedStat())?.runQueueWaitMs ?? 0) / 1000
    if (ingest.accepted.count !== o.messages.length) {
      throw new Error(
        `pipeline accepted ${ingest.accepted.count} of ${o.messages.length}: ${JSON.stringify(Object.fromEntries(ingest.rejected))}`,
      )
    }
    return {
      synchronous: o.synchronous,
      readings: o.messages.length,
      perSecond: o.messages.length / seconds,
      uncontendedPerSecond: o.messages.length / (seconds - waitSeconds),
    }
  } finally {
    devices.stop()
    await store.close()
  }
}
