// Worker thread that plays the devices: one mqtt.js client per device, publishing pre-signed
// messages at full speed with QoS 1 and a window of unacknowledged messages per client.
// Runs apart from the gateway's thread so the load generator does not share its event loop.

import { parentPort, workerData } from 'node:worker_threads'
import { mqttTopicsOf } from '@veriot/device'
import mqtt from 'mqtt'
import { diffSchedStat, readThreadSchedStat } from '../threads/readThreadSchedStat.ts'

export type PublisherTask = {
  url: string
  /** Unacknowledged QoS 1 messages each client keeps in flight. */
  window: number
  clients: Array<{ deviceId: string; token: string; messages: Uint8Array[] }>
}
export type PublishersReady = { kind: 'ready' }
export type PublishersDone = {
  kind: 'done'
  /** performance.timeOrigin + performance.now() (ms since the epoch, sub-ms precision). */
  firstPublishAt: number
  lastAckAt: number
  acked: number
  failed: number
  /** This thread's CPU time from "go" to the last PUBACK (undefined off Linux). */
  cpuMs: number | undefined
}

const port = parentPort
if (!port) throw new Error('publisherWorker.ts runs only as a worker thread')
const task = workerData as PublisherTask
const clock = () => performance.timeOrigin + performance.now()

const clients = await Promise.all(
  task.clients.map((c) =>
    mqtt.connectAsync(task.url, {
      clientId: `veriot-bench-${c.deviceId}`,
      username: c.deviceId,
      password: c.token,
      clean: true,
      reconnectPeriod: 0,
    }),
  ),
)
port.postMessage({ kind: 'ready' } satisfies PublishersReady)
port.once('message', () => {
  const total = task.clients.reduce((n, c) => n + c.messages.length, 0)
  let acked = 0
  let failed = 0
  let lastAckAt = 0
  const schedAtGo = readThreadSchedStat()
  const firstPublishAt = clock()
  const finish = () => {
    port.postMessage({
      kind: 'done',
      firstPublishAt,
      lastAckAt,
      acked,
      failed,
      cpuMs: diffSchedStat(schedAtGo, readThreadSchedStat())?.cpuMs,
    } satisfies PublishersDone)
    Promise.all(clients.map((c) => c.endAsync())).then(() => port.close())
  }
  task.clients.forEach((c, i) => {
    const client = clients[i] as mqtt.MqttClient
    const topic = mqttTopicsOf(c.deviceId).telemetry
    let next = 0
    let inFlight = 0
    const pump = () => {
      while (inFlight < task.window && next < c.messages.length) {
        const payload = Buffer.from(c.messages[next++] as Uint8Array)
        inFlight++
        client.publish(topic, payload, { qos: 1 }, (err) => {
          inFlight--
          if (err) failed++
          else acked++
          lastAckAt = clock()
          if (acked + failed === total) finish()
          else pump()
        })
      }
    }
    pump()
  })
})
