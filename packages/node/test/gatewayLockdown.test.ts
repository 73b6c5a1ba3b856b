// Lockdown and breakers through a running gateway, on a real chain: a device that sends
// impossible values or floods is refused at once and suspended on chain by the gateway's
// guardian key; forged messages naming a device cannot lock it; the owner's reactivation lets
// it back in; a model breaker on DeviceRegistry stops every device of that model.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { decodeTelemetry, encodeTelemetry } from '@veriot/core'
import { getAnvilAccount } from '../src/anvil/index.ts'
import { type Gateway, startGateway } from '../src/gateway/startGateway.ts'
import type { RegistryClient } from '../src/registry/createRegistryClient.ts'
import { type ActiveDevice, createActiveDevice } from './support/createActiveDevice.ts'
import { startTestChain, type TestChain } from './testChain.ts'

describe('gateway: anomaly lockdown and breakers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-lockdown-gw-'))
  let chain: TestChain
  let gateway: Gateway
  let admin: RegistryClient

  before(async () => {
    chain = await startTestChain()
    admin = await chain.registry(0)
    await admin.grantRole('guardian', getAnvilAccount(9).address)
    gateway = await startGateway({
      conn: await chain.as(9),
      deployment: chain.deployment,
      store: join(dir, 'gateway.sqlite'),
      attestation: false,
      mqttPort: 0,
      httpPort: 0,
      noAnchor: true,
      anomaly: { declaredRanges: [{ name: 'temp', unit: 'Cel', min: -80, max: 60 }] },
    })
  })
  after(async () => {
    await gateway?.stop()
    await chain?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const post = async (body: Uint8Array) => {
    const r = await fetch(`${gateway.httpUrl}/v1/telemetry`, { method: 'POST', body })
    return { status: r.status, body: (await r.json()) as { error?: { code: string } } }
  }
  const until = async (check: () => Promise<boolean>, what: string, ms = 20_000) => {
    const deadline = Date.now() + ms
    while (Date.now() < deadline) {
      if (await check()) return
      await sleep(50)
    }
    assert.fail(`timed out waiting for: ${what}`)
  }
  const temp = (value: number) => [{ name: 'temp', value, unit: 'Cel' }]

  test('default: impossible values lock a device at once; the owner lets it back in', async () => {
    const device = await createActiveDevice(chain)
    assert.equal((await post(await device.message({ readings: temp(-21) }))).status, 202)
    // Two signed readings at 500 °C: 2 × 60 points pass the threshold of 100.
    assert.equal((await post(await device.message({ readings: temp(500) }))).status, 202)
    assert.equal((await post(await device.message({ readings: temp(500) }))).status, 202)
    const refused = await post(await device.message({ readings: temp(-21) }))
    assert.equal(refused.status, 403)
    assert.equal(refused.body.error?.code, 'DEVICE_LOCKED_DOWN')

    const alerts = (await (await fetch(`${gateway.httpUrl}/v1/alerts`)).json()) as {
      devices: Array<{ deviceId: string; score: number; reasons: Array<{ reason: string }> }>
      lockdowns: Array<{ deviceId: string }>
    }
    const mine = alerts.devices.find((d) => d.deviceId === device.deviceId)
    assert.equal(mine?.reasons[0]?.reason, 'value_out_of_range')
    assert.ok(alerts.lockdowns.some((l) => l.deviceId === device.deviceId))

    // The guardian's suspension lands on chain with its reason.
    await until(
      async () => (await admin.getDevice(device.deviceId)).status === 'suspended',
      'suspension mined',
    )
    const suspended = (await admin.getHistory(device.deviceId)).find(
      (e) => e.event === 'DeviceSuspended',
    )
    assert.equal(suspended?.details.reason, 'anomaly:value_out_of_range')
    assert.equal(suspended?.sender.toLowerCase(), getAnvilAccount(9).address.toLowerCase())

    // The owner reviews and reactivates it: readings are accepted again.
    await admin.activate(device.deviceId, 'values checked')
    await until(
      async () => (await post(await device.message({ readings: temp(-21) }))).status === 202,
      'accepted after reactivation',
    )
    const view = (await (
      await fetch(`${gateway.httpUrl}/v1/devices/${device.deviceId}/anomaly`)
    ).json()) as { lockdown: unknown; history: Array<{ state: string }> }
    assert.equal(view.lockdown, null)
    assert.deepEqual(
      view.history.map((h) => h.state),
      ['released'],
    )
  })

  test('behavior: a flood against the device’s own baseline locks it within seconds', async () => {
    const device = await createActiveDevice(chain)
    // A baseline of one reading a second for twelve seconds…
    for (let i = 0; i < 12; i++) {
      assert.equal((await post(await device.message())).status, 202)
      await sleep(1000)
    }
    // …then as fast as it can: it is refused within a few seconds.
    const started = Date.now()
    let lockedAfter = -1
    while (Date.now() - started < 10_000) {
      const r = await post(await device.message())
      if (r.body.error?.code === 'DEVICE_LOCKED_DOWN') {
        lockedAfter = Date.now() - started
        break
      }
      assert.equal(r.status, 202, JSON.stringify(r.body))
    }
    assert.ok(lockedAfter >= 0, 'the flood was never stopped')
    assert.ok(lockedAfter < 6000, `locked after ${lockedAfter} ms`)
    assert.equal(gateway.guard?.detector.get(device.deviceId)?.reasons[0]?.reason, 'rate_spike')
    await until(
      async () => (await admin.getDevice(device.deviceId)).status === 'suspended',
      'suspension mined',
    )
  })

  test('behavior: forged messages naming a device cannot lock it out', async () => {
    const victim = await createActiveDevice(chain)
    for (let i = 0; i < 40; i++) {
      const signed = decodeTelemetry(await victim.message())
      const signature = Uint8Array.from(signed.signature)
      signature[10] = (signature[10] ?? 0) ^ 0x01
      const forged = encodeTelemetry({ ...signed, signature })
      assert.equal((await post(forged)).body.error?.code, 'SIGNATURE_INVALID')
    }
    const report = gateway.guard?.detector.get(victim.deviceId)
    assert.equal(report?.score, 0)
    assert.equal(report?.reasons[0]?.count, 40, 'still listed, with zero points')
    assert.equal((await post(await victim.message())).status, 202)
  })

  test('behavior: a model breaker stops every device of the model until an admin resets it', async () => {
    const a: ActiveDevice = await createActiveDevice(chain)
    const b: ActiveDevice = await createActiveDevice(chain)
    assert.equal((await post(await a.message())).status, 202)
    await admin.pauseModel('test-sensor', 'firmware revoked')
    await until(
      async () => (await post(await a.message())).body.error?.code === 'MODEL_PAUSED',
      'breaker seen by the gateway',
    )
    assert.equal((await post(await b.message())).body.error?.code, 'MODEL_PAUSED')
    assert.equal((await admin.getDevice(a.deviceId)).status, 'active', 'statuses untouched')
    await admin.unpauseModel('test-sensor', 'fixed')
    await until(async () => (await post(await b.message())).status === 202, 'breaker reset')
  })
})
