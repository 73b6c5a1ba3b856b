// Runs the device SDK example against a real stack (anvil + gateway) started with the CLI.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const bin = fileURLToPath(new URL('../../packages/cli/bin/veriot.mjs', import.meta.url))
const example = fileURLToPath(new URL('./publish.ts', import.meta.url))

test('example: the device SDK publishes signed readings that the gateway stores', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-sdk-'))
  const env = {
    ...process.env,
    VERIOT_DATA_DIR: join(dir, 'data'),
    VERIOT_CHAIN_PORT: '0',
    VERIOT_MQTT_PORT: '0',
    VERIOT_HTTP_PORT: '0',
    VERIOT_KEY_PASSPHRASE: 'example passphrase',
  }
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], {
      env,
      encoding: 'utf8',
      timeout: 120_000,
    })
    assert.equal(r.status, 0, `veriot ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }
  try {
    const up = JSON.parse(cli('up', '--detach', '--json'))
    assert.equal(up.status, 'ready')
    const key = `file:${join(dir, 'sensor.key')}`
    const provisioned = JSON.parse(
      cli(
        'device',
        'provision',
        '--key',
        key,
        '--create-key',
        '--model',
        'sensor',
        '--firmware',
        '1.0.0',
        '--activate',
        '--json',
      ),
    )
    const id = provisioned.device.id
    cli('device', 'grant', id, 'telemetry:temperature')
    const run = JSON.parse(cli('status', '--json'))
    assert.equal(run.devices.active, 1)
    const mqttUrl = JSON.parse(readFileSync(join(dir, 'data', 'run.json'), 'utf8')).mqttUrl
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', example, mqttUrl, key, join(dir, 'device'), '3'],
      {
        env,
        encoding: 'utf8',
        timeout: 60_000,
      },
    )
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /all acknowledged by the gateway; 0 rejected/)
    const readings = JSON.parse(cli('readings', '--device', id, '--json'))
    assert.equal(readings.length, 3)
    assert.deepEqual(readings.map((x: { sequence: number }) => x.sequence).sort(), [1, 2, 3])
  } finally {
    spawnSync(process.execPath, [bin, 'down'], { env })
    rmSync(dir, { recursive: true, force: true })
  }
})
