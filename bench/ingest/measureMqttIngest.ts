// One end-to-end ingest run: a gateway (embedded aedes broker, SQLite store, anchorer) and a
// publisher thread sending every pre-signed message over MQTT. Times first publish → last
// PUBACK (the gateway acknowledges only what is on disk) and first publish → all anchored.

import { join } from 'node:path'
import { createMqttConnectToken } from '@veriot/device'
import { createSqliteStore, startGateway } from '@veriot/node'
import type { Hex } from 'viem'
import type { BenchKey } from '../chain/createBenchKey.ts'
import type { BenchChain } from '../chain/startBenchChain.ts'
import { nextMessage } from '../threads/nextMessage.ts'
import { startTsWorker } from '../threads/startTsWorker.ts'
import type { PublisherTask, PublishersDone, PublishersReady } from './publisherWorker.ts'

const WORKER = new URL('./publisherWorker.ts', import.meta.url)

export type MqttIngestRun = {
  synchronous: 'FULL' | 'NORMAL'
  sent: number
  accepted: number
  rejected: Record<string, number>
  anchored: number
  batchesAnchored: number
  persisted: { seconds: number; perSecond: number }
  anchoredAll: { seconds: number; perSecond: number }
}

export type MqttIngestOptions = {
  chain: BenchChain
  /** Anvil account of this run's gateway: TelemetryAnchor keys batches by gateway, and every run starts a fresh store at batch 1. */
  gatewayAccount: number
  synchronous: 'FULL' | 'NORMAL'
  devices: ReadonlyArray<{ key: BenchKey; deviceId: Hex; messages: Uint8Array[] }>
  window: number
  dir: string
}

export async function measureMqttIngest(o: MqttIngestOptions): Promise<MqttIngestRun> {
  const store = createSqliteStore(join(o.dir, `mqtt-${o.synchronous}.sqlite`), {
    synchronous: o.synchronous,
  })
  const gateway = await startGateway({
    conn: await o.chain.as(o.gatewayAccount),
    deployment: o.chain.deployment,
    store,
    mqttPort: 0,
    httpPort: 0,
    // Messages are signed once before all runs; the skew check is not what is measured.
    maxSkewMs: 60 * 60_000,
  })
  try {
    const task: PublisherTask = {
      url: gateway.mqttUrl,
      window: o.window,
      clients: await Promise.all(
        o.devices.map(async (d) => ({
          deviceId: d.deviceId,
          token: await createMqttConnectToken(d.key, d.deviceId, Date.now()),
          messages: d.messages,
        })),
      ),
    }
    const worker = startTsWorker(WORKER, task)
    await nextMessage<PublishersReady>(worker, 'ready')
    const done = nextMessage<PublishersDone>(worker, 'done')
    worker.postMessage('go')
    const result = await done
    await gateway.flushAnchors()
    let counts = await gateway.store.getCounts()
    for (let i = 0; i < 10 && counts.anchored < counts.readings; i++) {
      await gateway.flushAnchors()
      counts = await gateway.store.getCounts()
    }
    const anchoredAt = performance.timeOrigin + performance.now()
    await worker.terminate()
    const stats = await gateway.stats()
    const sent = task.clients.reduce((n, c) => n + c.messages.length, 0)
    const persistedSeconds = (result.lastAckAt - result.firstPublishAt) / 1000
    const anchoredSeconds = (anchoredAt - result.firstPublishAt) / 1000
    return {
      synchronous: o.synchronous,
      sent,
      accepted: counts.readings,
      rejected: { ...stats.sinceStart.rejected, ...(result.failed ? { publishFailed: result.failed } : {}) },
      anchored: counts.anchored,
      batchesAnchored: counts.batches.anchored,
      persisted: { seconds: persistedSeconds, perSecond: counts.readings / persistedSeconds },
      anchoredAll: { seconds: anchoredSeconds, perSecond: counts.anchored / anchoredSeconds },
    }
  } finally {
    await gateway.stop()
  }
}
