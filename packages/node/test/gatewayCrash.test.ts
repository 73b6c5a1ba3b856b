// Durability of the gateway against a hard kill: the gateway runs in a child process on a
// SQLite file; devices stream readings over HTTP and MQTT; the child gets SIGKILL mid-stream.
// Every reading acknowledged (HTTP 202, MQTT PUBACK) must be in the file, a new gateway on the
// same file must take the devices' later readings and retransmissions (as duplicates, stored
// once), and every reading must end up in a batch anchored on chain.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { readingIdOf } from '@veriot/core'
import {
  createMqttConnectToken,
  createMqttPublisher,
  createTelemetryDevice,
  type MqttPublisher,
} from '@veriot/device'
import mqtt from 'mqtt'
import type { Hex } from 'viem'
import { getAnvilAccount } from '../src/anvil/index.ts'
import { writeDeploymentFile } from '../src/deployment/deploymentFile.ts'
import { errorsTopic, telemetryTopic } from '../src/gateway/topics.ts'
import { createSqliteStore } from '../src/store/createSqliteStore.ts'
import { assertAllAnchored } from './support/anchorChecks.ts'
import { createActiveDevice } from './support/createActiveDevice.ts'
import { type GatewayProcess, spawnGateway } from './support/spawnGateway.ts'
import { until, within } from './support/waitFor.ts'
import { startTestChain, type TestChain } from './testChain.ts'

const GATEWAY_ACCOUNT = 9

/** POSTs a message; undefined when the gateway could not be reached (connection refused, reset). */
async function post(httpUrl: string, body: Uint8Array) {
  let response: Response
  try {
    response = await fetch(`${httpUrl}/v1/telemetry`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/cbor' },
    })
    return { status: response.status, body: (await response.json()) as any }
  } catch {
    return undefined
  }
}

