// `veriot up --authorities 3`, `veriot status`, `veriot watchdog --sample` on the embedded chain.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { runCli } from './runCli.ts'

describe('authority nodes from the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-auth-'))
  const env = {
    VERIOT_DATA_DIR: join(dir, 'data'),
    VERIOT_CHAIN_PORT: '0',
    VERIOT_MQTT_PORT: '0',
    VERIOT_HTTP_PORT: '0',
  }
  before(async () => {
    const up = await runCli(['up', '--detach', '--authorities', '3', '--no-gateway', '--json'], env)
    assert.equal(up.code, 0, up.stderr)
  })
  after(async () => {
    await runCli(['down'], env)
    rmSync(dir, { recursive: true, force: true })
  })

  test("default: three staked authorities are active and answer verified reads with peers' signatures", async () => {
    const status = await runCli(['status', '--json'], env)
    assert.equal(status.json.authorities.active, 3)
    const run = JSON.parse(readFileSync(join(dir, 'data', 'run.json'), 'utf8'))
    const [first, ...others] = run.authorities as { url: string; signer: string }[]
    const registry = status.json.contracts.DeviceRegistry
    const answer = await fetch(first?.url as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'veriot_verifiedRead',
        params: [
          {
            address: registry,
            slots: [`0x${'00'.repeat(31)}05`],
            signers: others.map((o) => o.signer),
          },
        ],
      }),
    }).then((r) => r.json() as Promise<{ result: { signatures: unknown[] } }>)
    assert.equal(answer.result.signatures.length, 2)
  })

  test('behavior: the watchdog samples every node and finds them honest', async () => {
    const run = JSON.parse(readFileSync(join(dir, 'data', 'run.json'), 'utf8'))
    const urls = (run.authorities as { url: string }[]).map((a) => a.url).join(',')
    const r = await runCli(
      ['watchdog', '--sample', urls, '--blocks', '1', '--account', '8', '--json'],
      env,
    )
    assert.equal(r.code, 0, r.stderr)
    // One verdict per node for its secp256k1 signature and one for its BLS signature.
    assert.equal(r.json.length, 6, JSON.stringify(r.json))
    for (const v of r.json) assert.equal(v.verdict.kind, 'honest')
  })

  test('error: --authorities out of range', async () => {
    const r = await runCli(['up', '--authorities', '9', '--json'], {
      ...env,
      VERIOT_DATA_DIR: join(dir, 'other'),
    })
    assert.equal(r.json?.error?.code, 'INVALID_ARGUMENT')
  })
})
