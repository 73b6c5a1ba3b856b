// `--rpc-url` with a key from a keystore file or the environment: the CLI against an EVM
// endpoint it did not start (here a separate anvil, treated as any JSON-RPC network).
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { Wallet } from '@ethereumjs/wallet'
import { type Anvil, startAnvil } from '@veriot/node/anvil'
import { hexToBytes } from 'viem'
import { runCli } from './runCli.ts'

// Anvil's development account 0 (a public test key).
const OPERATOR_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

describe('veriot against a JSON-RPC network (--rpc-url)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-remote-'))
  let network: Anvil
  let other: Anvil
  const base = { VERIOT_DATA_DIR: join(dir, 'data'), VERIOT_KEY_PASSPHRASE: 'pass phrase' }

  before(async () => {
    network = await startAnvil()
    other = await startAnvil({ chainId: 4242 })
  })
  after(async () => {
    await network?.stop()
    await other?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  test('error: up without an account says how to give one', async () => {
    const r = await runCli(['up', '--rpc-url', network.rpcUrl, '--json'], base)
    assert.equal(r.json?.error?.code, 'ACCOUNT_MISSING')
    assert.equal(r.code, 7)
  })

  test('error: a keystore with the wrong password is refused, nothing deployed', async () => {
    const wallet = Wallet.fromPrivateKey(hexToBytes(OPERATOR_KEY))
    const keystore = await wallet.toV3('right password', { n: 1024 })
    writeFileSync(join(dir, 'operator.json'), JSON.stringify(keystore))
    const r = await runCli(
      ['up', '--rpc-url', network.rpcUrl, '--keystore', join(dir, 'operator.json'), '--json'],
      { ...base, VERIOT_KEYSTORE_PASSWORD: 'wrong password' },
    )
    assert.equal(r.json?.error?.code, 'KEY_PASSPHRASE_WRONG')
    assert.equal(r.code, 6)
    const status = await runCli(['status', '--json'], base)
    assert.equal(status.json?.error?.code, 'NOT_INITIALIZED')
  })

  test('default: up deploys once with a keystore account; later commands use the recorded network', async () => {
    const up = await runCli(
      ['up', '--rpc-url', network.rpcUrl, '--keystore', join(dir, 'operator.json'), '--json'],
      { ...base, VERIOT_KEYSTORE_PASSWORD: 'right password' },
    )
    assert.equal(up.code, 0, up.stderr)
    assert.equal(up.json.mode, 'remote')
    assert.equal(up.json.deployed, true)
    // Again: the recorded deployment is found, not redeployed.
    const again = await runCli(['up', '--rpc-url', network.rpcUrl, '--json'], {
      ...base,
      VERIOT_PRIVATE_KEY: OPERATOR_KEY,
    })
    assert.equal(again.json.deployed, false)
    assert.equal(again.json.contracts.DeviceRegistry, up.json.contracts.DeviceRegistry)

    const provision = await runCli(
      [
        'device',
        'provision',
        '--key',
        `file:${join(dir, 'd1.key')}`,
        '--create-key',
        '--model',
        'meter',
        '--firmware',
        '2.0.0',
        '--activate',
        '--json',
      ],
      { ...base, VERIOT_PRIVATE_KEY: OPERATOR_KEY },
    )
    assert.equal(provision.code, 0, provision.stderr)
    assert.equal(provision.json.device.status, 'active')
    const status = await runCli(['status', '--json'], base)
    assert.equal(status.json.chain.embedded, false)
    assert.equal(status.json.devices.active, 1)
  })

  test('error: a transaction without an account on a remote network', async () => {
    const list = await runCli(['device', 'list', '--json'], base)
    const id = list.json[0].id
    const r = await runCli(['device', 'suspend', id, '--json'], base)
    assert.equal(r.json?.error?.code, 'ACCOUNT_MISSING')
  })

  test('error: an endpoint serving another chain is refused (wrong chain id)', async () => {
    const r = await runCli(['status', '--rpc-url', other.rpcUrl, '--json'], base)
    assert.equal(r.json?.error?.code, 'CHAIN_ID_MISMATCH')
    assert.equal(r.code, 7)
  })

  test('error: an unreachable endpoint', async () => {
    const r = await runCli(['status', '--rpc-url', 'http://127.0.0.1:9', '--json'], base)
    assert.equal(r.json?.error?.code, 'RPC_UNREACHABLE')
    assert.equal(r.code, 5)
  })
})
