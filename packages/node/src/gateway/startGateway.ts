// Starts a gateway: the SQLite store, the device cache following DeviceRegistry, the check
// pipeline, MQTT ingest (embedded aedes broker, or a subscription on an external broker),
// HTTP ingest (Hono) and the anchorer.

import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { serve } from '@hono/node-server'
import type { Hex } from 'viem'
import { type AnchorEvent, createAnchorer } from '../anchoring/createAnchorer.ts'
import {
  type AnomalyDetectorOptions,
  createAnomalyDetector,
} from '../anomaly/createAnomalyDetector.ts'
import {
  createGatewayAttestation,
  type GatewayAttestation,
} from '../attestation/createGatewayAttestation.ts'
import { createSqliteAttestationStore } from '../attestation/createSqliteAttestationStore.ts'
import type { ChainConnection } from '../chain/connectChain.ts'
import { createConditionsClient } from '../conditions/createConditionsClient.ts'
import type { Deployment } from '../deployment/deployContracts.ts'
import { createFirmwareClient } from '../firmware/createFirmwareClient.ts'
import { createLockdown } from '../lockdown/createLockdown.ts'
import { createSqliteLockdownJournal } from '../lockdown/createSqliteLockdownJournal.ts'
import type { LockdownRecord } from '../lockdown/LockdownJournal.ts'
import { createWebhookNotifier, type WebhookNotifier } from '../notify/createWebhookNotifier.ts'
import { createPolicyEngine, type PolicyEngine } from '../policy/createPolicyEngine.ts'
import { createRegistryClient } from '../registry/createRegistryClient.ts'
import { createSqliteStore } from '../store/createSqliteStore.ts'
import type { TelemetryStore } from '../store/TelemetryStore.ts'
import { connectExternalBroker } from './connectExternalBroker.ts'
import { createDeviceCache } from './createDeviceCache.ts'
import { createDeviceGuard, type DeviceGuard } from './createDeviceGuard.ts'
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
   * Worker threads checking P-256 signatures (0 = on the event loop). Default: cores − 1, at
   * least 1 — the event loop (MQTT, CBOR, SQLite) keeps a core; on 2 cores one worker raised
   * ingest capacity by ~1.7× over checking on the event loop, and a second one did not add to it
   * (README, Benchmarks).
   */
  verifyThreads?: number
  /**
   * Anomaly scoring and lockdown (on by default): a device whose score reaches the threshold
   * is refused at once and suspended on chain with this gateway's account, which needs the
   * guardian role. `false` turns it off. `journal` is the lockdown journal's file (default:
   * beside the store; in memory when the store is an object).
   */
  anomaly?: false | (AnomalyDetectorOptions & { journal?: string })
  /**
   * Policy engine: watch these ConditionRegistry conditions and submit breach evidence on chain
   * as readings arrive (docs/anomaly.md, docs/contracts.md). `journal` defaults to a file beside
   * the store. Conditions watched before are watched again after a restart.
   */
  policy?: { conditionIds?: Hex[]; journal?: string }
  /**
   * The attestation rule (on by default; docs/attestation.md): readings are accepted only from
   * devices whose last attestation is younger than `maxAgeMs` (default 1 hour) and whose
   * registered release FirmwareRegistry still approves (verdict re-read every `verdictTtlMs`,
   * default 5 s). `false` turns the rule off (the attestation endpoints stay, when the
   * deployment has a FirmwareRegistry). `store` is the attestation file (default: beside the
   * store; in memory when the store is an object).
   */
  attestation?:
    | false
    | { maxAgeMs?: number; nonceTtlMs?: number; verdictTtlMs?: number; store?: string }
  /** Signed webhook for lockdowns (and other gateway events), with a durable outbox. */
  webhook?: { url: string; secret: string; outbox?: string }
  /** Do not anchor (ingest only). */
  noAnchor?: boolean
  onAnchorEvent?: (event: AnchorEvent) => void
}

