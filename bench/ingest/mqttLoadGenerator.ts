// Child process that plays a fleet of devices for the ingest benchmark: one MQTT 3.1.1
// connection per device (connect token as password, as the SDK sends it), pre-encoded QoS 1
// PUBLISH packets written one write() per message as a device would, a window of
// unacknowledged messages per connection, and PUBACKs counted as they come back. It does as
// little as possible per message, so the gateway, not the load generator, is what is measured;
// it runs in its own process so the gateway process's CPU time is the gateway's alone.

import { connect, type Socket } from 'node:net'
import mqttPacket from 'mqtt-packet'

export type LoadTask = {
  host: string
  port: number
  /** Unacknowledged messages each connection keeps in flight. */
  window: number
  devices: Array<{ deviceId: string; token: string; topic: string; messages: Uint8Array[] }>
}
/** Parent → child. */
export type LoadCommand = { kind: 'task'; task: LoadTask } | { kind: 'go' }
/** Child → parent. */
export type LoadReport =
  | { kind: 'ready'; connections: number }
  | {
      kind: 'done'
      /** performance.timeOrigin + performance.now() (ms since the epoch, sub-ms precision). */
      firstPublishAt: number
      lastAckAt: number
      sent: number
      acked: number
      /** Packets other than PUBACK that arrived (e.g. a refusal on the errors topic). */
      otherPackets: number
      /** This process's CPU time (user + system) from "go" to the last PUBACK. */
      cpuMs: number
    }
  | { kind: 'failed'; message: string }

const PUBACK = 0x40
const clock = () => performance.timeOrigin + performance.now()
const send = (report: LoadReport) => process.send?.(report)

function connectDevice(task: LoadTask, device: LoadTask['devices'][number]): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(task.port, task.host)
    socket.setNoDelay(true)
    socket.once('error', reject)
    socket.once('connect', () => {
      socket.write(
        mqttPacket.generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clean: true,
          clientId: `veriot-bench-${device.deviceId}`,
          keepalive: 0,
          username: device.deviceId,
          password: Buffer.from(device.token),
        }),
      )
      socket.once('data', (data: Buffer) => {
        // CONNACK: 0x20 0x02 flags returnCode.
        if (data[0] !== 0x20 || data[3] !== 0) {
          reject(new Error(`connect of ${device.deviceId} refused: ${data.toString('hex')}`))
          return
        }
        socket.off('error', reject)
        resolve(socket)
      })
    })
  })
}

async function run(task: LoadTask): Promise<void> {
  const sockets = await Promise.all(task.devices.map((d) => connectDevice(task, d)))
  // Encoded before timing: the devices' own work is not what is measured.
  const packets = task.devices.map((d) =>
    d.messages.map((payload, i) =>
      mqttPacket.generate({
        cmd: 'publish',
        topic: d.topic,
        payload: Buffer.from(payload),
        qos: 1,
        messageId: (i % 65_535) + 1,
        retain: false,
        dup: false,
      }),
    ),
  )
  const total = packets.reduce((n, p) => n + p.length, 0)
  send({ kind: 'ready', connections: sockets.length })
  await new Promise<void>((resolve) => process.once('message', () => resolve()))

  let acked = 0
  let sent = 0
  let otherPackets = 0
  let lastAckAt = 0
  const cpuAtGo = process.cpuUsage()
  const firstPublishAt = clock()
  const finished = new Promise<void>((resolve) => {
    sockets.forEach((socket, c) => {
      const mine = packets[c] as Buffer[]
      let next = 0
      let inFlight = 0
      let rest: Buffer | undefined
      const pump = () => {
        while (inFlight < task.window && next < mine.length) {
          socket.write(mine[next++] as Buffer)
          inFlight++
          sent++
        }
      }
      socket.on('data', (chunk: Buffer) => {
        const data = rest ? Buffer.concat([rest, chunk]) : chunk
        let at = 0
        let acks = 0
        // Packets from the gateway are small: a one-byte remaining length covers them all.
        while (at + 2 <= data.length && at + 2 + (data[at + 1] as number) <= data.length) {
          if (data[at] === PUBACK) acks++
          else otherPackets++
          at += 2 + (data[at + 1] as number)
        }
        rest = at < data.length ? data.subarray(at) : undefined
        if (acks === 0) return
        inFlight -= acks
        acked += acks
        lastAckAt = clock()
        if (acked >= total) resolve()
        else pump()
      })
      pump()
    })
  })
  await finished
  const cpu = process.cpuUsage(cpuAtGo)
  send({
    kind: 'done',
    firstPublishAt,
    lastAckAt,
    sent,
    acked,
    otherPackets,
    cpuMs: (cpu.user + cpu.system) / 1000,
  })
  for (const socket of sockets) socket.end()
}

process.once('message', (command: LoadCommand) => {
  if (command.kind !== 'task') return
  run(command.task).then(
    () => process.disconnect?.(),
    (err: unknown) => {
      send({ kind: 'failed', message: err instanceof Error ? err.message : String(err) })
      process.disconnect?.()
    },
  )
})