describe('gateway killed with SIGKILL mid-stream', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-crash-'))
  const storeFile = join(dir, 'gateway.sqlite')
  let chain: TestChain
  const gateways: GatewayProcess[] = []
  let raw: mqtt.MqttClient | undefined
  let publisher: MqttPublisher | undefined
  // Stops every load loop, also when an assertion failed half-way.
  const loads = { mqtt: true, sdk: true }

  before(async () => {
    chain = await startTestChain()
    writeDeploymentFile(dir, chain.deployment)
  })
  after(async () => {
    loads.mqtt = false
    loads.sdk = false
    await publisher?.close()
    await raw?.endAsync(true)
    for (const g of gateways) await g.kill()
    await chain?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('behavior: no acknowledged reading is lost; retransmissions are duplicates; all get anchored', async () => {
    const httpDevice = await createActiveDevice(chain)
    const mqttDevice = await createActiveDevice(chain)
    const sdkDevice = await createActiveDevice(chain)
    const config = {
      rpcUrl: chain.anvil.rpcUrl,
      deploymentDir: dir,
      accountIndex: GATEWAY_ACCOUNT,
      store: storeFile,
      mqttPort: 0,
      httpPort: 0,
      // Small, young batches: the kill also lands while batches are being anchored.
      batchSize: 16,
      maxBatchAgeMs: 200,
    }
    const first = await spawnGateway(config, dir)
    gateways.push(first)

    // 1. HTTP: one request at a time (the sequence must increase); record every 202.
    const httpSent: Uint8Array[] = []
    const httpAcked = new Set<Hex>()
    let httpInDoubt: Uint8Array | undefined
    const httpLoop = (async () => {
      for (;;) {
        const bytes = await httpDevice.message()
        httpSent.push(bytes)
        const r = await post(first.httpUrl, bytes)
        if (r === undefined) {
          httpInDoubt = bytes // sent when the gateway died: stored or not, nobody knows
          return
        }
        assert.equal(r.status, 202, JSON.stringify(r.body))
        httpAcked.add(readingIdOf(bytes))
      }
    })()

    // 2. MQTT with a raw mqtt.js client (QoS 1, up to 8 in flight): record every PUBACK.
    // mqtt.js keeps unacknowledged messages and sends them again after reconnecting.
    raw = await mqtt.connectAsync(first.mqttUrl, {
      clientId: `veriot-${mqttDevice.deviceId}`,
      username: mqttDevice.deviceId,
      password: await createMqttConnectToken(mqttDevice.key, mqttDevice.deviceId, Date.now()),
      clean: false,
      reconnectPeriod: 200,
    })
    const rawClient = raw
    const rejections: string[] = []
    rawClient.on('message', (_topic, payload) => rejections.push(payload.toString()))
    await rawClient.subscribeAsync(errorsTopic(mqttDevice.deviceId), { qos: 1 })
    const mqttSent: Uint8Array[] = []
    const mqttAcked = new Set<Hex>()
    const publishRaw = (bytes: Uint8Array) =>
      new Promise<void>((resolve, reject) =>
        rawClient.publish(
          telemetryTopic(mqttDevice.deviceId),
          Buffer.from(bytes),
          { qos: 1 },
          (err) => {
            if (err) return reject(err)
            mqttAcked.add(readingIdOf(bytes))
            resolve()
          },
        ),
      )
    const mqttLoop = (async () => {
      const window = new Set<Promise<void>>()
      while (loads.mqtt) {
        const bytes = await mqttDevice.message()
        mqttSent.push(bytes)
        const p = publishRaw(bytes)
        window.add(p)
        void p.finally(() => window.delete(p)).catch(() => {})
        if (window.size >= 8) await Promise.race(window)
        await sleep(15)
      }
      await Promise.all(window)
    })()

    // 3. MQTT through the device SDK: a durable outbox, so even unacknowledged messages
    // must arrive once a gateway is back.
    const device = await createTelemetryDevice({
      key: sdkDevice.key,
      dataDir: join(dir, 'sdk-device'),
    })
    publisher = await createMqttPublisher({
      url: first.mqttUrl,
      device,
      dataDir: join(dir, 'sdk-device'),
      reconnectPeriodMs: 200,
    })
    const sdkPublisher = publisher
    const sdkRejections: string[] = []
    sdkPublisher.onError((r) => sdkRejections.push(r.code))
    const sdkIds: Hex[] = []
    const sdkLoop = (async () => {
      while (loads.sdk) {
        const { readingId } = await sdkPublisher.publish('temperature', [
          { name: 'temp', value: -20.5, unit: 'Cel' },
        ])
        sdkIds.push(readingId)
        await sleep(30)
      }
    })()

    // 4. Kill the gateway while all three streams run.
    await until(
      'acknowledged readings before the kill',
      () => httpAcked.size >= 40 && mqttAcked.size >= 40 && sdkIds.length >= 20,
    )
    await first.kill()
    const ackedBeforeKill = new Set([...httpAcked, ...mqttAcked])
    await httpLoop
    loads.sdk = false
    await sdkLoop

    // 5. The file as the killed process left it holds every acknowledged reading.
    {
      const store = createSqliteStore(storeFile)
      try {
        for (const id of ackedBeforeKill) {
          assert.ok(
            await store.getReading(id),
            `acknowledged reading ${id} (${httpAcked.has(id) ? 'HTTP' : 'MQTT'}) survived the kill; rejections: ${rejections.join(' ')}; counts ${JSON.stringify(await store.getCounts())}`,
          )
        }
      } finally {
        await store.close()
      }
    }

    // 6. A new gateway on the same file and ports; the devices carry on.
    const second = await spawnGateway(
      { ...config, mqttPort: first.mqttPort, httpPort: first.httpPort },
      dir,
    )
    gateways.push(second)

    // HTTP: the message in doubt is either stored (duplicate) or taken now; every acknowledged
    // one sent again is a duplicate with the same reading id; new readings are accepted.
    if (httpInDoubt) {
      const r = await post(second.httpUrl, httpInDoubt)
      assert.ok(r && (r.status === 202 || r.status === 200), JSON.stringify(r?.body))
    }
    for (const bytes of httpSent.filter((b) => httpAcked.has(readingIdOf(b)))) {
      const r = await post(second.httpUrl, bytes)
      assert.equal(r?.status, 200, JSON.stringify(r?.body))
      assert.equal(r?.body.status, 'duplicate')
      assert.equal(r?.body.readingId, readingIdOf(bytes))
    }
    for (let i = 0; i < 5; i++) {
      const bytes = await httpDevice.message()
      httpSent.push(bytes)
      const r = await post(second.httpUrl, bytes)
      assert.equal(r?.status, 202, JSON.stringify(r?.body))
    }

    // MQTT (raw): everything unacknowledged at the kill is redelivered and acknowledged now.
    loads.mqtt = false
    await within('PUBACKs of the messages in flight at the kill', mqttLoop)
    assert.equal(mqttAcked.size, mqttSent.length, 'every MQTT message acknowledged in the end')
    // Retransmissions of acknowledged messages are acknowledged again, stored once.
    for (const bytes of mqttSent.slice(0, 3)) {
      await within(
        'PUBACK of a retransmission',
        rawClient.publishAsync(telemetryTopic(mqttDevice.deviceId), Buffer.from(bytes), {
          qos: 1,
        }),
      )
    }
    for (let i = 0; i < 5; i++) {
      const bytes = await mqttDevice.message()
      mqttSent.push(bytes)
      await within('PUBACK of a new message', publishRaw(bytes))
    }

    // MQTT (SDK): the outbox drains into the new gateway.
    await within('the SDK outbox to drain', sdkPublisher.flush())
    assert.equal(sdkPublisher.pending(), 0)

    // 7. Exactly the messages sent, each stored once, none refused; then all anchored.
    const allIds = new Set<Hex>([
      ...httpSent.map((b) => readingIdOf(b)),
      ...mqttSent.map((b) => readingIdOf(b)),
      ...sdkIds,
    ])
    const stats = async () =>
      (await fetch(`${second.httpUrl}/v1/stats`).then((r) => r.json())) as {
        readings: number
        anchored: number
        rejected: Record<string, number>
      }
    await until('every reading anchored', async () => {
      const s = await stats()
      return s.readings === allIds.size && s.anchored === s.readings
    })
    const final = await stats()
    assert.deepEqual(final.rejected, {}, 'no reading was refused (no replay, no gap)')
    assert.deepEqual(rejections, [])
    assert.deepEqual(sdkRejections, [])
    await second.stop()

    const store = createSqliteStore(storeFile)
    try {
      assert.equal((await store.getCounts()).readings, allIds.size, 'nothing stored twice')
      await assertAllAnchored(
        store,
        await chain.as(0),
        chain.deployment.contracts.TelemetryAnchor.address,
        getAnvilAccount(GATEWAY_ACCOUNT).address,
        allIds,
      )
    } finally {
      await store.close()
    }
    await device.close()
  })
})
