// Ingest through an external MQTT broker (Mosquitto, EMQX): the gateway subscribes to every
// device's telemetry topic with a persistent session (MQTT 5) and acknowledges a message
// only after it is persisted, so the broker redelivers anything the gateway did not store.
// The broker enforces who may publish where (its ACL, by device identity); the gateway
// checks again that the topic's device id is the message's.

import { VeriotError } from '@veriot/core'
import mqtt from 'mqtt'
import type { Address } from 'viem'
import { redactUrl } from '../chain/connectChain.ts'
import type { Ingest } from './createIngest.ts'
import { isRetryableFailure } from './isRetryableFailure.ts'
import { rejectionPayload } from './rejectionPayload.ts'
import { deviceIdOfTelemetryTopic, errorsTopic, TELEMETRY_TOPIC_FILTER } from './topics.ts'

/** Pause before reconnecting to get unacknowledged messages redelivered, ms. */
const REDELIVERY_PAUSE_MS = 1_000

export async function connectExternalBroker(options: {
  url: string
  ingest: Ingest
  gateway: Address | undefined
  username?: string
  password?: string
}): Promise<{ url: string; stop(): Promise<void> }> {
  const client = mqtt.connect(options.url, {
    protocolVersion: 5,
    clean: false,
    clientId: `veriot-gateway-${(options.gateway ?? 'anonymous').toLowerCase()}`,
    properties: { sessionExpiryInterval: 0xffffffff },
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...(options.username ? { username: options.username } : {}),
    ...(options.password ? { password: options.password } : {}),
    customHandleAcks: (topic, message, _packet, done) => {
      const deviceId = deviceIdOfTelemetryTopic(topic)
      if (!deviceId) return done(0)
      options.ingest.ingest(new Uint8Array(message), { expectedDeviceId: deviceId }).then(
        () => done(0),
        (err) => {
          const body = rejectionPayload(err)
          if (isRetryableFailure(body.code)) {
            // Not checked or not stored (chain or store down): no PUBACK; drop the connection
            // so that the broker redelivers from the persistent session.
            redeliverLater()
            return
          }
          client.publish(errorsTopic(deviceId), JSON.stringify(body), { qos: 1 })
          done(0)
        },
      )
    },
  })
  let stopped = false
  let recovering = false
  let redelivery: NodeJS.Timeout | undefined
  // One reconnection for all the messages that failed together, after a pause: the broker
  // redelivers at once, and an outage would otherwise become a busy loop.
  function redeliverLater(): void {
    if (stopped || recovering) return
    recovering = true
    client.end(true, () => {
      redelivery = setTimeout(() => {
        recovering = false
        if (!stopped) client.reconnect()
      }, REDELIVERY_PAUSE_MS)
    })
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new VeriotError(
            'RPC_UNREACHABLE',
            `MQTT broker ${redactUrl(options.url)} did not answer`,
          ),
        ),
      15_000,
    )
    client.once('connect', () => {
      clearTimeout(timer)
      resolve()
    })
    client.once('error', (err) => {
      clearTimeout(timer)
      reject(
        new VeriotError('RPC_UNREACHABLE', `MQTT broker ${redactUrl(options.url)}: ${err.message}`),
      )
    })
  })
  await client.subscribeAsync(TELEMETRY_TOPIC_FILTER, { qos: 1 })
  return {
    url: redactUrl(options.url),
    stop: () => {
      stopped = true
      clearTimeout(redelivery)
      return client.endAsync()
    },
  }
}
