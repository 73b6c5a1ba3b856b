// `veriot up --authorities 3` registers each node's BLS key (with its proof of possession) and
// the nodes answer a verified read with one aggregate that the device SDK verifies against the
// keys it read from AuthorityRegistry with proofs.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createVerifyingClient, deviceRegistrySlots, readAuthoritySet } from '@veriot/device'
import type { Hex } from 'viem'
import { runCli } from './runCli.ts'

describe('authority nodes from the CLI: BLS keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-auth-bls-'))
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

  test('default: every node registered a BLS key; an aggregate read of k = 3 verifies', async () => {
    const run = JSON.parse(readFileSync(join(dir, 'data', 'run.json'), 'utf8'))
    const authorities = run.authorities as { url: string; signer: Hex }[]
    const deployment = JSON.parse(readFileSync(join(dir, 'data', 'deployment.json'), 'utf8'))
    const registry = deployment.contracts.AuthorityRegistry.address as Hex
    // Nodes sign only at head − 2: let the registrations become final.
    await fetch(run.rpcUrl as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'anvil_mine', params: ['0x3'] }),
    })
    const client = createVerifyingClient({
      nodes: authorities.map((a) => a.url),
      chainId: 31337, // the embedded anvil
      registry,
      trustedSigners: new Set(authorities.map((a) => a.signer.toLowerCase() as Hex)),
      k: 3,
      aggregate: true,
    })
    const set = await readAuthoritySet(client, registry)
    assert.equal(set.signers.size, 3)
    assert.equal(set.blsPublicKeys.size, 3)
    client.setAuthoritySet(set)
    const slot = deviceRegistrySlots.device(`0x${'00'.repeat(32)}`)
    const read = await client.read({
      address: deployment.contracts.DeviceRegistry.address as Hex,
      slots: [slot],
    })
    assert.equal(read.signers.length, 3)
    assert.equal(read.values.get(slot), 0n)
  })
})
