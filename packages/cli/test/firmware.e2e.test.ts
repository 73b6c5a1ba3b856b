import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { type CliResult, runCli, startUp } from './runCli.ts'

const MEASUREMENT = `0x${'ab'.repeat(32)}`

describe('veriot firmware on the embedded chain', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-firmware-'))
  const env = {
    VERIOT_DATA_DIR: join(dir, 'data'),
    VERIOT_KEY_PASSPHRASE: 'release keys passphrase',
    VERIOT_CHAIN_PORT: '0',
  }
  const cli = (...args: string[]) => runCli([...args, '--json'], env)
  const keys = [1, 2, 3].map((i) => `file:${join(dir, `release-${i}.key`)}`)
  const [k1, k2, k3] = keys as [string, string, string]
  const image = (name: string) => {
    const path = join(dir, `${name}.bin`)
    writeFileSync(path, `firmware image ${name}`)
    return path
  }
  const publish = (version: string, ...rest: string[]) =>
    cli(
      'firmware',
      'publish',
      'coldchain-sensor',
      version,
      '--image',
      image(version),
      '--measurement',
      MEASUREMENT,
      ...rest,
    )
  const fails = (r: CliResult, code: string, exit: number) => {
    assert.equal(r.json?.error?.code, code, r.stderr)
    assert.equal(r.code, exit, r.stderr)
  }
  let stack: Awaited<ReturnType<typeof startUp>> | undefined

  before(async () => {
    stack = await startUp(['--no-gateway'], env)
    for (const key of keys) assert.equal((await cli('key', 'create', key)).code, 0)
  })
  after(async () => {
    await stack?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('default: up deploys FirmwareRegistry; help lists the subcommands', async () => {
    assert.match(stack?.ready.contracts.FirmwareRegistry ?? '', /^0x[0-9a-fA-F]{40}$/)
    const help = await runCli(['firmware', '--help'], env)
    assert.equal(help.code, 0)
    for (const sub of ['set-keys', 'publish', 'approve', 'revoke', 'set-minimum', 'list']) {
      assert.match(help.stdout, new RegExp(sub))
    }
  })

  test('default: set keys 2 of 3, publish with two signatures → approved', async () => {
    const set = await cli(
      'firmware',
      'set-keys',
      'coldchain-sensor',
      '--key',
      k1,
      k2,
      k3,
      '--threshold',
      '2',
    )
    assert.equal(set.code, 0, set.stderr)
    assert.equal(set.json.model.threshold, 2)
    assert.equal(set.json.model.keys.length, 3)

    const published = await publish(
      '1.0.0',
      '--key',
      k1,
      k2,
      '--metadata-uri',
      'https://firmware.example/1.0.0.json',
    )
    assert.equal(published.code, 0, published.stderr)
    assert.equal(published.json.release.status, 'approved')
    assert.equal(published.json.release.verdict, 'approved')
    assert.equal(published.json.release.approvals, 2)
    assert.equal(published.json.release.imageSize, '20') // "firmware image 1.0.0"
  })

  test('error: too few approvals leave a release pending; approve completes it', async () => {
    const published = await publish('2.0.0', '--key', k1)
    assert.equal(published.code, 0, published.stderr)
    assert.equal(published.json.release.status, 'pending')
    assert.equal(published.json.release.approvals, 1)
    // The minimum cannot move to a release that is not approved.
    fails(
      await cli('firmware', 'set-minimum', 'coldchain-sensor', '2.0.0'),
      'FIRMWARE_RELEASE_NOT_APPROVED',
      4,
    )
    fails(
      await cli('firmware', 'approve', 'coldchain-sensor', '2.0.0', '--key', k1),
      'FIRMWARE_APPROVAL_DUPLICATE',
      4,
    )
    // A signer who checks the image refuses to sign another one.
    fails(
      await cli(
        'firmware',
        'approve',
        'coldchain-sensor',
        '2.0.0',
        '--key',
        k3,
        '--image',
        image('tampered'),
      ),
      'FIRMWARE_RELEASE_INVALID',
      4,
    )
    // Anyone may submit the signatures (anvil account 5 holds no role).
    const approved = await cli(
      'firmware',
      'approve',
      'coldchain-sensor',
      '2.0.0',
      '--key',
      k3,
      '--image',
      join(dir, '2.0.0.bin'),
      '--account',
      '5',
    )
    assert.equal(approved.code, 0, approved.stderr)
    assert.equal(approved.json.release.status, 'approved')
  })

  test('error: rollback — below-minimum and non-increasing publishes are refused', async () => {
    const minimum = await cli('firmware', 'set-minimum', 'coldchain-sensor', '2.0.0')
    assert.equal(minimum.code, 0, minimum.stderr)
    fails(await publish('1.5.0', '--key', k1, k2), 'FIRMWARE_VERSION_BELOW_MINIMUM', 4)
    fails(await publish('2.0.0'), 'FIRMWARE_VERSION_NOT_INCREASING', 4)
    fails(
      await cli('firmware', 'set-minimum', 'coldchain-sensor', '1.0.0'),
      'FIRMWARE_MINIMUM_INVALID',
      4,
    )
    const old = await cli('firmware', 'show', 'coldchain-sensor', '1.0.0')
    assert.equal(old.json.verdict, 'belowMinimum')
  })

  test('error: unknown model, unknown release, stranger', async () => {
    fails(
      await cli(
        'firmware',
        'publish',
        'no-such-model',
        '1.0.0',
        '--image',
        image('x'),
        '--measurement',
        MEASUREMENT,
      ),
      'FIRMWARE_MODEL_UNKNOWN',
      3,
    )
    fails(await cli('firmware', 'list', 'no-such-model'), 'FIRMWARE_MODEL_UNKNOWN', 3)
    fails(await cli('firmware', 'show', 'coldchain-sensor', '9.0.0'), 'FIRMWARE_RELEASE_UNKNOWN', 3)
    fails(await publish('3.0.0', '--account', '3'), 'FIRMWARE_NOT_AUTHORIZED', 4)
    fails(
      await cli(
        'firmware',
        'revoke',
        'coldchain-sensor',
        '2.0.0',
        '--reason',
        'x',
        '--account',
        '3',
      ),
      'FIRMWARE_NOT_AUTHORIZED',
      4,
    )
  })

  test('error: a revoked release is never approved; lockdown shows in the verdict', async () => {
    assert.equal((await publish('3.0.0', '--key', k2)).code, 0)
    const revoked = await cli(
      'firmware',
      'revoke',
      'coldchain-sensor',
      '3.0.0',
      '--reason',
      'CVE-2026-0001',
    )
    assert.equal(revoked.code, 0, revoked.stderr)
    assert.equal(revoked.json.release.verdict, 'revoked')
    fails(
      await cli('firmware', 'approve', 'coldchain-sensor', '3.0.0', '--key', k3),
      'FIRMWARE_RELEASE_REVOKED',
      4,
    )
    const lockdown = await cli(
      'firmware',
      'revoke',
      'coldchain-sensor',
      '3.0.0',
      '--reason',
      'exploited',
      '--lockdown',
    )
    assert.equal(lockdown.code, 0, lockdown.stderr)
    assert.equal(lockdown.json.release.verdict, 'lockdown')
    fails(
      await cli('firmware', 'revoke', 'coldchain-sensor', '3.0.0', '--reason', 'again'),
      'FIRMWARE_RELEASE_REVOKED',
      4,
    )

    const list = await cli('firmware', 'list', 'coldchain-sensor')
    assert.equal(list.code, 0, list.stderr)
    assert.deepEqual(
      list.json.releases.map((r: { version: string; verdict: string }) => [r.version, r.verdict]),
      [
        ['1.0.0', 'belowMinimum'],
        ['2.0.0', 'approved'],
        ['3.0.0', 'lockdown'],
      ],
    )
    const models = await cli('firmware', 'list')
    assert.deepEqual(
      models.json.map((m: { model: string }) => m.model),
      ['coldchain-sensor'],
    )
    const text = await runCli(['firmware', 'list', 'coldchain-sensor'], env)
    assert.match(text.stdout, /3\.0\.0 +lockdown/)
    const show = await runCli(['firmware', 'show', 'coldchain-sensor', '3.0.0'], env)
    assert.match(show.stdout, /verdict +lockdown/)
    assert.match(show.stdout, /revoked +\S+ \(exploited\)/)
  })

  test('error: bad inputs are refused before anything is sent', async () => {
    fails(await publish('1.2'), 'INVALID_ARGUMENT', 2)
    fails(
      await cli(
        'firmware',
        'publish',
        'coldchain-sensor',
        '4.0.0',
        '--image',
        image('4.0.0'),
        '--measurement',
        '0x1234',
      ),
      'INVALID_ARGUMENT',
      2,
    )
    fails(
      await cli(
        'firmware',
        'publish',
        'coldchain-sensor',
        '4.0.0',
        '--image',
        join(dir, 'missing.bin'),
        '--measurement',
        MEASUREMENT,
      ),
      'INVALID_ARGUMENT',
      2,
    )
    fails(
      await cli('firmware', 'set-keys', 'coldchain-sensor', '--key', k1, '--threshold', '0'),
      'INVALID_ARGUMENT',
      2,
    )
    fails(
      await cli('firmware', 'set-keys', 'coldchain-sensor', '--key', k1, '--threshold', '2'),
      'FIRMWARE_THRESHOLD_INVALID',
      4,
    )
    fails(await cli('firmware', 'approve', 'coldchain-sensor', '2.0.0'), 'INVALID_ARGUMENT', 2)
    fails(await cli('firmware', 'revoke', 'coldchain-sensor', '2.0.0'), 'INVALID_ARGUMENT', 2)
  })
})
