import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type TestContext, test } from 'node:test'
import { p256 } from '@noble/curves/nist.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import {
  decodeTelemetry,
  isVeriotError,
  readingIdOf,
  type TelemetryMessage,
  verifyTelemetrySignature,
} from '@veriot/core'
import { connect, type MqttClient } from 'mqtt'
import {
  createMqttPublisher,
  createTelemetryDevice,
  type GatewayRejection,
  type MqttPublisher,
  mqttTopicsOf,
  type TelemetryDevice,
  verifyMqttConnectToken,
} from '../../src/index.ts'
import type { DeviceKey } from '../../src/keys/DeviceKey.ts'
import { createSoftwareKey } from '../../src/keys/software/createSoftwareKey.ts'
import { createMosquitto, hasMosquitto, sleep, waitFor } from './support/mosquitto.ts'

const readings = [{ name: 'temp', value: -21.5, unit: 'Cel' }]
// A delivery bug shows as a flush() that never resolves: fail it instead of hanging the run.
const timeout = { timeout: 30_000 }

type Received = { topic: string; payload: Uint8Array; message: TelemetryMessage }

/** Everything one test starts, stopped in reverse order by t.after. */
async function setup(t: TestContext, persistence = false) {
  const dir = await mkdtemp(join(tmpdir(), 'veriot-mqtt-'))
  const broker = await createMosquitto(dir, { persistence })
  const key: DeviceKey = createSoftwareKey(p256.utils.randomSecretKey())
  const device = await createTelemetryDevice({ key, dataDir: join(dir, 'device') })
  const clients: MqttClient[] = []
  const publishers: MqttPublisher[] = []
  t.after(async () => {
    for (const p of publishers) await p.close()
    for (const c of clients) await c.endAsync(true)
    await broker.stop()
    await device.close()
    await rm(dir, { recursive: true, force: true })
  })
  async function publisher(extra: { tokenRefreshMs?: number; device?: TelemetryDevice } = {}) {
    const p = await createMqttPublisher({
      url: broker.url,
      device: extra.device ?? device,
      dataDir: join(dir, 'device'),
      reconnectPeriodMs: 100,
      connectTimeoutMs: 2_000,
      ...(extra.tokenRefreshMs === undefined ? {} : { tokenRefreshMs: extra.tokenRefreshMs }),
    })
    publishers.push(p)
    return p
  }
  /**
   * A plain mqtt.js client on `veriot/devices/+/telemetry` with a persistent session, so
   * messages published while it is away (or before a broker restart, with persistence) are
   * kept for it.
   */
  async function observer() {
    const received: Received[] = []
    const client = connect(broker.url, {
      clientId: `observer-${bytesToHex(p256.utils.randomSecretKey()).slice(0, 8)}`,
      clean: false,
      reconnectPeriod: 100,
    })
    clients.push(client)
    client.on('error', () => {})
    client.on('message', (topic, payload) => {
      if (!topic.endsWith('/telemetry')) return
      const bytes = new Uint8Array(payload)
      received.push({ topic, payload: bytes, message: decodeTelemetry(bytes) })
    })
    await new Promise<void>((resolve) => client.once('connect', () => resolve()))
    await client.subscribeAsync('veriot/devices/+/telemetry', { qos: 1 })
    return { client, received }
  }
  return { dir, broker, key, device, publisher, observer }
}

function skipWithoutMosquitto(t: TestContext): boolean {
  if (hasMosquitto) return false
  t.skip('mosquitto not installed: apt-get install mosquitto')
  return true
}

function sequencesOf(received: Received[]): number[] {
  return received.map((r) => r.message.sequence)
}

