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
import { readingIdOf } from '@veriot/core'
import { createMqttPublisher, createTelemetryDevice, type MqttPublisher } from '@veriot/device'
import type { Hex } from 'viem'
import type { AnchorEvent } from '../src/anchoring/createAnchorer.ts'
import { type Anvil, getAnvilAccount, startAnvil } from '../src/anvil/index.ts'
import { connectChain } from '../src/chain/connectChain.ts'
import { deployContracts } from '../src/deployment/deployContracts.ts'
import { type Gateway, startGateway } from '../src/gateway/startGateway.ts'
import { createRegistryClient } from '../src/registry/createRegistryClient.ts'
import { assertAllAnchored } from './support/anchorChecks.ts'
import { createActiveDevice } from './support/createActiveDevice.ts'
import type { TestChain } from './testChain.ts'

const GATEWAY_ACCOUNT = 9

async function within<T>(what: string, promise: Promise<T>, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

describe('gateway while the chain is down', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-outage-'))
  const stateFile = join(dir, 'chain', 'state.json')
  let anvil: Anvil | undefined
  let gateway: Gateway | undefined
  let publisher: MqttPublisher | undefined

  before(async () => {
    anvil = await startAnvil({ stateFile })
  })
  after(async () => {
    await publisher?.close()
    await gateway?.stop()
    await anvil?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('behavior: anchoring reports the outage and catches up; nothing acknowledged is lost', async () => {
    assert.ok(anvil)
    const rpcUrl = anvil.rpcUrl
    const port = anvil.port
    const as = (index: number) => connectChain({ rpcUrl, account: getAnvilAccount(index) })
    const deployment = await deployContracts(await as(0), { grantOperatorRoles: true })
    const chain = {
      anvil,
      deployment,
      as,
      registry: async (index: number) => createRegistryClient(await as(index), deployment),
      stop: async () => {},
    } satisfies TestChain
    const httpDevice = await createActiveDevice(chain)
    const mqttDevice = await createActiveDevice(chain)

    const anchorEvents: AnchorEvent[] = []
    gateway = await startGateway({
      conn: await as(GATEWAY_ACCOUNT),
      deployment,
      store: join(dir, 'gateway.sqlite'),
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
      onConnectionError: (e) => console.log('DIAG conn error', Date.now() % 100000, e.message),
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
    await anvil.stop()
    const errorsBefore = anchorEvents.filter((e) => e.kind === 'error').length
    const heldBack: Uint8Array[] = []
    // HTTP until the gateway says it cannot check devices any more (its cache dropped them).
    for (let i = 0; i < 20 && heldBack.length === 0; i++) {
      const bytes = await httpDevice.message()
      const r = await post(bytes)
      // Either stored (the device's record was still cached) or refused as "try again later".
      if (r.status === 202) httpIds.push(readingIdOf(bytes))
      else {
        assert.equal(r.status, 503, JSON.stringify(r.body))
        assert.equal(r.body.error.code, 'RPC_UNREACHABLE')
        heldBack.push(bytes)
      }
      await sleep(200)
    }
    assert.equal(heldBack.length, 1, 'the gateway refused to check a device without its chain')
    // Now MQTT: these cannot be checked either; they must stay unacknowledged (queued).
    await publish(4)
    await sleep(500)
    const health = await fetch(`${gw.httpUrl}/v1/health`)
    assert.equal(health.status, 200, 'the gateway runs on without its chain')
    const outageErrors = anchorEvents.slice(errorsBefore).filter((e) => e.kind === 'error')
    assert.ok(outageErrors.length > 0, 'anchoring reported the outage')
    for (const e of outageErrors) assert.equal(e.error.code, 'RPC_UNREACHABLE')

    // The chain is back, on the same port with the same state.
    console.log('DIAG restart', Date.now() % 100000)
    anvil = await startAnvil({ port, stateFile })
    console.log('DIAG restarted', Date.now() % 100000, sdk.pending(), sdk.connected())
    await within('the MQTT outbox to drain', sdk.flush())
    for (const bytes of heldBack) {
      const r = await post(bytes)
      assert.equal(r.status, 202, JSON.stringify(r.body))
      httpIds.push(readingIdOf(bytes))
    }
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
