// Runs the device SDK example against a real stack (anvil + gateway) started with the CLI.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { PCR_RESET_VALUE, pcrExtend } from '@veriot/core'

const bin = fileURLToPath(new URL('../../packages/cli/bin/veriot.mjs', import.meta.url))
const example = fileURLToPath(new URL('./publish.ts', import.meta.url))

test('example: the device SDK attests and publishes signed readings that the gateway stores', () => {
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
    // The vendor approves firmware 1.0.0 of model sensor (one release key, k = 1) with the
    // measurement the device will report.
    const image = join(dir, 'sensor-1.0.0.bin')
    writeFileSync(image, 'sensor firmware 1.0.0')
    const measurement = `0x${bytesToHex(pcrExtend(PCR_RESET_VALUE, sha256(readFileSync(image))))}`
    const releaseKey = `file:${join(dir, 'release-1.key')}`
    cli('key', 'create', releaseKey)
    cli('firmware', 'set-keys', 'sensor', '--key', releaseKey, '--threshold', '1')
    cli(
      'firmware',
      'publish',
      'sensor',
      '1.0.0',
      '--image',
      image,
      '--measurement',
      measurement,
      '--key',
      releaseKey,
    )
    const { mqttUrl, httpUrl } = JSON.parse(readFileSync(join(dir, 'data', 'run.json'), 'utf8'))
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', example, mqttUrl, httpUrl, key, join(dir, 'device'), image, '3'],
      {
        env,
        encoding: 'utf8',
        timeout: 60_000,
      },
    )
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /attested at level software/)
    assert.match(r.stdout, /all acknowledged by the gateway; 0 rejected/)
    const readings = JSON.parse(cli('readings', '--device', id, '--json'))
    assert.equal(readings.length, 3)
    assert.deepEqual(readings.map((x: { sequence: number }) => x.sequence).sort(), [1, 2, 3])
    assert.deepEqual(
      readings.map((x: { assuranceLevel?: string }) => x.assuranceLevel),
      ['software', 'software', 'software'],
    )
  } finally {
    spawnSync(process.execPath, [bin, 'down'], { env })
    rmSync(dir, { recursive: true, force: true })
  }
})
