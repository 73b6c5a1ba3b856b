// The telemetry path through the real `veriot` executable: a detached stack (anvil + gateway on
// ephemeral ports), a simulated fleet, a proof bundle of one of its readings, and its check,
// which a tampered copy fails.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { runCli } from './runCli.ts'

test('default: gateway --help lists its options', async () => {
  const r = await runCli(['gateway', '--help'])
  assert.equal(r.code, 0, r.stderr)
  for (const option of ['--mqtt-port', '--http-port', '--mqtt-url', '--batch-size', '--store']) {
    assert.match(r.stdout, new RegExp(option))
  }
})

describe('veriot up --detach → simulate → proof → verify → down', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-cli-telemetry-'))
  const dataDir = join(dir, 'data')
  const env = {
    VERIOT_DATA_DIR: dataDir,
    VERIOT_CHAIN_PORT: '0',
    VERIOT_MQTT_PORT: '0',
    VERIOT_HTTP_PORT: '0',
  }
  const cli = (...args: string[]) => runCli(args, env)

  after(async () => {
    // Stop the background stack even when an assertion failed half-way.
    if (existsSync(join(dataDir, 'run.json'))) await cli('down')
    rmSync(dir, { recursive: true, force: true })
  })

  test('default: every simulated reading is accepted and anchored, and its proof verifies', async () => {
    const up = await cli('up', '--detach', '--json', '--batch-age', '500')
    assert.equal(up.code, 0, up.stderr)
    assert.equal(up.json.status, 'ready')

    const sim = await cli('simulate', '--devices', '2', '--duration', '2', '--json')
    assert.equal(sim.code, 0, sim.stderr)
    assert.equal(sim.json.devices, 2)
    assert.ok(sim.json.sent > 0)
    assert.equal(sim.json.accepted, sim.json.sent)
    assert.deepEqual(sim.json.rejected, {})
    assert.equal(sim.json.gateway.readings, sim.json.sent)
    assert.equal(sim.json.gateway.anchored, sim.json.gateway.readings)

    const readings = await cli('readings', '--limit', '1', '--json')
    assert.equal(readings.code, 0, readings.stderr)
    const id = readings.json[0]?.id as string
    assert.match(id, /^0x[0-9a-f]{64}$/)

    const file = join(dir, 'reading.proof.json')
    const proof = await cli('proof', id, '--out', file, '--json')
    assert.equal(proof.code, 0, proof.stderr)
    assert.equal(proof.json.readingId, id)

    const verify = await cli('verify', file, '--json')
    assert.equal(verify.code, 0, verify.stderr)
    assert.equal(verify.json.valid, true)
    assert.equal(verify.json.onChain, true)
    assert.equal(verify.json.reading.id, id)

    // A tampered twin: another batch root, which the inclusion path no longer leads to.
    const bundle = JSON.parse(readFileSync(file, 'utf8'))
    const root: string = bundle.batch.root
    bundle.batch.root = `${root.slice(0, -1)}${root.endsWith('0') ? '1' : '0'}`
    const tamperedFile = join(dir, 'tampered.proof.json')
    writeFileSync(tamperedFile, JSON.stringify(bundle))
    const tampered = await cli('verify', tamperedFile, '--json')
    assert.equal(tampered.code, 4, tampered.stderr)
    assert.equal(tampered.json.error.code, 'MERKLE_PROOF_INVALID')

    const down = await cli('down', '--json')
    assert.equal(down.code, 0, down.stderr)
    assert.equal(down.json.status, 'stopped')
    assert.equal(existsSync(join(dataDir, 'run.json')), false)
  })
})
