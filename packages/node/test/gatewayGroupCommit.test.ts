// Group commit seen from the devices: several devices publish bursts over MQTT at once to a
// gateway with a verifier thread. Every PUBACK must come after its reading was committed
// (checked on another SQLite connection when the PUBACK arrives), readings share transactions,
// and a validly signed replay inside a burst is refused, not stored.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { readingIdOf } from '@veriot/core'
import { createMqttConnectToken } from '@veriot/device'
import Database from 'better-sqlite3'
import mqtt from 'mqtt'
import { type Hex, hexToBytes } from 'viem'
import { type Gateway, startGateway } from '../src/gateway/startGateway.ts'
import { errorsTopic, telemetryTopic } from '../src/gateway/topics.ts'
import { createSqliteStore } from '../src/store/createSqliteStore.ts'
import { type ActiveDevice, createActiveDevice } from './support/createActiveDevice.ts'
import { startTestChain, type TestChain } from './testChain.ts'

const DEVICES = 4
const PER_DEVICE = 40

describe('gateway: group commit over MQTT', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-gateway-group-'))
  const file = join(dir, 'gateway.sqlite')
  const groups: number[] = []
  let chain: TestChain
  let gateway: Gateway
  let reader: Database.Database

  before(async () => {
    chain = await startTestChain()
    gateway = await startGateway({
      conn: await chain.as(9),
      deployment: chain.deployment,
      store: createSqliteStore(file, { onGroupCommit: ({ size }) => groups.push(size) }),
      attestation: false,
      mqttPort: 0,
      httpPort: 0,
      noAnchor: true,
      verifyThreads: 1,
    })
    reader = new Database(file, { readonly: true })
  })
  after(async () => {
    reader?.close()
    await gateway?.stop()
    await chain?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const isCommitted = (id: Hex) =>
    reader.prepare('SELECT 1 FROM readings WHERE id = ?').get(Buffer.from(hexToBytes(id))) !==
    undefined

  test('behavior: concurrent bursts from several devices: every PUBACK after its commit, all stored, transactions shared', async () => {
    const devices: ActiveDevice[] = []
    for (let i = 0; i < DEVICES; i++) devices.push(await createActiveDevice(chain))
    const bursts = await Promise.all(
      devices.map(async (d) => {
        const messages: Uint8Array[] = []
        for (let s = 1; s <= PER_DEVICE; s++) messages.push(await d.message({ sequence: s }))
        // Signed by the device, so only the sequence check can refuse it.
        const replay = await d.message({
          sequence: 10,
          readings: [{ name: 'temp', value: 99, unit: 'Cel' }],
        })
        // The replay goes out right behind the reading it replays, in the same burst.
        return {
          device: d,
          messages,
          replay,
          order: [...messages.slice(0, 10), replay, ...messages.slice(10)],
        }
      }),
    )
    const clients = await Promise.all(
      devices.map(async (d) => {
        const client = await mqtt.connectAsync(gateway.mqttUrl, {
          clientId: `veriot-${d.deviceId}`,
          username: d.deviceId,
          password: await createMqttConnectToken(d.key, d.deviceId, Date.now()),
          reconnectPeriod: 0,
        })
        await client.subscribeAsync(errorsTopic(d.deviceId), { qos: 1 })
        return client
      }),
    )
    try {
      const rejections = clients.map(
        (client) =>
          new Promise<{ code: string }>((resolve) =>
            client.once('message', (_t, p) => resolve(JSON.parse(p.toString()))),
          ),
      )
      groups.length = 0
      const notCommittedAtAck: Hex[] = []
      await Promise.all(
        bursts.flatMap(({ device, order }, i) =>
          order.map((bytes) =>
            (clients[i] as mqtt.MqttClient)
              .publishAsync(telemetryTopic(device.deviceId), Buffer.from(bytes), { qos: 1 })
              .then(() => {
                const id = readingIdOf(bytes)
                if (bytes !== bursts[i]?.replay && !isCommitted(id)) {
                  notCommittedAtAck.push(id)
                }
              }),
          ),
        ),
      )
      assert.deepEqual(notCommittedAtAck, [], 'a PUBACK arrived before its reading was committed')
      for (const r of await Promise.all(rejections)) assert.equal(r.code, 'SEQUENCE_REPLAYED')
      for (const { device, messages, replay } of bursts) {
        for (const bytes of messages) assert.ok(isCommitted(readingIdOf(bytes)))
        assert.equal(isCommitted(readingIdOf(replay)), false)
        assert.equal(await gateway.store.getLastSequence(device.deviceId), PER_DEVICE)
      }
      // All readings, and nothing else, arrived in fewer transactions than readings.
      assert.equal(
        groups.reduce((a, b) => a + b, 0),
        DEVICES * (PER_DEVICE + 1),
      )
      assert.ok(
        Math.max(...groups) > 1,
        `expected shared transactions, got groups ${groups.join(',')}`,
      )
      const stats = await gateway.stats()
      assert.equal(stats.sinceStart.accepted, DEVICES * PER_DEVICE)
      assert.equal(stats.sinceStart.rejected.SEQUENCE_REPLAYED, DEVICES)
    } finally {
      await Promise.all(clients.map((c) => c.endAsync()))
    }
  })
})
