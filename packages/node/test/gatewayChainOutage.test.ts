// The gateway while its chain is down: anvil (with its state in a file) is stopped under a
// running gateway and started again on the same port. Anchoring must report the outage and
// catch up afterwards; the gateway must never acknowledge a reading it did not store (a device
// keeps what was not acknowledged and sends it again), and nothing may be lost.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { deviceIdFromPublicKey, encodeTelemetry, readingIdOf, Suite } from '@veriot/core'
import {
  createMemoryKey,
  createMqttPublisher,
  createTelemetryDevice,
  createTelemetrySigner,
  type MqttPublisher,
  signTelemetry,
} from '@veriot/device'
import { type Hex, hexToBytes } from 'viem'
import type { AnchorEvent } from '../src/anchoring/createAnchorer.ts'
import { getAnvilAccount } from '../src/anvil/index.ts'
import { type Gateway, startGateway } from '../src/gateway/startGateway.ts'
import { assertAllAnchored } from './support/anchorChecks.ts'
import { createActiveDevice } from './support/createActiveDevice.ts'
import { type RestartableChain, startRestartableChain } from './support/startRestartableChain.ts'
import { within } from './support/waitFor.ts'

const GATEWAY_ACCOUNT = 9

describe('gateway while the chain is down', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-outage-'))
  let chain: RestartableChain | undefined
  let gateway: Gateway | undefined
  let publisher: MqttPublisher | undefined

  before(async () => {
    chain = await startRestartableChain(dir)
  })
  after(async () => {
    await publisher?.close()
    await gateway?.stop()
    await chain?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('behavior: anchoring reports the outage and catches up; nothing acknowledged is lost', async () => {
    assert.ok(chain)
    const { deployment, as } = chain
    const httpDevice = await createActiveDevice(chain)
    const mqttDevice = await createActiveDevice(chain)

    const anchorEvents: AnchorEvent[] = []
    gateway = await startGateway({
      conn: await as(GATEWAY_ACCOUNT),
      deployment,
      store: join(dir, 'gateway.sqlite'),
      attestation: false,
      mqttPort: 0,
      httpPort: 0,
      batchSize: 4,
      maxBatchAgeMs: 100,
      onAnchorEvent: (e) => anchorEvents.push(e),
    })
    const gw = gateway
    const post = async (body: Uint8Array) => {
      const r = await fetch(`${gw.httpUrl}/v1/telemetry`, { method: 'POST', body })
      return { status: r.status, body: (await r.json()) as any }
    }
    const device = await createTelemetryDevice({ key: mqttDevice.key, dataDir: join(dir, 'dev') })
    publisher = await createMqttPublisher({
      url: gw.mqttUrl,
      device,
      dataDir: join(dir, 'dev'),
      reconnectPeriodMs: 200,
    })
    const sdk = publisher
    const sdkRejections: string[] = []
    sdk.onError((r) => sdkRejections.push(r.code))
    const sdkIds: Hex[] = []
    const publish = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const { readingId } = await sdk.publish('temperature', [
          { name: 'temp', value: -21, unit: 'Cel' },
        ])
        sdkIds.push(readingId)
      }
    }
    const httpIds: Hex[] = []
    for (let i = 0; i < 3; i++) {
      const bytes = await httpDevice.message()
      assert.equal((await post(bytes)).status, 202)
      httpIds.push(readingIdOf(bytes))
    }
    await publish(3)
    await within('the first readings over MQTT', sdk.flush())

    // The chain goes away (anvil dumps its state and exits) for a while.
    await chain.pause()
    const errorsBefore = anchorEvents.filter((e) => e.kind === 'error').length
    // Ingest goes on for known devices: their last-known registry records are served while
    // the chain cannot be read, and every acknowledged reading is stored.
    await sleep(1_500) // at least one failed registry poll
    for (let i = 0; i < 3; i++) {
      const bytes = await httpDevice.message()
      const r = await post(bytes)
      assert.equal(r.status, 202, JSON.stringify(r.body))
      httpIds.push(readingIdOf(bytes))
    }
    await publish(4)
    await within('MQTT readings during the outage', sdk.flush())
    // A device the gateway never saw cannot be checked without the chain: "try again later".
    const strangerKey = createMemoryKey()
    const stranger = encodeTelemetry(
      await signTelemetry(
        {
          version: 1,
          deviceId: hexToBytes(deviceIdFromPublicKey(strangerKey.publicKey)),
          sequence: 1,
          timestamp: Date.now(),
          type: 'temperature',
          readings: [{ name: 'temp', value: -21, unit: 'Cel' }],
          suite: Suite.p256,
        },
        createTelemetrySigner('p256', { p256: strangerKey }),
      ),
    )
    const refused = await post(stranger)
    assert.equal(refused.status, 503, JSON.stringify(refused.body))
    assert.equal(refused.body.error.code, 'RPC_UNREACHABLE')
    const health = await fetch(`${gw.httpUrl}/v1/health`)
    assert.equal(health.status, 200, 'the gateway runs on without its chain')
    const outageErrors = anchorEvents.slice(errorsBefore).filter((e) => e.kind === 'error')
    assert.ok(outageErrors.length > 0, 'anchoring reported the outage')
    for (const e of outageErrors) assert.equal(e.error.code, 'RPC_UNREACHABLE')
    const duringOutage = await gw.stats()
    assert.ok(duringOutage.readings > duringOutage.anchored, 'stored readings wait for anchoring')

    // The chain is back, on the same port with the same state.
    await chain.resume()
    assert.deepEqual(sdkRejections, [], 'no reading was refused over MQTT')

    const all = [...httpIds, ...sdkIds]
    await within(
      'every reading anchored',
      (async () => {
        for (;;) {
          const s = await gw.stats()
          if (s.readings === all.length && s.anchored === s.readings) return
          await sleep(100)
        }
      })(),
    )
    await assertAllAnchored(
      gw.store,
      await as(0),
      deployment.contracts.TelemetryAnchor.address,
      getAnvilAccount(GATEWAY_ACCOUNT).address,
      all,
    )
    await device.close()
  })
})
