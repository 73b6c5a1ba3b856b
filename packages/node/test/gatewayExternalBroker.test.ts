// The gateway on an external broker: Debian's Mosquitto, started by the test with an ACL that
// confines each device (username = device id) to its own topics, and a gateway user that reads
// every telemetry topic and writes every errors topic.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { decodeTelemetry, encodeTelemetry, readingIdOf } from '@veriot/core'
import { createMqttPublisher, createTelemetryDevice } from '@veriot/device'
import mqtt from 'mqtt'
import type { Hex } from 'viem'
import { type Gateway, startGateway } from '../src/gateway/startGateway.ts'
import { errorsTopic, telemetryTopic } from '../src/gateway/topics.ts'
import { type ActiveDevice, createActiveDevice } from './support/createActiveDevice.ts'
import { isMosquittoInstalled, type Mosquitto, startMosquitto } from './support/startMosquitto.ts'
import { type RestartableChain, startRestartableChain } from './support/startRestartableChain.ts'
import { until, within } from './support/waitFor.ts'

const GATEWAY_USER = 'veriot-gateway'

// Mosquitto's %u is the client's username: a device's username is its id.
const ACL = `# devices: own telemetry topic (write) and own errors topic (read), nothing else
pattern write veriot/devices/%u/telemetry
pattern read veriot/devices/%u/errors

user ${GATEWAY_USER}
topic read veriot/devices/+/telemetry
topic write veriot/devices/+/errors
`

const skip = isMosquittoInstalled() ? false : 'mosquitto not installed: apt-get install mosquitto'

