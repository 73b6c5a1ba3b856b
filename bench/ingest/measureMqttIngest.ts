// One end-to-end ingest run: a gateway (embedded aedes broker, SQLite store, anchorer) and a
// publisher thread sending every pre-signed message over MQTT. Times first publish → last
// PUBACK (the gateway acknowledges only what is on disk) and first publish → all anchored.

import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createMqttConnectToken } from '@veriot/device'
import { createSqliteStore, startGateway } from '@veriot/node'
import type { Hex } from 'viem'
import type { BenchKey } from '../chain/createBenchKey.ts'
import type { BenchChain } from '../chain/startBenchChain.ts'
import { nextMessage } from '../threads/nextMessage.ts'
import {
  diffSchedStat,
  readThreadSchedStat,
  type ThreadSchedStat,
} from '../threads/readThreadSchedStat.ts'
import { startTsWorker } from '../threads/startTsWorker.ts'
import { createTimedStore, type StoreTimings } from './createTimedStore.ts'
import type { PublishersDone, PublishersReady, PublisherTask } from './publisherWorker.ts'
import { summarizeCpuProfile } from './summarizeCpuProfile.ts'

const WORKER = new URL('./publisherWorker.ts', import.meta.url)

export type MqttIngestRun = {
  synchronous: 'FULL' | 'NORMAL'
  verifyThreads: number
  sent: number
  accepted: number
  rejected: Record<string, number>
  anchored: number
  batchesAnchored: number
  persisted: { seconds: number; perSecond: number }
  anchoredAll: { seconds: number; perSecond: number }
  /** Store time on the gateway's thread while publishing (first publish → last PUBACK). */
  store: StoreTimings
  /** Share of that time the gateway's event loop was busy (1 = saturated). */
  gatewayThreadBusy: number
  /**
   * The gateway thread's CPU time and run-queue wait (time runnable without a core) with the
   * wall time they were measured over on that thread: from "go" until it heard of the last
   * PUBACK, and until all was anchored (undefined off Linux).
   */
  gatewaySched:
    | {
        persisted: ThreadSchedStat & { wallMs: number }
        anchored: ThreadSchedStat & { wallMs: number }
      }
    | undefined
  /** Group commits of appends while publishing: transactions, readings, time inside them. */
  groups: { commits: number; readings: number; largest: number; ms: number }
  /**
   * CPU time while publishing (go → last PUBACK): the gateway's main thread, the whole process
   * less the publisher thread (the gateway's threads, verifier workers included, plus V8's
   * helper threads), and the publisher thread. Undefined off Linux.
   */
  cpuMs: { gatewayMain: number; gatewayAll: number; publisher: number } | undefined
  /** With `profile`: CPU profile of the gateway's thread over the same span, by component. */
  cpuProfile?: Record<string, number>
}

export type MqttIngestOptions = {
  chain: BenchChain
  /** Anvil account of this run's gateway: TelemetryAnchor keys batches by gateway, and every run starts a fresh store at batch 1. */
  gatewayAccount: number
  synchronous: 'FULL' | 'NORMAL'
  /** The gateway's verifier worker threads (0 = verify on its event loop). */
  verifyThreads: number
  devices: ReadonlyArray<{ key: BenchKey; deviceId: Hex; messages: Uint8Array[] }>
  window: number
  dir: string
  /** Sample the gateway's thread with the V8 profiler (costs a little throughput). */
  profile?: boolean
}

