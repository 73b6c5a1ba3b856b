// `veriot alerts` and the anomaly lines of `veriot device show` on a running stack: a device
// that sends impossible values is locked down by the gateway, shown with its reasons, and
// accepted again after its owner reactivates it with a reason.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { isVeriotError } from '@veriot/core'
import { createHttpPublisher, createTelemetryDevice, openDeviceKey } from '@veriot/device'
import { runCli, startUp } from './runCli.ts'

describe('veriot alerts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-alerts-'))
  const env = {
    VERIOT_DATA_DIR: join(dir, 'data'),
    VERIOT_KEY_PASSPHRASE: 'correct horse battery staple',
    VERIOT_CHAIN_PORT: '0',
    VERIOT_MQTT_PORT: '0',
    VERIOT_HTTP_PORT: '0',
  }
  const cli = (...args: string[]) => runCli(args, env)
  let stack: Awaited<ReturnType<typeof startUp>> | undefined

  before(async () => {
    // Attestation is not what this test is about (examples and gatewayAttestation cover it).
    stack = await startUp(['--declared-range', 'temp:Cel:-80:60', '--no-attestation'], env)
  })
  after(async () => {
    await stack?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('default: impossible values → locked down, shown with reasons → reactivated', async () => {
    const keyRef = `file:${join(dir, 'sensor.key')}`
    const provision = await cli(
      'device',
      'provision',
      '--key',
      keyRef,
      '--create-key',
      '--model',
      'coldchain-sensor',
      '--firmware',
      '1.0.0',
      '--activate',
      '--json',
    )
    assert.equal(provision.code, 0, provision.stderr)
    const id: string = provision.json.device.id
    assert.equal((await cli('device', 'grant', id, 'telemetry:temperature')).code, 0)
    assert.equal((await cli('alerts', '--json')).json.devices.length, 0)

    const key = await openDeviceKey(keyRef, { passphrase: env.VERIOT_KEY_PASSPHRASE })
    const device = await createTelemetryDevice({ key, dataDir: join(dir, 'device') })
    const publisher = createHttpPublisher({ baseUrl: stack?.ready.gateway.httpUrl, device })
    const send = (value: number) =>
      publisher.send('temperature', [{ name: 'temp', value, unit: 'Cel' }]).then(
        (r) => r.status,
        (e: unknown) => (isVeriotError(e) ? e.code : String(e)),
      )
    try {
      assert.equal(await send(-21), 'accepted')
      assert.equal(await send(900), 'accepted') // signed and stored, and scored
      assert.equal(await send(900), 'accepted')
      assert.equal(await send(-21), 'DEVICE_LOCKED_DOWN')

      const alerts = await cli('alerts', '--json')
      assert.equal(alerts.code, 0, alerts.stderr)
      assert.equal(alerts.json.devices[0]?.deviceId, id)
      assert.equal(alerts.json.devices[0]?.reasons[0]?.reason, 'value_out_of_range')
      assert.match(alerts.json.devices[0]?.reasons[0]?.detail, /expected -80\.\.60 Cel, got 900/)
      assert.equal(alerts.json.lockdowns[0]?.deviceId, id)
      const text = await cli('alerts')
      assert.match(text.stdout, /LOCKED/)
      assert.match(text.stdout, /value_out_of_range/)

      // The gateway's guardian key suspends it on chain; device show says so.
      let shown = await cli('device', 'show', id, '--json')
      for (let i = 0; i < 100 && shown.json.anomaly?.lockdown?.state !== 'suspended'; i++) {
        await sleep(100)
        shown = await cli('device', 'show', id, '--json')
      }
      assert.equal(shown.json.status, 'suspended')
      assert.equal(shown.json.anomaly.lockdown.state, 'suspended')
      assert.ok(shown.json.anomaly.report.score >= 100)

      // The owner reactivates it with a reason; its readings are accepted again.
      assert.equal((await cli('device', 'activate', id, '--reason', 'sensor recalibrated')).code, 0)
      let status = await send(-21)
      for (let i = 0; i < 50 && status !== 'accepted'; i++) {
        await sleep(200)
        status = await send(-21)
      }
      assert.equal(status, 'accepted')
      const one = await cli('alerts', '--device', id, '--json')
      assert.equal(one.json.lockdown, null)
      assert.equal(one.json.history[0]?.state, 'released')
      const history = await cli('device', 'history', id, '--json')
      const events = history.json.map((e: { event: string; details: { reason?: string } }) => [
        e.event,
        e.details.reason,
      ])
      assert.deepEqual(events.slice(-2), [
        ['DeviceSuspended', 'anomaly:value_out_of_range'],
        ['DeviceActivated', 'sensor recalibrated'],
      ])
    } finally {
      await device.close()
      await key.close()
    }
  })

  test('error: bad options and no gateway', async () => {
    const bad = await cli('alerts', '--min', '-1', '--json')
    assert.equal(bad.json.error.code, 'INVALID_ARGUMENT')
    const badId = await cli('alerts', '--device', 'nope', '--json')
    assert.equal(badId.json.error.code, 'INVALID_DEVICE_ID')
    const none = await runCli(['alerts', '--json'], { VERIOT_DATA_DIR: join(dir, 'empty') })
    assert.equal(none.json.error.code, 'NOT_INITIALIZED')
    const down = await cli('alerts', '--gateway-url', 'http://127.0.0.1:9', '--json')
    assert.equal(down.json.error.code, 'GATEWAY_UNREACHABLE')
  })
})
