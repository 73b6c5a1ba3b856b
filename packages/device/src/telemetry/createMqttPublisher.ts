// Sends telemetry to the gateway over MQTT with at-least-once delivery: every message goes to
// an on-disk queue first and leaves it only when the broker has acknowledged it (PUBACK).

import { Buffer } from 'node:buffer'
import { join } from 'node:path'
import { type Reading, VeriotError } from '@veriot/core'
import { connect, type MqttClient } from 'mqtt'
import { z } from 'zod'
import type { Attester } from '../attestation/Attester.ts'
import {
  createGatewayAttestationClient,
  type GatewayAttestationClient,
} from '../attestation/createGatewayAttestationClient.ts'
import { createDurableQueue, type QueuedItem } from './createDurableQueue.ts'
import { mqttTopicsOf } from './mqttTopicsOf.ts'
import type { Hex, TelemetryDevice } from './TelemetryDevice.ts'

const DEFAULT_RECONNECT_PERIOD_MS = 1_000
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000
// The gateway accepts tokens within ±5 minutes: a token refreshed every 2 minutes is at least
// 3 minutes from expiring whenever mqtt.js reconnects with it.
const DEFAULT_TOKEN_REFRESH_MS = 2 * 60_000
// A broker that is down closes every reconnect attempt; re-signing on each 'close' would cost
// one signature per attempt (slow on a hardware key) for no gain.
const MIN_TOKEN_AGE_FOR_CLOSE_REFRESH_MS = 10_000

export type MqttPublisherOptions = {
  /** Broker URL: `mqtt://host:port` or `mqtts://host:port`, without credentials. */
  url: string
  device: TelemetryDevice
  /** The outbox lives in `<dataDir>/outbox`; one publisher per directory at a time. */
  dataDir: string
  /** How long one connection attempt may take; default 30 s. */
  connectTimeoutMs?: number
  /** Pause between reconnection attempts; default 1 s. */
  reconnectPeriodMs?: number
  /** How often the connect token is renewed; default 2 minutes (must stay under 5). */
  tokenRefreshMs?: number
  /**
   * Called for transport problems: connection refused or not authorized, a connect token that
   * could not be signed, an outbox file that could not be removed. Delivery keeps retrying;
   * nothing queued is dropped.
   */
  onConnectionError?: (error: Error) => void
  /**
   * Attests the device to the gateway (over HTTP, at `attestationUrl`) before handing messages
   * to the broker, and again before the result expires. Messages wait in the outbox meanwhile;
   * attestation failures go to onConnectionError and are retried with backoff.
   */
  attester?: Attester
  /** The gateway's HTTP base URL for attestation; required with `attester`. */
  attestationUrl?: string
}

/** A rejection the gateway published on the device's errors topic. */
export type GatewayRejection = {
  /** An error code (see docs/errors.md), e.g. SEQUENCE_REPLAYED. */
  readonly code: string
  readonly message: string
  readonly readingId?: Hex
  readonly sequence?: number
}

export type MqttPublisher = {
  readonly deviceId: Hex
  /** The attestation client, when an attester was given. */
  readonly attestation: GatewayAttestationClient | undefined
  /**
   * Signs a message and queues it durably; resolves once it is on disk, not when delivered
   * (see flush). Works offline: delivery happens when the broker is reachable.
   * @throws the errors of TelemetryDevice.sign; STORE_FAILED when the queue cannot be written
   */
  publish(type: string, readings: readonly Reading[]): Promise<{ readingId: Hex; sequence: number }>
  /**
   * Resolves when the queue is empty: every message published so far (and left over from
   * earlier runs) was acknowledged by the broker.
   * @throws GATEWAY_UNREACHABLE when close() is called first (the messages stay queued)
   */
  flush(): Promise<void>
  /** Registers a listener for the gateway's rejections; returns its removal. */
  onError(listener: (rejection: GatewayRejection) => void): () => void
  /** Messages on disk, not yet acknowledged by the broker. */
  pending(): number
  /** True while connected to the broker. */
  connected(): boolean
  /** Disconnects without waiting for acknowledgements; unacknowledged messages stay queued. */
  close(): Promise<void>
}

const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/)
const rejectionSchema = z.object({
  code: z.string().regex(/^[A-Z0-9_]{1,64}$/),
  message: z.string().max(4096),
  readingId: hex32.optional(),
  sequence: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
})