export async function measureMqttIngest(o: MqttIngestOptions): Promise<MqttIngestRun> {
  const name = `mqtt-${o.synchronous}-${o.gatewayAccount}.sqlite`
  const groups = { commits: 0, readings: 0, largest: 0, ms: 0 }
  let counting = false
  const timed = createTimedStore(
    createSqliteStore(join(o.dir, name), {
      synchronous: o.synchronous,
      onGroupCommit: ({ size, ms }) => {
        if (!counting) return
        groups.commits++
        groups.readings += size
        groups.largest = Math.max(groups.largest, size)
        groups.ms += ms
      },
    }),
  )
  const gateway = await startGateway({
    conn: await o.chain.as(o.gatewayAccount),
    deployment: o.chain.deployment,
    store: timed.store,
    attestation: false,
    mqttPort: 0,
    httpPort: 0,
    // Messages are signed once before all runs; the skew check is not what is measured.
    maxSkewMs: 60 * 60_000,
    verifyThreads: o.verifyThreads,
    // Plain ingest: a few devices flooding on purpose would be locked down. The guard's cost
    // is measured by the anomaly bench (bench/anomaly).
    anomaly: false,
  })
  const session = o.profile ? new Session() : undefined
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
    if (session) {
      session.connect()
      await session.post('Profiler.enable')
      await session.post('Profiler.setSamplingInterval', { interval: 500 })
      await session.post('Profiler.start')
    }
    const done = nextMessage<PublishersDone>(worker, 'done')
    const storeBefore = structuredClone(timed.timings)
    const eluBefore = performance.eventLoopUtilization()
    const schedBefore = readThreadSchedStat()
    const processCpuBefore = process.cpuUsage()
    counting = true
    const goAt = performance.now()
    worker.postMessage('go')
    const result = await done
    counting = false
    const processCpu = process.cpuUsage(processCpuBefore)
    const elu = performance.eventLoopUtilization(eluBefore)
    const schedPersisted = diffSchedStat(schedBefore, readThreadSchedStat())
    const persistedWallMs = performance.now() - goAt
    const storeDuring: StoreTimings = {
      append: {
        calls: timed.timings.append.calls - storeBefore.append.calls,
        ms: timed.timings.append.ms - storeBefore.append.ms,
      },
      other: {
        calls: timed.timings.other.calls - storeBefore.other.calls,
        ms: timed.timings.other.ms - storeBefore.other.ms,
      },
    }
    const profile = session ? (await session.post('Profiler.stop')).profile : undefined
    await gateway.flushAnchors()
    let counts = await gateway.store.getCounts()
    for (let i = 0; i < 10 && counts.anchored < counts.readings; i++) {
      await gateway.flushAnchors()
      counts = await gateway.store.getCounts()
    }
    const anchoredAt = performance.timeOrigin + performance.now()
    const schedAnchored = diffSchedStat(schedBefore, readThreadSchedStat())
    const anchoredWallMs = performance.now() - goAt
    await worker.terminate()
    const stats = await gateway.stats()
    const sent = task.clients.reduce((n, c) => n + c.messages.length, 0)
    const persistedSeconds = (result.lastAckAt - result.firstPublishAt) / 1000
    const anchoredSeconds = (anchoredAt - result.firstPublishAt) / 1000
    const processCpuMs = (processCpu.user + processCpu.system) / 1000
    return {
      synchronous: o.synchronous,
      verifyThreads: o.verifyThreads,
      sent,
      accepted: counts.readings,
      rejected: {
        ...stats.sinceStart.rejected,
        ...(result.failed ? { publishFailed: result.failed } : {}),
      },
      anchored: counts.anchored,
      batchesAnchored: counts.batches.anchored,
      persisted: { seconds: persistedSeconds, perSecond: counts.readings / persistedSeconds },
      anchoredAll: { seconds: anchoredSeconds, perSecond: counts.anchored / anchoredSeconds },
      store: storeDuring,
      groups,
      cpuMs:
        schedPersisted && result.cpuMs !== undefined
          ? {
              gatewayMain: schedPersisted.cpuMs,
              gatewayAll: processCpuMs - result.cpuMs,
              publisher: result.cpuMs,
            }
          : undefined,
      gatewayThreadBusy: elu.utilization,
      gatewaySched:
        schedPersisted && schedAnchored
          ? {
              persisted: { ...schedPersisted, wallMs: persistedWallMs },
              anchored: { ...schedAnchored, wallMs: anchoredWallMs },
            }
          : undefined,
      ...(profile ? { cpuProfile: summarizeCpuProfile(profile) } : {}),
    }
  } finally {
    session?.disconnect()
    await gateway.stop()
  }
}
