// Starts a gateway: the SQLite store, the device cache following DeviceRegistry, the check
// pipeline, MQTT ingest (embedded aedes broker, or a subscription on an external broker),
// HTTP ingest (Hono) and the anchorer.

import { availableParallelism } from 'node:os'
import { serve } from '@hono/node-server'
import type { Hex } from 'viem'
import { type AnchorEvent, createAnchorer } from '../anchoring/createAnchorer.ts'
import type { ChainConnection } from '../chain/connectChain.ts'
import type { Deployment } from '../deployment/deployContracts.ts'
import { createRegistryClient } from '../registry/createRegistryClient.ts'
import { createSqliteStore } from '../store/createSqliteStore.ts'
import type { TelemetryStore } from '../store/TelemetryStore.ts'
import { connectExternalBroker } from './connectExternalBroker.ts'
import { createDeviceCache } from './createDeviceCache.ts'
import { createHttpApp } from './createHttpApp.ts'
import { createIngest } from './createIngest.ts'
import { startMqttBroker } from './startMqttBroker.ts'

export type GatewayOptions = {
  conn: ChainConnection
  deployment: Deployment
  /** SQLite file, or an already open store. */
  store: string | TelemetryStore
  host?: string
  /** Embedded MQTT broker port (0 = any). Ignored with mqttUrl. Default 1883. */
  mqttPort?: number
  /** External broker URL: subscribe there instead of embedding a broker. */
  mqttUrl?: string
  /** HTTP ingest port (0 = any). Default 8080. */
  httpPort?: number
  batchSize?: number
  maxBatchAgeMs?: number
  maxSkewMs?: number
  maxAgeMs?: number
  /**
   * Worker threads checking P-256 signatures (0 = on the event loop). Default: cores − 1 from
   * 3 cores up, else 0: on 2 cores the thread took ~40 % of the CPU off the event loop, but
   * did not lower the CPU per reading overall nor raise ingest consistently (README,
   * Benchmarks).
   */
  verifyThreads?: number
  /** Do not anchor (ingest only). */
  noAnchor?: boolean
  onAnchorEvent?: (event: AnchorEvent) => void
}

export type Gateway = {
  readonly mqttUrl: string
  readonly httpUrl: string
  readonly store: TelemetryStore
  stats(): Promise<GatewayStats>
  /** Batches and anchors everything stored so far. */
  flushAnchors(): Promise<void>
  stop(): Promise<void>
}

export type GatewayStats = Awaited<ReturnType<TelemetryStore['getCounts']>> & {
  gateway: Hex | undefined
  sinceStart: { accepted: number; duplicates: number; rejected: Record<string, number> }
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const store = typeof options.store === 'string' ? createSqliteStore(options.store) : options.store
  const registry = createRegistryClient(options.conn, options.deployment)
  const devices = createDeviceCache(options.conn, registry)
  const ingest = createIngest({
    store,
    devices,
    ...(options.maxSkewMs !== undefined ? { maxSkewMs: options.maxSkewMs } : {}),
    ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),
    verifyThreads: options.verifyThreads ?? defaultVerifyThreads(availableParallelism()),
  })
  const host = options.host ?? '127.0.0.1'
  const stoppers: Array<() => Promise<void>> = [() => ingest.close()]
  try {
    const mqtt = options.mqttUrl
      ? await connectExternalBroker({
          url: options.mqttUrl,
          ingest,
          gateway: options.conn.account?.address,
        })
      : await startMqttBroker({ ingest, devices, host, port: options.mqttPort ?? 1883 })
    stoppers.push(() => mqtt.stop())

    const stats = async (): Promise<GatewayStats> => ({
      ...(await store.getCounts()),
      gateway: options.conn.account?.address,
      sinceStart: {
        accepted: ingest.accepted.count,
        duplicates: ingest.accepted.duplicates,
        rejected: Object.fromEntries(ingest.rejected),
      },
    })
    const app = createHttpApp({ ingest, stats })
    const http = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const server = serve(
        { fetch: app.fetch, port: options.httpPort ?? 8080, hostname: host },
        () => resolve(server),
      )
      server.once('error', reject)
    })
    stoppers.push(() => new Promise<void>((resolve) => http.close(() => resolve())))
    const address = http.address()
    const httpPort = typeof address === 'object' && address ? address.port : 0

    const anchorer = createAnchorer({
      store,
      conn: options.conn,
      anchorAddress: options.deployment.contracts.TelemetryAnchor.address,
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      ...(options.maxBatchAgeMs !== undefined ? { maxBatchAgeMs: options.maxBatchAgeMs } : {}),
      ...(options.onAnchorEvent ? { onEvent: options.onAnchorEvent } : {}),
    })
    if (!options.noAnchor) anchorer.start()
    stoppers.push(() => anchorer.stop())

    return {
      mqttUrl: mqtt.url,
      httpUrl: `http://${host}:${httpPort}`,
      store,
      stats,
      flushAnchors: () => anchorer.flush(),
      async stop() {
        for (const stop of stoppers.reverse()) await stop().catch(() => {})
        devices.stop()
        await store.close()
      },
    }
  } catch (err) {
    for (const stop of stoppers.reverse()) await stop().catch(() => {})
    devices.stop()
    await store.close()
    throw err
  }
}

/** Verifier threads when not chosen: every core but the event loop's, from 3 cores up. */
function defaultVerifyThreads(cores: number): number {
  return cores >= 3 ? cores - 1 : 0
}