test(
  'default: published bytes arrive on the device topic, decode and verify',
  timeout,
  async (t) => {
    if (skipWithoutMosquitto(t)) return
    const { broker, key, device, publisher, observer } = await setup(t)
    await broker.start()
    const { received } = await observer()
    const pub = await publisher()
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await pub.publish('climate', readings)).readingId)
    await pub.flush()
    assert.equal(pub.pending(), 0)
    await waitFor('5 messages at the observer', () => received.length === 5)
    assert.deepEqual(sequencesOf(received), [1, 2, 3, 4, 5])
    for (const [i, r] of received.entries()) {
      assert.equal(r.topic, mqttTopicsOf(device.deviceId).telemetry)
      assert.equal(readingIdOf(r.payload), ids[i])
      assert.equal(verifyTelemetrySignature(r.message, { p256PublicKey: key.publicKey }), true)
    }
    // The broker saw the agreed CONNECT: client id, persistent session (c0), username.
    assert.match(
      broker.log(),
      new RegExp(`as veriot-${device.deviceId} \\(p2, c0, k\\d+, u'${device.deviceId}'\\)`),
    )
  },
)

test(
  'behavior: offline — publish resolves while the broker is down; all arrive after it starts',
  timeout,
  async (t) => {
    if (skipWithoutMosquitto(t)) return
    const { broker, publisher, observer } = await setup(t, true)
    // Register the observer's session, then take the broker down (its session is saved).
    await broker.start()
    const watcher = await observer()
    await broker.stop()
    const pub = await publisher()
    for (let i = 0; i < 6; i++) await pub.publish('climate', readings)
    assert.equal(pub.pending(), 6)
    assert.equal(pub.connected(), false)
    await sleep(300) // a few failed reconnect attempts
    assert.equal(pub.pending(), 6)
    await broker.start()
    await pub.flush()
    assert.equal(pub.pending(), 0)
    await waitFor('6 messages at the observer', () => watcher.received.length === 6)
    assert.deepEqual(sequencesOf(watcher.received), [1, 2, 3, 4, 5, 6])
  },
)

test(
  'behavior: a new publisher on the same data directory sends the leftovers first',
  timeout,
  async (t) => {
    if (skipWithoutMosquitto(t)) return
    const { dir, broker, publisher, observer } = await setup(t)
    // Broker down: nothing can be acknowledged, so close() leaves everything queued.
    const first = await publisher()
    for (let i = 0; i < 4; i++) await first.publish('climate', readings)
    await first.close()
    assert.equal(first.pending(), 4)
    await assert.rejects(first.publish('climate', readings), (err) =>
      isVeriotError(err, 'GATEWAY_UNREACHABLE'),
    )
    assert.equal((await readdir(join(dir, 'device', 'outbox'))).length, 4)

    await broker.start()
    const { received } = await observer()
    const second = await publisher()
    assert.equal(second.pending(), 4)
    await second.publish('climate', readings)
    await second.publish('climate', readings)
    await second.flush()
    await waitFor('6 messages at the observer', () => received.length === 6)
    assert.deepEqual(sequencesOf(received), [1, 2, 3, 4, 5, 6])
    assert.deepEqual(await readdir(join(dir, 'device', 'outbox')), [])
  },
)

