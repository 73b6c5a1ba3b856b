// The embedded MQTT broker (aedes) on loopback or any interface. Devices authenticate with a
// connect token signed by their registered P-256 key; each may publish only to its own
// telemetry topic and subscribe only to its own errors topic. A message is checked and
// persisted inside authorizePublish, so aedes sends PUBACK only after it is on disk.

import { createServer, type Server } from 'node:net'
import { verifyMqttConnectToken } from '@veriot/device'
import { Aedes, type Client, type PublishPacket, type Subscription } from 'aedes'
import { type Hex, hexToBytes } from 'viem'
import type { DeviceCache } from './createDeviceCache.ts'
import type { Ingest } from './createIngest.ts'
import { isRetryableFailure } from './isRetryableFailure.ts'
import { rejectionPayload } from './rejectionPayload.ts'
import { deviceIdOfTelemetryTopic, errorsTopic } from './topics.ts'

export type MqttBroker = { readonly url: string; readonly port: number; stop(): Promise<void> }

export type MqttBrokerOptions = {
  ingest: Ingest
  devices: DeviceCache
  host?: string
  port?: number
  /** Allowed clock difference for connect tokens, ms. Default 5 minutes. */
  maxSkewMs?: number
  now?: () => number
  /**
   * Told of refusals: `rejected` (a message failed a check), `forbidden` (an authenticated
   * device published outside its topics), `auth-failed` (a connect under a device identity
   * whose token did not verify — not attributable to that device).
   */
  onEvent?: (event: {
    kind: 'rejected' | 'forbidden' | 'auth-failed'
    deviceId?: string
    code: string
  }) => void
}

const deviceIdOf = (client: Client | null): Hex | undefined =>
  (client as (Client & { veriotDeviceId?: Hex }) | null)?.veriotDeviceId

export async function startMqttBroker(options: MqttBrokerOptions): Promise<MqttBroker> {
  const now = options.now ?? Date.now
  const broker = await Aedes.createBroker({ drainTimeout: 30_000, maxClientsIdLength: 128 })

  broker.authenticate = (client, username, password, callback) => {
    const id = (username ?? '').toLowerCase()
    const fail = (code: number) => {
      const err = Object.assign(new Error('not authorized'), { returnCode: code })
      callback(err as never, false)
    }
    if (!/^0x[0-9a-f]{64}$/.test(id) || password === undefined) return fail(4)
    options.devices.get(id as Hex).then(
      (device) => {
        if (!device || device.status === 'decommissioned') return fail(5)
        const ok = verifyMqttConnectToken(password.toString('utf8'), {
          deviceId: id as Hex,
          p256PublicKey: hexToBytes(device.publicKey),
          now: now(),
          maxSkewMs: options.maxSkewMs ?? 5 * 60_000,
        })
        if (!ok) {
          options.onEvent?.({ kind: 'auth-failed', deviceId: id, code: 'TOPIC_FORBIDDEN' })
          return fail(4)
        }
        ;(client as Client & { veriotDeviceId?: Hex }).veriotDeviceId = id as Hex
        callback(null, true)
      },
      () => fail(3), // registry unreachable: "server unavailable"
    )
  }

  broker.authorizeSubscribe = (client, sub: Subscription, callback) => {
    const id = deviceIdOf(client)
    callback(null, id && sub.topic === errorsTopic(id) ? sub : null)
  }

  // Telemetry is consumed by the gateway, never forwarded to other clients.
  broker.authorizeForward = (_client, packet) =>
    deviceIdOfTelemetryTopic(packet.topic) ? null : packet

  broker.authorizePublish = (client, packet: PublishPacket, callback) => {
    const id = deviceIdOf(client)
    const topicId = deviceIdOfTelemetryTopic(packet.topic)
    if (!id || topicId !== id) {
      options.onEvent?.({
        kind: 'forbidden',
        code: 'TOPIC_FORBIDDEN',
        ...(id ? { deviceId: id } : {}),
      })
      return callback(new Error(`TOPIC_FORBIDDEN: ${packet.topic}`))
    }
    // A view, not a copy: the parser gives each packet a payload of its own, and decodeTelemetry
    // copies the fields it keeps.
    const buffer = packet.payload as Buffer
    const payload = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length)
    options.ingest.ingest(payload, { expectedDeviceId: id }).then(
      () => callback(null),
      (err) => {
        const body = rejectionPayload(err)
        if (isRetryableFailure(body.code)) {
          // Not checked or not persisted (chain or store down): no PUBACK. aedes drops the
          // connection and the client sends the message again after reconnecting.
          return callback(new Error(body.code))
        }
        options.onEvent?.({ kind: 'rejected', deviceId: id, code: body.code })
        broker.publish(
          {
            cmd: 'publish',
            topic: errorsTopic(id),
            payload: Buffer.from(JSON.stringify(body)),
            qos: 1,
            retain: false,
            dup: false,
          },
          () => {},
        )
        // The message was received and answered: acknowledge it so it is not redelivered.
        callback(null)
      },
    )
  }

  // No Nagle delay: a rejection (errors publish) and its PUBACK are two small writes, and the
  // second would otherwise wait for the device's delayed ACK (40 ms on Linux).
  const server: Server = createServer({ noDelay: true }, broker.handle)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 1883, options.host ?? '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `mqtt://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    async stop() {
      await new Promise<void>((resolve) => broker.close(() => resolve()))
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
