// Authority nodes against anvil: one node answers a verified read with signatures it collects
// from its peers; the device-side verifier (pure, @veriot/device) accepts it only with k
// distinct trusted signers and rejects a lying peer's signature.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { capabilityToBytes32, firmwareVersionToUint64, isVeriotError } from '@veriot/core'
import { decodeDeviceWord, deviceRegistrySlots, verifyVerifiedRead } from '@veriot/device'
import type { Hex } from 'viem'
import { getAnvilAccount } from '../src/anvil/index.ts'
import { type AuthorityNode, startAuthorityNode } from '../src/authority/createAuthorityNode.ts'
import { createMemoryKey, startTestChain, type TestChain } from './testChain.ts'

describe('authority nodes: verified reads', () => {
  let chain: TestChain
  const nodes: AuthorityNode[] = []
  let deviceId: Hex
  // Any address serves as the digest's registry here; AuthorityRegistry wiring is separate.
  const registry = '0x000000000000000000000000000000000000a11c' as Hex
  const rpc = (method: string, params: unknown[] = []) =>
    fetch(chain.anvil.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    })
  const call = async (node: AuthorityNode, method: string, params: unknown) => {
    const r = await fetch(node.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params: [params] }),
    })
    return (await r.json()) as { result?: any; error?: any }
  }

  before(async () => {
    chain = await startTestChain()
    const admin = await chain.registry(0)
    const key = createMemoryKey()
    deviceId = (
      await admin.register(key, { model: 'car', firmwareVersion: firmwareVersionToUint64('1.0.0') })
    ).id
    await admin.provision(deviceId, getAnvilAccount(0).address)
    await admin.activate(deviceId)
    await admin.grantCapability(deviceId, 'command:unlock')
    for (const index of [5, 6, 7]) {
      nodes.push(
        await startAuthorityNode({
          conn: await chain.as(0),
          account: getAnvilAccount(index),
          registry,
          finalityDepth: 2,
        }),
      )
    }
    for (const n of nodes) n.setPeers(nodes.filter((m) => m !== n).map((m) => m.url))
    await rpc('anvil_mine', ['0x3']) // let the device's state become final
  })
  after(async () => {
    for (const n of nodes) await n.stop()
    await chain?.stop()
  })

  const policy = () => ({
    chainId: 31337,
    registry,
    trustedSigners: new Set(nodes.map((n) => n.signer.toLowerCase() as Hex)),
    k: 2,
    address: chain.deployment.contracts.DeviceRegistry.address,
    slots: [
      deviceRegistrySlots.device(deviceId),
      deviceRegistrySlots.capability(deviceId, capabilityToBytes32('command:unlock')),
    ],
  })

  test('default: one round trip gives a read that k = 2 of 3 trusted authorities signed', async () => {
    const p = policy()
    const answer = await call(nodes[0] as AuthorityNode, 'veriot_verifiedRead', {
      address: p.address,
      slots: p.slots,
      signers: nodes.slice(1).map((n) => n.signer),
    })
    assert.equal(answer.error, undefined, JSON.stringify(answer.error))
    assert.equal(answer.result.signatures.length, 2) // the two peers the device named
    const read = await verifyVerifiedRead(answer.result, p)
    const word = decodeDeviceWord(read.values.get(p.slots[0] as Hex) ?? 0n)
    assert.equal(word.status, 'active')
    assert.equal(word.owner.toLowerCase(), getAnvilAccount(0).address.toLowerCase())
    assert.notEqual(read.values.get(p.slots[1] as Hex), 0n)
  })

  test('error: a too-new or unknown block is refused with its code', async () => {
    const head = BigInt(await (await chain.as(0)).publicClient.getBlockNumber({ cacheTime: 0 }))
    const tooNew = await call(nodes[0] as AuthorityNode, 'veriot_attestBlock', {
      blockNumber: head.toString(),
    })
    assert.equal(tooNew.error?.data?.code, 'BLOCK_NOT_FINAL')
    const unknown = await call(nodes[0] as AuthorityNode, 'veriot_attestBlock', {
      blockNumber: (head + 100n).toString(),
    })
    assert.equal(unknown.error?.data?.code, 'BLOCK_UNKNOWN')
    const bad = await call(nodes[0] as AuthorityNode, 'veriot_verifiedRead', {
      address: 'nope',
      slots: [],
    })
    assert.equal(bad.error?.data?.code, 'INVALID_ARGUMENT')
  })

  test('error: a signature over another block hash does not count', async () => {
    const p = policy()
    const answer = await call(nodes[0] as AuthorityNode, 'veriot_verifiedRead', {
      address: p.address,
      slots: p.slots,
      signers: [nodes[1]?.signer],
    })
    // Replace node 1's signature by one it made over another block: a lie about this block.
    const other = await call(nodes[1] as AuthorityNode, 'veriot_attestBlock', {
      blockNumber: (BigInt(answer.result.block.number) - 1n).toString(),
    })
    answer.result.signatures = [{ signer: nodes[1]?.signer, signature: other.result.signature }]
    await assert.rejects(verifyVerifiedRead(answer.result, { ...p, k: 1 }), (e) =>
      isVeriotError(e, 'ATTESTATION_QUORUM_MISSING'),
    )
  })
})
