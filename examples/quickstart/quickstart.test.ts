// Runs the README's quickstart script end to end against real anvil and SoftHSM2.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const script = fileURLToPath(new URL('./quickstart.sh', import.meta.url))
const bin = fileURLToPath(new URL('../../packages/cli/bin/veriot.mjs', import.meta.url))
const hasSoftHsm = spawnSync('softhsm2-util', ['--version']).status === 0

test('example: the README quickstart runs as written', (t) => {
  if (!hasSoftHsm) return t.skip('softhsm2 not installed: apt-get install softhsm2')
  const dataDir = mkdtempSync(join(tmpdir(), 'veriot-quickstart-'))
  try {
    const r = spawnSync('bash', [script], {
      env: {
        ...process.env,
        VERIOT_DATA_DIR: dataDir,
        VERIOT: `${process.execPath} ${bin}`,
        VERIOT_CHAIN_PORT: '0',
        VERIOT_MQTT_PORT: '0',
        VERIOT_HTTP_PORT: '0',
      },
      encoding: 'utf8',
      timeout: 240_000,
    })
    assert.equal(r.status, 0, `quickstart failed:\n${r.stdout}\n${r.stderr}`)
    assert.match(r.stdout, /DeviceSuspended .*reason=tamper alarm/)
    assert.match(r.stdout, /DeviceTransferred/)
    // After the restart the device is still there, suspended, with its new owner.
    const lastShow = r.stdout.slice(r.stdout.lastIndexOf('status'))
    assert.match(lastShow, /status\s+suspended/)
    assert.match(r.stdout, /owner\s+0x70997970C51812dc3A010C7d01b50e0d17dc79C8/)
  } finally {
    spawnSync(process.execPath, [bin, 'down'], {
      env: { ...process.env, VERIOT_DATA_DIR: dataDir },
    })
    rmSync(dataDir, { recursive: true, force: true })
  }
})
