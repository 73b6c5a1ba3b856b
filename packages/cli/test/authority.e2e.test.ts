// `veriot up --authorities 3`, `veriot status`, `veriot watchdog --sample` (once and as a
// service) on the embedded chain.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { runCli, VERIOT_BIN } from './runCli.ts'

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

  test('behavior: as a service, one JSON line per round; a node that does not answer is reported, not fatal', async () => {
    const run = JSON.parse(readFileSync(join(dir, 'data', 'run.json'), 'utf8'))
    // Port 1 on loopback: nothing listens there.
    const urls = [...(run.authorities as { url: string }[]).map((a) => a.url), 'http://127.0.0.1:1']
    const r = await runCli(
      [
        'watchdog',
        '--sample',
        urls.join(','),
        '--blocks',
        '1',
        '--every',
        '1',
        '--rounds',
        '2',
        '--checkpoints',
        '--account',
        '8',
        '--json',
      ],
      env,
    )
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    assert.deepEqual(
      lines.map((l) => l.round),
      [1, 2],
    )
    for (const line of lines) {
      assert.equal(line.error, undefined, JSON.stringify(line))
      const kinds = line.verdicts.map((v: { verdict: { kind: string } }) => v.verdict.kind)
      assert.deepEqual(kinds.filter((k: string) => k === 'honest').length, 6, kinds.join())
      assert.deepEqual(
        line.verdicts.filter((v: { verdict: { kind: string } }) => v.verdict.kind === 'unanswered'),
        [{ source: 'http://127.0.0.1:1', verdict: { kind: 'unanswered' } }],
      )
      // The embedded chain is far below the first multiple of 4096: nothing is due.
      assert.deepEqual(line.checkpoints, [])
    }
    assert.ok(Date.parse(lines[1].at) - Date.parse(lines[0].at) >= 900, 'rounds are --every apart')
  })

  test('behavior: SIGTERM stops the service after the round in progress', async () => {
    const run = JSON.parse(readFileSync(join(dir, 'data', 'run.json'), 'utf8'))
    const url = (run.authorities as { url: string }[])[0]?.url as string
    const child = spawn(
      process.execPath,
      [
        VERIOT_BIN,
        'watchdog',
        '--sample',
        url,
        '--blocks',
        '1',
        '--every',
        '3600',
        '--account',
        '8',
        '--json',
      ],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    child.stdout.on('data', (c) => {
      stdout += c
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    const deadline = Date.now() + 60_000
    while (!stdout.includes('\n') && Date.now() < deadline) await sleep(50)
    assert.equal(JSON.parse(stdout.trim()).round, 1)
    child.kill('SIGTERM')
    assert.equal(await exited, 0)
  })

  test('error: bad --every, --rounds, --blocks and --sample are INVALID_ARGUMENT', async () => {
    for (const args of [
      ['--every', '0'],
      ['--every', 'soon'],
      ['--rounds', '0'],
      ['--blocks', '1000'],
      ['--sample', 'ftp://127.0.0.1:1'],
    ]) {
      const r = await runCli(['watchdog', '--sample', 'http://127.0.0.1:1', ...args, '--json'], env)
      assert.notEqual(r.code, 0, args.join(' '))
      assert.equal(
        r.json?.error?.code,
        'INVALID_ARGUMENT',
        `${args.join(' ')}: ${r.stdout}${r.stderr}`,
      )
    }
  })

  test('error: --authorities out of range', async () => {
    const r = await runCli(['up', '--authorities', '9', '--json'], {
      ...env,
      VERIOT_DATA_DIR: join(dir, 'other'),
    })
    assert.equal(r.json?.error?.code, 'INVALID_ARGUMENT')
  })
})
