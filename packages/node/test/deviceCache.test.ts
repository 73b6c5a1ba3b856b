// The gateway's view of the registry follows chain events and survives reorgs: anvil's
// evm_snapshot / evm_revert (test-only RPC) rewinds the chain under a running cache.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { deviceIdFromPublicKey } from '@veriot/core'
import { getAnvilAccount } from '../src/anvil/index.ts'
import { createDeviceCache, type DeviceCache } from '../src/gateway/createDeviceCache.ts'
import type { RegistryClient } from '../src/registry/createRegistryClient.ts'
import { createMemoryKey, startTestChain, type TestChain } from './testChain.ts'

describe('device cache: events and reorgs', () => {
  let chain: TestChain
  let registry: RegistryClient
  let cache: DeviceCache
  const rpc = (method: string, params: unknown[] = []) =>
    fetch(chain.anvil.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    }).then(async (r) => ((await r.json()) as { result: unknown }).result)
  const until = async (check: () => Promise<boolean>, what: string) => {
    const deadline = Date.now() + 15_000
    while (Date.now() < deadline) {
      if (await check()) return
      await sleep(50)
    }
    assert.fail(`timed out waiting for: ${what}`)
  }

  before(async () => {
    chain = await startTestChain()
    registry = await chain.registry(0)
    cache = createDeviceCache(await chain.as(0), registry, {
      pollMs: 50,
      negativeTtlMs: 60_000,
      ttlMs: 600_000,
    })
  })
  after(async () => {
    cache?.stop()
    await chain?.stop()
  })

  test('behavior: an unknown device becomes known when its registration event arrives', async () => {
    const key = createMemoryKey()
    const id = deviceIdFromPublicKey(key.publicKey)
    assert.equal(await cache.get(id), undefined) // cached negative for a minute…
    await registry.register(key, { model: 'm', firmwareVersion: 1n })
    // …but the DeviceRegistered event drops that entry.
    await until(async () => (await cache.get(id))?.status === 'manufactured', 'registration seen')
  })

  test('behavior: lifecycle events invalidate; a reorg drops everything', async () => {
    const key = createMemoryKey()
    const { id } = await registry.register(key, { model: 'm', firmwareVersion: 1n })
    await registry.provision(id, getAnvilAccount(0).address)
    await registry.activate(id)
    await until(async () => (await cache.get(id))?.status === 'active', 'active')

    const snapshot = await rpc('evm_snapshot')
    await registry.suspend(id, 'test')
    await until(async () => (await cache.get(id))?.status === 'suspended', 'suspension seen')

    // Rewind: the suspension never happened on the canonical chain. Mine past the old height
    // so the cache sees a different block at the height it remembers.
    await rpc('evm_revert', [snapshot])
    await rpc('anvil_mine', ['0x3'])
    await until(async () => (await cache.get(id))?.status === 'active', 'reorg undone')
  })

  // The case CI once hit under load: the record was read at a block the poll had not reached,
  // the reorg replaced exactly that block, and the block the poll remembered stayed canonical.
  test('behavior: a record read above the followed block does not outlive a reorg of that block', async () => {
    const key = createMemoryKey()
    const { id } = await registry.register(key, { model: 'm', firmwareVersion: 1n })
    await registry.provision(id, getAnvilAccount(0).address)
    await registry.activate(id)
    // No timer polls: this cache moves only when told to.
    const manual = createDeviceCache(await chain.as(0), registry, { pollMs: 3_600_000 })
    try {
      await manual.sync()
      const snapshot = await rpc('evm_snapshot')
      await registry.suspend(id, 'test')
      assert.equal((await manual.get(id))?.status, 'suspended') // read above the followed block
      await rpc('evm_revert', [snapshot])
      await rpc('anvil_mine', ['0x3'])
      await manual.sync()
      assert.equal((await manual.get(id))?.status, 'active')
    } finally {
      manual.stop()
    }
  })

  test('behavior: sync waits for a poll, so events mined before it are seen after it', async () => {
    const key = createMemoryKey()
    const { id } = await registry.register(key, { model: 'm', firmwareVersion: 1n })
    await registry.provision(id, getAnvilAccount(0).address)
    await registry.activate(id)
    const manual = createDeviceCache(await chain.as(0), registry, { pollMs: 3_600_000 })
    try {
      await manual.sync()
      assert.equal((await manual.get(id))?.status, 'active')
      await registry.suspend(id, 'test')
      assert.equal((await manual.get(id))?.status, 'active') // cached, no poll yet
      await manual.sync()
      assert.equal((await manual.get(id))?.status, 'suspended')
    } finally {
      manual.stop()
    }
  })
})
