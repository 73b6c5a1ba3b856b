// One end-to-end ingest run: a gateway (embedded aedes broker, SQLite store, anchorer) in this
// process and the load generator in another, sending every pre-signed message over MQTT.
// Times first publish → last PUBACK (the gateway acknowledges only what is on disk) and first
// publish → all anchored, and the CPU the gateway process and the generator spent meanwhile.

import { Session } from 'node:inspector/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createMqttConnectToken, mqttTopicsOf } from '@veriot/device'
import { createSqliteStore, type GatewayOptions, startGateway } from '@veriot/node'
import type { Hex } from 'viem'
import type { BenchKey } from '../chain/createBenchKey.ts'
import type { BenchChain } from '../chain/startBenchChain.ts'
import { diffProcessThreads, readProcessThreads } from '../threads/readProcessThreads.ts'
import { readThreadSchedStat } from '../threads/readThreadSchedStat.ts'
import { startLoadGenerator } from './startLoadGenerator.ts'
import { summarizeCpuProfile } from './summarizeCpuProfile.ts'

export type MqttIngestRun = {
  sent: number
  accepted: number
  rejected: Record<string, number>
  anchored: number
  batchesAnchored: number
  persisted: { seconds: number; perSecond: number }
  anchoredAll: { seconds: number; perSecond: number }
  /**
   * CPU time (ms) from "go" to the last PUBACK: the gateway process (every thread: event loop,
   * signature workers, V8's helpers, libuv's pool), its event loop alone, and the load
   * generator (its own process). `gatewayMain` is undefined off Linux.
   */
  cpuMs: { gatewayAll: number; gatewayMain: number | undefined; generator: number }
  /** CPU ms of each thread of the gateway process over the same span, largest first. */
  threadsMs: number[]
  /** Wall time (ms) of the persisted phase on this process's clock. */
  wallMs: number
  /** Group commits of appends while publishing: transactions, readings, time inside them. */
  groups: { commits: number; readings: number; largest: number; ms: number }
  /** With `profile`: the event loop's CPU profile over the same span, by component. */
  cpuProfile?: Record<string, number>
}

export type MqttIngestOptions = {
  chain: BenchChain
  /** Anvil account of this run's gateway: TelemetryAnchor keys batches by gateway, and every run starts a fresh store at batch 1. */
  gatewayAccount: number
  /** startGateway options under test (store durability is `synchronous`). */
  gateway: Pick<GatewayOptions, 'verifyThreads' | 'batchSize'> & {
    synchronous?: 'FULL' | 'NORMAL'
  }
  devices: ReadonlyArray<{ key: BenchKey; deviceId: Hex; messages: Uint8Array[] }>
  window: number
  dir: string
  /** Sample the gateway's event loop with the V8 profiler (costs a little throughput). */
  profile?: boolean
}

export async function measureMqttIngest(o: MqttIngestOptions): Promise<MqttIngestRun> {
  const synchronous = o.gateway.synchronous ?? 'FULL'
  const name = `mqtt-${synchronous}-${o.gatewayAccount}.sqlite`
  const groups = { commits: 0, readings: 0, largest: 0, ms: 0 }
  let counting = false
  const store = createSqliteStore(join(o.dir, name), {
    synchronous,
    onGroupCommit: ({ size, ms }) => {
      if (!counting) return
      groups.commits++
      groups.readings += size
      groups.largest = Math.max(groups.largest, size)
      groups.ms += ms
    },
  })
  const gateway = await startGateway({
    conn: await o.chain.as(o.gatewayAccount),
    deployment: o.chain.deployment,
    store,
    attestation: false,
    mqttPort: 0,
    httpPort: 0,
    // Messages are signed once before all runs; the skew check is not what is measured.
    maxSkewMs: 60 * 60_000,
    // Plain ingest: a few devices flooding on purpose would be locked down. The guard's cost
    // is measured by the anomaly bench (bench/anomaly).
    anomaly: false,
    ...(o.gateway.verifyThreads !== undefined ? { verifyThreads: o.gateway.verifyThreads } : {}),
    ...(o.gateway.batchSize !== undefined ? { batchSize: o.gateway.batchSize } : {}),
  })
  const session = o.profile ? new Session() : undefined
  try {
    const url = new URL(gateway.mqttUrl)
    const generator = await startLoadGenerator({
      host: url.hostname,
      port: Number(url.port),
      window: o.window,
      devices: await Promise.all(
        o.devices.map(async (d) => ({
          deviceId: d.deviceId,
          token: await createMqttConnectToken(d.key, d.deviceId, Date.now()),
          topic: mqttTopicsOf(d.deviceId).telemetry,
          messages: d.messages,
        })),
      ),
    })
    if (session) {
      session.connect()
      await session.post('Profiler.enable')
      await session.post('Profiler.setSamplingInterval', { interval: 500 })
      await session.post('Profiler.start')
    }
    const threadsBefore = readProcessThreads()
    const mainBefore = readThreadSchedStat()
    const processBefore = process.cpuUsage()
    const goAt = performance.now()
    counting = true
    let done: Awaited<ReturnType<typeof generator.go>>
    try {
      done = await generator.go()
    } finally {
      generator.stop()
    }
    counting = false
    const processCpu = process.cpuUsage(processBefore)
    const mainAfter = readThreadSchedStat()
    const threadsMs = diffProcessThreads(threadsBefore, readProcessThreads())
    const wallMs = performance.now() - goAt
    const profile = session ? (await session.post('Profiler.stop')).profile : undefined
    await gateway.flushAnchors()
    let counts = await gateway.store.getCounts()
    for (let i = 0; i < 10 && counts.anchored < counts.readings; i++) {
      await gateway.flushAnchors()
      counts = await gateway.store.getCounts()
    }
    const anchoredAt = performance.timeOrigin + performance.now()
    const stats = await gateway.stats()
    const persistedSeconds = (done.lastAckAt - done.firstPublishAt) / 1000
    const anchoredSeconds = (anchoredAt - done.firstPublishAt) / 1000
    return {
      sent: done.sent,
      accepted: counts.readings,
      rejected: {
        ...stats.sinceStart.rejected,
        ...(done.acked < done.sent ? { unacknowledged: done.sent - done.acked } : {}),
        ...(done.otherPackets ? { otherPackets: done.otherPackets } : {}),
      },
      anchored: counts.anchored,
      batchesAnchored: counts.batches.anchored,
      persisted: { seconds: persistedSeconds, perSecond: counts.readings / persistedSeconds },
      anchoredAll: { seconds: anchoredSeconds, perSecond: counts.anchored / anchoredSeconds },
      cpuMs: {
        gatewayAll: (processCpu.user + processCpu.system) / 1000,
        gatewayMain: mainBefore && mainAfter ? mainAfter.cpuMs - mainBefore.cpuMs : undefined,
        generator: done.cpuMs,
      },
      threadsMs,
      wallMs,
      groups,
      ...(profile ? { cpuProfile: summarizeCpuProfile(profile) } : {}),
    }
  } finally {
    session?.disconnect()
    await gateway.stop()
  }
}
