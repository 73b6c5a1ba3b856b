import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { runCli, startUp } from './runCli.ts'

// Anvil development accounts 1 and 2 (public test keys).
const ALICE = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const BOB = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'

describe('veriot CLI on the embedded chain', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-cli-'))
  const dataDir = join(dir, 'data')
  const env = {
    VERIOT_DATA_DIR: dataDir,
    VERIOT_KEY_PASSPHRASE: 'correct horse battery staple',
    VERIOT_CHAIN_PORT: '0',
    VERIOT_MQTT_PORT: '0',
    VERIOT_HTTP_PORT: '0',
  }
  const cli = (...args: string[]) => runCli(args, env)
  let stack: Awaited<ReturnType<typeof startUp>> | undefined
  let deviceId = ''

  before(async () => {
    stack = await startUp([], env)
  })
  after(async () => {
    await stack?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('default: up reports the deployment and status shows it', async () => {
    assert.equal(stack?.ready.status, 'ready')
    assert.equal(stack?.ready.deployed, true)
    const status = await cli('status', '--json')
    assert.equal(status.code, 0, status.stderr)
    assert.equal(status.json.chain.chainId, 31337)
    assert.equal(status.json.contracts.DeviceRegistry, stack?.ready.contracts.DeviceRegistry)
    assert.equal(status.json.devices.total, 0)
  })

  test('error: a second up from the same data directory is refused', async () => {
    const second = await cli('up', '--json')
    assert.equal(second.code, 7)
    assert.equal(second.json.error.code, 'ALREADY_RUNNING')
  })

  test('default: provision → show → transfer → suspend → history, with a key file', async () => {
    const key = `file:${join(dir, 'sensor-1.key')}`
    const provision = await cli(
      'device',
      'provision',
      '--key',
      key,
      '--create-key',
      '--model',
      'coldchain-sensor',
      '--firmware',
      '1.0.0',
      '--owner',
      ALICE,
      '--json',
    )
    assert.equal(provision.code, 0, provision.stderr)
    deviceId = provision.json.device.id
    assert.equal(provision.json.device.status, 'provisioned')
    assert.equal(provision.json.device.owner, ALICE)

    const keyShow = await cli('key', 'show', key, '--json')
    assert.equal(keyShow.json.deviceId, deviceId)

    // Alice (anvil account 1) activates, grants a capability and transfers to Bob.
    assert.equal((await cli('device', 'activate', deviceId, '--account', '1')).code, 0)
    assert.equal(
      (await cli('device', 'grant', deviceId, 'telemetry:temperature', '--account', '1')).code,
      0,
    )
    const transfer = await cli('device', 'transfer', deviceId, BOB, '--account', '1', '--json')
    assert.equal(transfer.code, 0, transfer.stderr)
    // The operator (account 0) holds the guardian role and suspends it.
    const suspend = await cli('device', 'suspend', deviceId, '--reason', 'tamper alarm', '--json')
    assert.equal(suspend.json.device.status, 'suspended')

    const show = await cli('device', 'show', deviceId, '--json')
    assert.equal(show.json.owner, BOB)
    assert.deepEqual(show.json.capabilities, ['telemetry:temperature'])

    const history = await cli('device', 'history', deviceId, '--json')
    assert.deepEqual(
      history.json.map((h: { event: string }) => h.event),
      [
        'DeviceRegistered',
        'DeviceProvisioned',
        'DeviceActivated',
        'CapabilityGranted',
        'DeviceTransferred',
        'DeviceSuspended',
      ],
    )
    const human = await cli('device', 'history', deviceId)
    assert.match(human.stdout, /DeviceSuspended .*reason=tamper alarm/)

    const list = await cli('device', 'list', '--status', 'suspended', '--json')
    assert.deepEqual(
      list.json.map((d: { id: string }) => d.id),
      [deviceId],
    )
  })

  test('error: bad inputs get their code and exit status and change nothing', async () => {
    const cases: Array<[string[], string, number]> = [
      [['device', 'show', '0x1234'], 'INVALID_DEVICE_ID', 2],
      [['device', 'show', `0x${'ab'.repeat(32)}`], 'DEVICE_UNKNOWN', 3],
      [['device', 'transfer', deviceId, 'not-an-address'], 'INVALID_ADDRESS', 2],
      // Alice no longer owns it: a non-owner transfer.
      [['device', 'transfer', deviceId, ALICE, '--account', '1'], 'DEVICE_NOT_OWNER', 4],
      // Suspended → Suspended is not a transition.
      [['device', 'suspend', deviceId], 'DEVICE_TRANSITION_FORBIDDEN', 4],
      // A stranger may not activate.
      [['device', 'activate', deviceId, '--account', '3'], 'NOT_AUTHORIZED', 4],
      // Replayed registration: the same key again.
      [
        [
          'device',
          'provision',
          '--key',
          `file:${join(dir, 'sensor-1.key')}`,
          '--model',
          'x',
          '--firmware',
          '1.0.0',
        ],
        'DEVICE_ALREADY_REGISTERED',
        4,
      ],
      [
        [
          'device',
          'provision',
          '--key',
          `file:${join(dir, 'missing.key')}`,
          '--model',
          'x',
          '--firmware',
          '1.0.0',
        ],
        'KEY_FILE_NOT_FOUND',
        6,
      ],
      [
        ['device', 'provision', '--key', 'nonsense', '--model', 'x', '--firmware', '1.0.0'],
        'KEY_URI_INVALID',
        6,
      ],
      [
        [
          'device',
          'provision',
          '--key',
          `file:${join(dir, 'k2.key')}`,
          '--create-key',
          '--model',
          'x',
          '--firmware',
          '1.0',
        ],
        'INVALID_ARGUMENT',
        2,
      ],
      [
        ['device', 'grant', deviceId, 'Not A Capability', '--account', '2'],
        'CAPABILITY_INVALID',
        4,
      ],
      [['device', 'frobnicate'], 'INVALID_ARGUMENT', 2],
      [['device', 'show', deviceId, '--account', '42'], 'INVALID_ARGUMENT', 2],
      [['status', '--rpc-url', 'http://127.0.0.1:9'], 'RPC_UNREACHABLE', 5],
    ]
    const before = await cli('device', 'show', deviceId, '--json')
    const historyBefore = await cli('device', 'history', deviceId, '--json')
    for (const [args, code, exit] of cases) {
      const r = await cli(...args, '--json')
      assert.equal(r.json?.error?.code, code, `${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.code, exit, `${args.join(' ')} exit status`)
    }
    const plain = await cli('device', 'show', '0x1234')
    assert.match(plain.stderr, /^error INVALID_DEVICE_ID: "device id" expected/)
    assert.deepEqual((await cli('device', 'show', deviceId, '--json')).json, before.json)
    assert.deepEqual((await cli('device', 'history', deviceId, '--json')).json, historyBefore.json)
    // The key file of the rejected provision with a bad firmware version was not created.
    const k2 = await cli('key', 'show', `file:${join(dir, 'k2.key')}`, '--json')
    assert.equal(k2.json.error.code, 'KEY_FILE_NOT_FOUND')
  })

  test('behavior: decommissioned is terminal and the key is never registered again', async () => {
    const r = await cli('device', 'decommission', deviceId, '--reason', 'end of life', '--json')
    assert.equal(r.code, 0, r.stderr)
    const again = await cli('device', 'activate', deviceId, '--json')
    assert.equal(again.json.error.code, 'DEVICE_TRANSITION_FORBIDDEN')
    const reRegister = await cli(
      'device',
      'provision',
      '--key',
      `file:${join(dir, 'sensor-1.key')}`,
      '--model',
      'x',
      '--firmware',
      '1.0.0',
      '--json',
    )
    assert.equal(reRegister.json.error.code, 'DEVICE_ALREADY_REGISTERED')
  })

  test('behavior: the model breaker trips, shows in device show, resets; bad inputs are refused', async () => {
    const trip = await cli(
      'breaker',
      'trip',
      '--model',
      'coldchain-sensor',
      '--reason',
      'firmware revoked',
      '--json',
    )
    assert.equal(trip.code, 0, trip.stderr)
    assert.equal(trip.json.paused, true)
    const status = await cli('breaker', 'status', '--model', 'coldchain-sensor', '--json')
    assert.equal(status.json.paused, true)
    const shown = await cli('device', 'show', deviceId, '--json')
    assert.equal(shown.json.modelPaused, true)
    const again = await cli('breaker', 'trip', '--model', 'coldchain-sensor', '--json')
    assert.equal(again.code, 4)
    assert.equal(again.json.error.code, 'MODEL_PAUSE_UNCHANGED')
    const reset = await cli('breaker', 'reset', '--model', 'coldchain-sensor', '--json')
    assert.equal(reset.code, 0, reset.stderr)
    assert.equal(
      (await cli('breaker', 'status', '--model', 'coldchain-sensor', '--json')).json.paused,
      false,
    )
    const tooLong = await cli('breaker', 'trip', '--model', 'x'.repeat(40), '--json')
    assert.equal(tooLong.code, 2)
    assert.equal(tooLong.json.error.code, 'INVALID_ARGUMENT')
    const missing = await cli('breaker', 'trip', '--json')
    assert.equal(missing.code, 2)
  })

  test('behavior: a restart keeps the chain state and finds the same devices', async () => {
    await stack?.stop()
    stack = await startUp([], env)
    assert.equal(stack.ready.deployed, false)
    const show = await cli('device', 'show', deviceId, '--json')
    assert.equal(show.code, 0, show.stderr)
    assert.equal(show.json.status, 'decommissioned')
    const history = await cli('device', 'history', deviceId, '--json')
    assert.equal(history.json.at(-1).event, 'DeviceDecommissioned')
    const status = await cli('status', '--json')
    assert.equal(status.json.devices.total, 1)
  })

  test('behavior: after down, commands say nothing runs', async () => {
    const down = await cli('down', '--json')
    assert.equal(down.code, 0, down.stderr)
    stack = undefined
    const status = await cli('status', '--json')
    assert.equal(status.json.error.code, 'NOT_INITIALIZED')
    assert.equal(status.code, 7)
  })
})

test('default: --help on every level', async () => {
  for (const args of [
    ['--help'],
    ['device', '--help'],
    ['device', 'provision', '--help'],
    ['key', 'create', '--help'],
  ]) {
    const r = await runCli(args)
    assert.equal(r.code, 0, args.join(' '))
    assert.match(r.stdout, /Usage: veriot/)
  }
})
