// `veriot condition create | show | close` against the embedded chain, and their bad inputs.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { runCli, startUp } from './runCli.ts'

describe('veriot condition', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-condition-'))
  const env = {
    VERIOT_DATA_DIR: join(dir, 'data'),
    VERIOT_CHAIN_PORT: '0',
    VERIOT_MQTT_PORT: '0',
    VERIOT_HTTP_PORT: '0',
  }
  const cli = (...args: string[]) => runCli(args, env)
  let stack: Awaited<ReturnType<typeof startUp>> | undefined
  const device = `0x${'ab'.repeat(32)}`
  const from = new Date(Date.now() - 60_000).toISOString()
  const to = new Date(Date.now() + 3_600_000).toISOString()
  const create = (...extra: string[]) =>
    cli(
      'condition',
      'create',
      '--shipment',
      'vaccine-7',
      '--device',
      device,
      '--metric',
      'temperature/temp/Cel',
      '--comparison',
      '<=',
      '--threshold',
      '-20',
      '--from',
      from,
      '--to',
      to,
      '--json',
      ...extra,
    )

  before(async () => {
    stack = await startUp([], env)
  })
  after(async () => {
    await stack?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('default: create → show; the window cannot close before its end', async () => {
    const created = await create()
    assert.equal(created.code, 0, created.stderr)
    const id = created.json.conditionId
    assert.match(id, /^0x[0-9a-f]{64}$/)
    const shown = await cli('condition', 'show', id, '--json')
    assert.equal(shown.code, 0, shown.stderr)
    assert.equal(shown.json.condition.comparison, '<=')
    assert.equal(shown.json.condition.threshold, '-20000')
    assert.equal(shown.json.compliance.result, 'open')
    assert.deepEqual(shown.json.breaches, [])
    const early = await cli('condition', 'close', id, '--json')
    assert.equal(early.json.error.code, 'CONDITION_NOT_CLOSABLE', early.stderr)
    // The same definition again is the same condition, not an error.
    assert.equal((await create()).json.conditionId, id)
  })

  test('behavior: the ConditionRegistry breaker pauses everything until an admin resumes', async () => {
    const paused = await cli('condition', 'pause', '--reason', 'audit', '--json')
    assert.equal(paused.code, 0, paused.stderr)
    assert.equal(paused.json.paused, true)
    const refused = await create('--shipment', 'during-pause')
    assert.equal(refused.json.error.code, 'CONDITIONS_PAUSED')
    const again = await cli('condition', 'pause', '--json')
    assert.equal(again.json.error.code, 'CONDITIONS_PAUSED')
    const resumed = await cli('condition', 'unpause', '--json')
    assert.equal(resumed.json.paused, false)
    assert.equal((await cli('condition', 'status', '--json')).json.paused, false)
    assert.equal((await create('--shipment', 'after-pause')).code, 0)
  })

  test('error: bad definitions are refused with their codes and create nothing', async () => {
    const cases: Array<[string[], string]> = [
      [['--comparison', '=='], 'INVALID_ARGUMENT'],
      [['--metric', 'temperature/temp'], 'INVALID_ARGUMENT'],
      [['--from', 'yesterday'], 'INVALID_ARGUMENT'],
      [['--to', from, '--from', to], 'CONDITION_INVALID'],
      [['--threshold', 'NaN'], 'CONDITION_INVALID'],
      [['--threshold', '-20.0001'], 'CONDITION_INVALID'],
      [['--party', 'nobody:receiver'], 'INVALID_ARGUMENT'],
    ]
    for (const [args, code] of cases) {
      // Later options win in commander: each case overrides one field of a good definition.
      const r = await create('--shipment', `bad-${code}-${args.join('')}`.slice(0, 32), ...args)
      assert.equal(r.json?.error?.code, code, `${args.join(' ')}: ${r.stderr}`)
      assert.notEqual(r.code, 0)
    }
    const unknown = await cli('condition', 'show', `0x${'00'.repeat(32)}`, '--json')
    assert.equal(unknown.json.error.code, 'CONDITION_UNKNOWN')
    assert.equal(unknown.code, 3)
    const malformed = await cli('condition', 'show', 'nope', '--json')
    assert.equal(malformed.json.error.code, 'INVALID_ARGUMENT')
  })
})