test(
  'behavior: gateway rejections on the errors topic reach onError; malformed ones are dropped',
  timeout,
  async (t) => {
    if (skipWithoutMosquitto(t)) return
    const { broker, device, publisher, observer } = await setup(t)
    await broker.start()
    const gateway = await observer()
    const pub = await publisher()
    const rejections: GatewayRejection[] = []
    const unsubscribe = pub.onError((r) => rejections.push(r))
    pub.onError(() => {
      throw new Error('a failing listener does not stop the others')
    })
    const errors = mqttTopicsOf(device.deviceId).errors
    const rejection = {
      code: 'SEQUENCE_REPLAYED',
      message: '"seq" expected > 7, got 3',
      readingId: `0x${'ab'.repeat(32)}`,
      sequence: 3,
    }
    // Until the publisher's subscription is in place, a rejection may find no subscriber.
    await waitFor('the first rejection', () => {
      if (rejections.length === 0)
        gateway.client.publish(errors, JSON.stringify(rejection), { qos: 1 })
      return rejections.length > 0
    })
    assert.deepEqual(rejections[0], rejection)
    const before = rejections.length
    const hostile = [
      'not json',
      '{"code":"lowercase","message":"x"}',
      '{"code":"X","message":1}',
      `{"code":"X","message":"x","sequence":-1}`,
      `{"code":"X","message":"x","readingId":"0x12"}`,
      'null',
      '[]',
      JSON.stringify({ code: 'X', message: 'x'.repeat(9000) }),
    ]
    for (const payload of hostile) await gateway.client.publishAsync(errors, payload, { qos: 1 })
    await gateway.client.publishAsync(
      errors,
      JSON.stringify({ code: 'TIMESTAMP_SKEW', message: 'late' }),
      {
        qos: 1,
      },
    )
    await waitFor('the rejection after the hostile ones', () =>
      rejections.some((r) => r.code === 'TIMESTAMP_SKEW'),
    )
    assert.deepEqual(
      rejections.slice(before).filter((r) => r.code !== 'SEQUENCE_REPLAYED'),
      [{ code: 'TIMESTAMP_SKEW', message: 'late' }],
    )
    unsubscribe()
    const count = rejections.length
    await gateway.client.publishAsync(errors, JSON.stringify({ code: 'X', message: 'after' }), {
      qos: 1,
    })
    await sleep(200)
    assert.equal(rejections.length, count)
  },
)

test(
  'behavior: a broker restart mid-stream loses nothing and keeps the order',
  timeout,
  async (t) => {
    if (skipWithoutMosquitto(t)) return
    const { broker, publisher, observer } = await setup(t, true)
    await broker.start()
    const watcher = await observer()
    const pub = await publisher()
    for (let i = 0; i < 5; i++) await pub.publish('climate', readings)
    await broker.stop()
    for (let i = 0; i < 5; i++) await pub.publish('climate', readings)
    assert.ok(pub.pending() >= 5)
    await broker.start()
    await pub.flush()
    await waitFor(
      '10 distinct messages at the observer',
      () => new Set(sequencesOf(watcher.received)).size === 10,
    )
    // QoS 1 is at least once: a message whose PUBACK was lost in the restart may come twice.
    const distinct = [...new Set(sequencesOf(watcher.received))]
    assert.deepEqual(distinct, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  },
)

test(
  'behavior: the connect token is renewed on a timer and every token verifies',
  timeout,
  async (t) => {
    if (skipWithoutMosquitto(t)) return
    const { broker, key, device, publisher } = await setup(t)
    const tokens: string[] = []
    const recording: TelemetryDevice = {
      deviceId: device.deviceId,
      sign: device.sign,
      close: device.close,
      async createConnectToken() {
        const token = await device.createConnectToken()
        tokens.push(token)
        return token
      },
    }
    await broker.start()
    const pub = await publisher({ device: recording, tokenRefreshMs: 50 })
    await waitFor('three tokens', () => tokens.length >= 3)
    await pub.publish('climate', readings)
    await pub.flush()
    for (const token of tokens) {
      const now = Number(token.split('.')[1])
      assert.equal(
        verifyMqttConnectToken(token, {
          deviceId: device.deviceId,
          p256PublicKey: key.publicKey,
          now,
        }),
        true,
      )
    }
  },
)

test('error: broker URLs that are not mqtt(s) or carry credentials', timeout, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'veriot-mqtt-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const device = await createTelemetryDevice({
    key: createSoftwareKey(p256.utils.randomSecretKey()),
    dataDir: dir,
  })
  for (const url of ['http://127.0.0.1:1883', 'mqtt://user:secret@127.0.0.1:1883', 'nope']) {
    await assert.rejects(createMqttPublisher({ url, device, dataDir: dir }), (err) => {
      assert.ok(isVeriotError(err, 'INVALID_ARGUMENT'), String(err))
      assert.doesNotMatch(err.message, /secret/)
      return true
    })
  }
})