describe('gateway on an external Mosquitto broker', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-mosquitto-'))
  let chain: RestartableChain | undefined
  let broker: Mosquitto | undefined
  let gateway: Gateway
  let alice: ActiveDevice
  let bob: ActiveDevice
  const clients: mqtt.MqttClient[] = []

  /** An MQTT 5 client logged in as `device` (Mosquitto checks no password here). */
  async function connectAs(device: ActiveDevice, suffix: string) {
    assert.ok(broker)
    const client = await mqtt.connectAsync(broker.url, {
      clientId: `veriot-${device.deviceId}-${suffix}`,
      username: device.deviceId,
      protocolVersion: 5,
      reconnectPeriod: 0,
    })
    clients.push(client)
    return client
  }

  const stored = async (bytes: Uint8Array) => !!(await gateway.store.getReading(readingIdOf(bytes)))

  before(async () => {
    chain = await startRestartableChain(dir)
    broker = await startMosquitto(dir, ACL)
    alice = await createActiveDevice(chain)
    bob = await createActiveDevice(chain)
    const url = new URL(broker.url)
    url.username = GATEWAY_USER
    url.password = 'not-checked'
    gateway = await startGateway({
      conn: await chain.as(9),
      deployment: chain.deployment,
      store: join(dir, 'gateway.sqlite'),
      attestation: false,
      mqttUrl: url.toString(),
      httpPort: 0,
      noAnchor: true,
    })
  })
  after(async () => {
    for (const c of clients) await c.endAsync(true)
    await gateway?.stop()
    await broker?.stop()
    await chain?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('default: a device publishing with createMqttPublisher gets its readings stored', async () => {
    assert.ok(broker)
    // The gateway shows the broker without its credentials.
    assert.ok(!gateway.mqttUrl.includes(GATEWAY_USER) && !gateway.mqttUrl.includes('not-checked'))
    const device = await createTelemetryDevice({ key: alice.key, dataDir: join(dir, 'alice') })
    const publisher = await createMqttPublisher({
      url: broker.url,
      device,
      dataDir: join(dir, 'alice'),
    })
    try {
      const ids: Hex[] = []
      for (let i = 0; i < 3; i++) {
        ids.push(
          (await publisher.publish('temperature', [{ name: 't', value: i, unit: 'Cel' }]))
            .readingId,
        )
      }
      // The device's PUBACK comes from Mosquitto; the gateway stores the readings right after.
      await within('the broker to acknowledge', publisher.flush())
      await until('the readings to be stored', async () => {
        for (const id of ids) if (!(await gateway.store.getReading(id))) return false
        return true
      })
    } finally {
      await publisher.close()
      await device.close()
    }
  })

  test("error: Mosquitto's ACL refuses a device publishing to another device's topic; nothing is stored", async () => {
    const client = await connectAs(alice, 'intruder')
    // Even a message Bob really signed is refused when Alice's connection publishes it.
    const bobs = await bob.message()
    await assert.rejects(
      client.publishAsync(telemetryTopic(bob.deviceId), Buffer.from(bobs), { qos: 1 }),
      (err: Error & { code?: number }) => {
        assert.equal(err.code, 135, err.message) // MQTT 5 "Not authorized"
        return true
      },
    )
    // The broker delivers in order: once Alice's next message is stored, Bob's would be too.
    const own = await alice.message({ sequence: 1_000 })
    await client.publishAsync(telemetryTopic(alice.deviceId), Buffer.from(own), { qos: 1 })
    await until('Alice’s own message to be stored', () => stored(own))
    assert.equal(await stored(bobs), false)
    assert.deepEqual(await gateway.store.listReadings({ deviceId: bob.deviceId, limit: 10 }), [])
  })

  test("error: Mosquitto's ACL keeps a device from reading another device's rejections", async () => {
    // Mosquitto grants the subscription but filters what it delivers by the read ACL.
    const nosy = await connectAs(alice, 'nosy')
    const seenByAlice: string[] = []
    nosy.on('message', (topic) => seenByAlice.push(topic))
    await nosy.subscribeAsync([errorsTopic(bob.deviceId), errorsTopic(alice.deviceId)], { qos: 1 })
    const owner = await connectAs(bob, 'owner')
    const seenByBob: string[] = []
    owner.on('message', (_topic, payload) => seenByBob.push(JSON.parse(payload.toString()).code))
    await owner.subscribeAsync(errorsTopic(bob.deviceId), { qos: 1 })

    const m = decodeTelemetry(await bob.message())
    const forged = encodeTelemetry({ ...m, readings: [{ name: 'temp', value: 99, unit: 'Cel' }] })
    await owner.publishAsync(telemetryTopic(bob.deviceId), Buffer.from(forged), { qos: 1 })
    await until('Bob to hear of his rejection', () => seenByBob.length === 1)
    assert.deepEqual(seenByBob, ['SIGNATURE_INVALID'])
    // The gateway publishes in order: once Alice hears of a later rejection of her own, Bob's
    // would have reached her before it.
    await nosy.publishAsync(telemetryTopic(alice.deviceId), Buffer.from([0xff]), { qos: 1 })
    await until('Alice to hear of her own rejection', () => seenByAlice.length >= 1)
    assert.deepEqual(seenByAlice, [errorsTopic(alice.deviceId)])
  })

  test('error: a rejected reading is answered on the device’s errors topic through the broker', async () => {
    const client = await connectAs(alice, 'errors')
    const rejections: Array<{ code: string; message: string }> = []
    client.on('message', (topic, payload) => {
      if (topic === errorsTopic(alice.deviceId)) rejections.push(JSON.parse(payload.toString()))
    })
    await client.subscribeAsync(errorsTopic(alice.deviceId), { qos: 1 })
    const send = (bytes: Uint8Array) =>
      client.publishAsync(telemetryTopic(alice.deviceId), Buffer.from(bytes), { qos: 1 })

    const replayed = await alice.message({ sequence: 2 }) // below the last accepted (1000)
    const good = await alice.message({ sequence: 2_000 })
    const m = decodeTelemetry(await alice.message({ sequence: 2_001 }))
    const signature = m.signature.slice()
    signature[0] = (signature[0] as number) ^ 0x80
    const forged = encodeTelemetry({ ...m, signature })
    const bobsOnAlicesTopic = await bob.message({ sequence: 5_000 })
    for (const bytes of [replayed, good, forged, bobsOnAlicesTopic]) await send(bytes)

    await until('three rejections', () => rejections.length >= 3, 10_000).catch((err) => {
      throw new Error(`${err.message}; got ${JSON.stringify(rejections)}`)
    })
    assert.deepEqual(
      rejections.map((r) => r.code),
      ['SEQUENCE_REPLAYED', 'SIGNATURE_INVALID', 'TOPIC_FORBIDDEN'],
    )
    assert.ok(await stored(good))
    for (const bytes of [replayed, forged, bobsOnAlicesTopic])
      assert.equal(await stored(bytes), false)
  })

  test('behavior: while the chain is down, known devices go on and nothing unchecked is acknowledged; the broker redelivers it afterwards', async () => {
    assert.ok(chain)
    // Carol is registered on chain, but the gateway has never seen her: it cannot check her
    // without the chain.
    const carol = await createActiveDevice(chain)
    const aliceClient = await connectAs(alice, 'outage')
    const carolClient = await connectAs(carol, 'outage')
    const rejections: string[] = []
    carolClient.on('message', (_topic, payload) => rejections.push(payload.toString()))
    await carolClient.subscribeAsync(errorsTopic(carol.deviceId), { qos: 1 })

    await chain.pause()
    let paused = true
    try {
      await new Promise((r) => setTimeout(r, 1_500)) // at least one failed registry poll
      // Alice is known: her readings are checked against her last-known record and stored.
      const aliceReadings = [await alice.message(), await alice.message()]
      for (const bytes of aliceReadings) {
        await aliceClient.publishAsync(telemetryTopic(alice.deviceId), Buffer.from(bytes), {
          qos: 1,
        })
      }
      await until('Alice stored during the outage', async () => {
        for (const bytes of aliceReadings) if (!(await stored(bytes))) return false
        return true
      })
      const unreachable = async () =>
        (await gateway.stats()).sinceStart.rejected.RPC_UNREACHABLE ?? 0
      const before = await unreachable()
      const queued = [await carol.message(), await carol.message()]
      for (const bytes of queued) {
        await carolClient.publishAsync(telemetryTopic(carol.deviceId), Buffer.from(bytes), {
          qos: 1,
        })
      }
      // The gateway tries, cannot check, withholds its PUBACK, reconnects, is redelivered to…
      await until('a redelivery during the outage', async () => (await unreachable()) >= before + 2)
      for (const bytes of queued) assert.equal(await stored(bytes), false)
      await chain.resume()
      paused = false
      await until(
        'the broker to redeliver once the chain is back',
        async () =>
          (await stored(queued[0] as Uint8Array)) && (await stored(queued[1] as Uint8Array)),
      )
      assert.deepEqual(rejections, [], 'no rejection was sent for a message that was not judged')
    } finally {
      if (paused) await chain.resume()
      await aliceClient.endAsync()
      await carolClient.endAsync()
    }
  })
})