/**
 * Connects to the broker as the device (client id `veriot-<deviceId>`, persistent session,
 * username = device id, password = a connect token kept fresh) and publishes QoS 1 to
 * `veriot/devices/<deviceId>/telemetry`; rejections arrive on `…/errors`.
 *
 * Messages left in the outbox by an earlier run are sent first, in order, then new ones in
 * publish order (the gateway refuses a sequence number below one it has accepted). A message
 * acknowledged by the broker but whose removal did not reach the disk before a crash is sent
 * again and answered as a duplicate.
 *
 * Queued messages carry the time they were signed: the gateway refuses those older than its
 * allowed age (TIMESTAMP_SKEW, 24 hours by default), reported through onError.
 *
 * @throws INVALID_ARGUMENT for a URL that is not mqtt(s) or contains credentials; STORE_FAILED
 *   when the outbox cannot be opened; the errors of TelemetryDevice.createConnectToken
 * @example
 * const publisher = await createMqttPublisher({ url: 'mqtt://127.0.0.1:1883', device, dataDir })
 * publisher.onError((r) => console.error(r.code, r.message))
 * await publisher.publish('climate', [{ name: 'temp', value: -21.5, unit: 'Cel' }])
 * await publisher.flush()
 */
export async function createMqttPublisher(options: MqttPublisherOptions): Promise<MqttPublisher> {
  const { device } = options
  const url = brokerUrlOf(options.url)
  if (options.attester && !options.attestationUrl) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      '"attestationUrl" expected the gateway\'s HTTP URL when an attester is given',
    )
  }
  const attestation =
    options.attester && options.attestationUrl
      ? createGatewayAttestationClient({
          baseUrl: options.attestationUrl,
          deviceId: device.deviceId,
          attester: options.attester,
        })
      : undefined
  const topics = mqttTopicsOf(device.deviceId)
  const queue = await createDurableQueue(join(options.dataDir, 'outbox'))
  const leftovers = await queue.peekAll()
  const refreshMs = options.tokenRefreshMs ?? DEFAULT_TOKEN_REFRESH_MS
  const reportConnectionError = (err: Error) => options.onConnectionError?.(err)

  let token = await device.createConnectToken()
  let tokenAt = Date.now()
  const client: MqttClient = connect(url, {
    clientId: `veriot-${device.deviceId}`,
    clean: false,
    username: device.deviceId,
    password: token,
    protocolVersion: 4,
    reconnectPeriod: options.reconnectPeriodMs ?? DEFAULT_RECONNECT_PERIOD_MS,
    // Keep retrying after a refused CONNACK too (gateway restarting, registry briefly
    // unreachable): nothing queued may be stranded because one connection was refused.
    reconnectOnConnackError: true,
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    resubscribe: true,
  })

  let closed = false
  const listeners = new Set<(rejection: GatewayRejection) => void>()
  const drainWaiters = new Set<{ resolve: () => void; reject: (err: Error) => void }>()
  const removals = new Set<Promise<void>>()
  // Each item is handed to mqtt.js once per run: with a persistent session mqtt.js keeps
  // unacknowledged QoS 1 messages and resends them after every reconnect itself. Only those
  // it fails outright are handed over again, at the next connect.
  const retry: QueuedItem[] = []
  // Serialises sign → push → hand-over, so queue order, sequence order and send order agree.
  let tail: Promise<unknown> = Promise.resolve()

  let refreshing: Promise<void> | undefined
  function refreshToken(): void {
    if (closed || refreshing !== undefined) return
    refreshing = device
      .createConnectToken()
      .then((fresh) => {
        token = fresh
        tokenAt = Date.now()
        // mqtt.js reads options.password at every (re)connect.
        client.options.password = token
      })
      .catch((err: unknown) => reportConnectionError(asError(err)))
      .finally(() => {
        refreshing = undefined
      })
  }
  const refreshTimer = setInterval(refreshToken, refreshMs)
  refreshTimer.unref()

  client.on('close', () => {
    if (Date.now() - tokenAt >= MIN_TOKEN_AGE_FOR_CLOSE_REFRESH_MS) refreshToken()
  })
  client.on('error', reportConnectionError)
  client.on('connect', () => {
    for (const item of retry.splice(0)) handOver(item)
  })
  client.on('message', (topic, payload) => {
    if (topic !== topics.errors) return
    const rejection = parseRejection(payload)
    if (rejection === undefined) return
    if (attestation && rejection.code === 'ATTESTATION_REQUIRED') {
      attestation.invalidate()
      attestNow()
    }
    for (const listener of listeners) {
      try {
        listener(rejection)
      } catch {
        // A failing listener must not stop delivery or the other listeners.
      }
    }
  })
  client.subscribe(topics.errors, { qos: 1 }, (err) => {
    if (err && !closed) reportConnectionError(err)
  })

  // Attestation gate: while the device has no fresh attestation, queued messages wait here (in
  // order) instead of going to the broker, where the gateway would refuse them.
  const held: QueuedItem[] = []
  let attesting = false
  let attestFailures = 0
  let attestTimer: ReturnType<typeof setTimeout> | undefined
  function gate(item: QueuedItem): void {
    if (!attestation || (held.length === 0 && attestation.isFresh())) {
      handOver(item)
      return
    }
    held.push(item)
    attestNow()
  }
  function attestNow(): void {
    if (!attestation || closed || attesting) return
    attesting = true
    clearTimeout(attestTimer)
    attestation.ensure().then(
      () => {
        attesting = false
        attestFailures = 0
        if (closed) return
        for (const item of held.splice(0)) handOver(item)
        scheduleAttest(Math.max(0, attestation.renewAt() - Date.now()))
      },
      (err: unknown) => {
        attesting = false
        reportConnectionError(asError(err))
        attestFailures++
        scheduleAttest(Math.min(60_000, 1_000 * 2 ** Math.min(attestFailures - 1, 6)))
      },
    )
  }
  function scheduleAttest(ms: number): void {
    if (closed) return
    clearTimeout(attestTimer)
    attestTimer = setTimeout(attestNow, ms)
    attestTimer.unref()
  }
  if (attestation) attestNow()

  function handOver(item: QueuedItem): void {
    const payload = Buffer.from(item.bytes.buffer, item.bytes.byteOffset, item.bytes.byteLength)
    client.publish(topics.telemetry, payload, { qos: 1 }, (err) => {
      if (closed) return
      if (err) {
        reportConnectionError(err)
        retry.push(item)
        return
      }
      const removal = queue.remove(item.name).then(
        () => {
          if (queue.size() === 0) settleWaiters()
        },
        (cause: unknown) => reportConnectionError(asError(cause)),
      )
      removals.add(removal)
      void removal.finally(() => removals.delete(removal))
    })
  }

  function settleWaiters(error?: Error): void {
    for (const waiter of drainWaiters) {
      if (error === undefined) waiter.resolve()
      else waiter.reject(error)
    }
    drainWaiters.clear()
  }

  for (const item of leftovers) gate(item)

  return {
    deviceId: device.deviceId,
    attestation,
    publish(type, readings) {
      if (closed) return Promise.reject(closedError(device.deviceId))
      const run = tail.then(async () => {
        const signed = await device.sign(type, readings)
        const name = await queue.push(signed.bytes)
        if (!closed) gate({ name, bytes: signed.bytes })
        return { readingId: signed.readingId, sequence: signed.message.sequence }
      })
      tail = run.catch(() => {})
      return run
    },
    async flush() {
      await tail
      if (queue.size() === 0) return
      if (closed) throw closedError(device.deviceId, queue.size())
      await new Promise<void>((resolve, reject) => drainWaiters.add({ resolve, reject }))
    },
    onError(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    pending: () => queue.size(),
    connected: () => client.connected,
    async close() {
      if (closed) return
      closed = true
      clearInterval(refreshTimer)
      clearTimeout(attestTimer)
      await tail
      await client.endAsync(true)
      await Promise.all(removals)
      await refreshing
      settleWaiters(closedError(device.deviceId, queue.size()))
    },
  }
}