export type Gateway = {
  readonly mqttUrl: string
  readonly httpUrl: string
  readonly store: TelemetryStore
  /** Anomaly scores and lockdowns; undefined when `anomaly: false`. */
  readonly guard: DeviceGuard | undefined
  /** Attestation endpoints and rule; undefined without a FirmwareRegistry (rule off). */
  readonly attestation: GatewayAttestation | undefined
  /** Conditions watched and breaches submitted; undefined without a ConditionRegistry. */
  readonly policy: PolicyEngine | undefined
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
  const beside = (name: string) =>
    typeof options.store === 'string' ? join(dirname(options.store), name) : ':memory:'
  const notifier: WebhookNotifier | undefined = options.webhook
    ? createWebhookNotifier({
        url: options.webhook.url,
        secret: options.webhook.secret,
        path: options.webhook.outbox ?? beside('webhook-outbox.sqlite'),
      })
    : undefined
  let closeJournal = () => {}
  const guard = options.anomaly === false ? undefined : createGuard(options.anomaly ?? {})
  function createGuard(o: AnomalyDetectorOptions & { journal?: string }): DeviceGuard {
    const journal = createSqliteLockdownJournal(o.journal ?? beside('lockdowns.sqlite'))
    closeJournal = () => journal.close()
    const lockdown = createLockdown({
      journal,
      suspend: (id, reason) => registry.suspend(id, reason),
      getStatus: async (id) => (await registry.getDevice(id)).status,
      onChange: (record: LockdownRecord) => {
        // The suspension is mined: the next read must see it, not a cached Active record.
        if (record.state === 'suspended') devices.invalidate(record.deviceId)
        notifier?.notify({ type: `lockdown.${record.state}`, data: record })
      },
    })
    lockdown.resume()
    return createDeviceGuard({ detector: createAnomalyDetector(o), lockdown })
  }
  // Policy engine: on when the deployment has a ConditionRegistry (older records lack it).
  const policy: PolicyEngine | undefined = options.deployment.contracts.ConditionRegistry
    ? await createPolicyEngine({
        conditions: createConditionsClient(options.conn, options.deployment),
        store,
        journal: options.policy?.journal ?? beside('breaches.sqlite'),
        conditionIds: options.policy?.conditionIds ?? [],
        ...(notifier ? { notifier } : {}),
      })
    : undefined
  // Attestation: required unless `attestation: false`; the endpoints exist whenever
  // FirmwareRegistry does (createFirmwareClient throws CONTRACT_NOT_DEPLOYED without it).
  const attestationRequired = options.attestation !== false
  const { store: attestationFile, ...attestationTuning } = options.attestation || {}
  const attestationStore =
    attestationRequired || options.deployment.contracts.FirmwareRegistry
      ? createSqliteAttestationStore(attestationFile ?? beside('attestations.sqlite'))
      : undefined
  let attestation: GatewayAttestation | undefined
  try {
    attestation = attestationStore
      ? createGatewayAttestation({
          devices,
          firmware: createFirmwareClient(options.conn, options.deployment),
          store: attestationStore,
          ...attestationTuning,
        })
      : undefined
  } catch (err) {
    attestationStore?.close()
    devices.stop()
    throw err
  }
  const ingest = createIngest({
    store,
    devices,
    ...(attestation && attestationRequired ? { attestation } : {}),
    ...(policy ? { onAccepted: (msg, result) => policy.evaluate(msg, result.readingId) } : {}),
    ...(guard ? { guard } : {}),
    ...(options.maxSkewMs !== undefined ? { maxSkewMs: options.maxSkewMs } : {}),
    ...(options.maxAgeMs !== undefined ? { maxAgeMs: options.maxAgeMs } : {}),
    verifyThreads: options.verifyThreads ?? defaultVerifyThreads(availableParallelism()),
  })
  const host = options.host ?? '127.0.0.1'
  const stoppers: Array<() => Promise<void>> = [
    async () => notifier?.close(),
    async () => attestationStore?.close(),
    async () => policy?.close(),
    async () => {
      guard?.lockdown.close()
      await guard?.lockdown.settled()
      closeJournal()
    },
    () => ingest.close(),
  ]
  try {
    const mqtt = options.mqttUrl
      ? await connectExternalBroker({
          url: options.mqttUrl,
          ingest,
          gateway: options.conn.account?.address,
        })
      : await startMqttBroker({
          ingest,
          devices,
          host,
          port: options.mqttPort ?? 1883,
          onEvent: (event) => {
            if (!guard || !event.deviceId || event.kind === 'rejected') return
            guard.unauthorized(
              event.deviceId as Hex,
              event.kind === 'forbidden'
                ? 'published outside its own topics'
                : 'connect token did not verify',
              event.kind === 'forbidden',
            )
          },
        })
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
    const app = createHttpApp({
      ingest,
      stats,
      ...(attestation ? { attestation } : {}),
      ...(guard ? { guard } : {}),
    })
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
      guard,
      attestation,
      policy,
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

/** Verifier threads when not chosen: every core but the event loop's, at least one. */
function defaultVerifyThreads(cores: number): number {
  return Math.max(1, cores - 1)
}