function brokerUrlOf(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch (cause) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      '"url" expected an mqtt(s) URL, got an unparsable string',
      {
        cause,
      },
    )
  }
  if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') {
    throw new VeriotError('INVALID_ARGUMENT', `"url" expected mqtt: or mqtts:, got ${url.protocol}`)
  }
  // The device logs in with its id and a connect token; other credentials would be ignored
  // or leak into logs.
  if (url.username !== '' || url.password !== '') {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      '"url" expected no credentials, got a URL with user info',
    )
  }
  return url.toString()
}

function parseRejection(payload: Uint8Array): GatewayRejection | undefined {
  try {
    if (payload.length > 8192) return undefined
    const result = rejectionSchema.safeParse(JSON.parse(Buffer.from(payload).toString('utf8')))
    if (!result.success) return undefined
    const { code, message, readingId, sequence } = result.data
    return Object.freeze({
      code,
      message,
      ...(readingId === undefined ? {} : { readingId: readingId as Hex }),
      ...(sequence === undefined ? {} : { sequence }),
    })
  } catch {
    return undefined
  }
}

function closedError(deviceId: Hex, pending = 0): VeriotError {
  return new VeriotError(
    'GATEWAY_UNREACHABLE',
    `MQTT publisher of device ${deviceId} is closed; ${pending} message(s) stay queued for the next start`,
    { context: { deviceId, pending } },
  )
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
