// Receipt and event proofs against anvil: one authority node answers veriot_verifiedReceipt
// with a receipt proven against the block's receiptsRoot and its peers' signatures; the
// device-side verifier (pure, @veriot/device) accepts it and finds the event. A block of
// several transactions (legacy, EIP-1559, one reverted) proves each at its own index.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { deviceRegistryAbi } from '@veriot/contracts'
import { capabilityToBytes32, firmwareVersionToUint64 } from '@veriot/core'
import { createVerifyingClient, findLog, verifyVerifiedReceipt } from '@veriot/device'
import { type Hex, keccak256, pad, parseEther, stringToBytes } from 'viem'
import { getAnvilAccount } from '../src/anvil/index.ts'
import { buildReceiptProof } from '../src/authority/buildReceiptProof.ts'
import { type AuthorityNode, startAuthorityNode } from '../src/authority/createAuthorityNode.ts'
import { createMemoryKey, startTestChain, type TestChain } from './testChain.ts'

const CAPABILITY_GRANTED = keccak256(stringToBytes('CapabilityGranted(bytes32,bytes32,address)'))

describe('authority nodes: receipt and event proofs', () => {
  let chain: TestChain
  const nodes: AuthorityNode[] = []
  let deviceId: Hex
  let grantTx: Hex
  // Any address serves as the digest's registry here; AuthorityRegistry wiring is separate.
  const registry = '0x000000000000000000000000000000000000a11c' as Hex
  const rpc = async (method: string, params: unknown[] = []) => {
    const r = await fetch(chain.anvil.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    })
    const body = (await r.json()) as { result?: any; error?: any }
    if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`)
    return body.result
  }
  const call = async (node: AuthorityNode, method: string, params: unknown) => {
    const r = await fetch(node.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params: [params] }),
    })
    return (await r.json()) as { result?: any; error?: any }
  }
  const policy = () => ({
    chainId: 31337,
    registry,
    trustedSigners: new Set(nodes.map((n) => n.signer.toLowerCase() as Hex)),
    k: 2,
  })
  const askReceipt = (txHash: Hex) =>
    call(nodes[0] as AuthorityNode, 'veriot_verifiedReceipt', {
      txHash,
      signers: nodes.slice(1).map((n) => n.signer),
    })

  before(async () => {
    chain = await startTestChain()
    const admin = await chain.registry(0)
    const key = createMemoryKey()
    deviceId = (
      await admin.register(key, { model: 'car', firmwareVersion: firmwareVersionToUint64('1.0.0') })
    ).id
    await admin.provision(deviceId, getAnvilAccount(0).address)
    await admin.activate(deviceId)
    grantTx = (await admin.grantCapability(deviceId, 'command:unlock')).txHash
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
  })
  after(async () => {
    for (const n of nodes) await n.stop()
    await chain?.stop()
  })

  test('error: a receipt in a block not yet final is refused with BLOCK_NOT_FINAL', async () => {
    // The grant is in the head block: newer than head − finality depth 2.
    const answer = await askReceipt(grantTx)
    assert.equal(answer.error?.code, -32000)
    assert.equal(answer.error?.data?.code, 'BLOCK_NOT_FINAL')
  })

  test('default: the grant receipt, signed by k = 2 peers, proves the CapabilityGranted event', async () => {
    await rpc('anvil_mine', ['0x3'])
    const answer = await askReceipt(grantTx)
    assert.equal(answer.error, undefined, JSON.stringify(answer.error))
    assert.deepEqual(Object.keys(answer.result).sort(), [
      'block',
      'chainId',
      'receipt',
      'registry',
      'signatures',
    ])
    assert.equal(answer.result.signatures.length, 2) // the two peers the device named
    const chainReceipt = await rpc('eth_getTransactionReceipt', [grantTx])
    const receipt = await verifyVerifiedReceipt(answer.result, policy())
    assert.equal(receipt.blockNumber, BigInt(chainReceipt.blockNumber))
    assert.equal(receipt.blockHash, chainReceipt.blockHash)
    assert.equal(receipt.transactionIndex, Number(chainReceipt.transactionIndex))
    assert.equal(receipt.status, 1)
    assert.equal(receipt.signers.length, 2)
    const log = findLog(receipt, {
      address: chain.deployment.contracts.DeviceRegistry.address,
      topic0: CAPABILITY_GRANTED,
    })
    assert.ok(log, 'CapabilityGranted found')
    assert.deepEqual(log.topics, [
      CAPABILITY_GRANTED,
      deviceId.toLowerCase(),
      capabilityToBytes32('command:unlock').toLowerCase(),
      pad(getAnvilAccount(0).address.toLowerCase() as Hex),
    ])
    assert.equal(log.data, '0x')
    // Logs equal the chain's own, in order.
    assert.deepEqual(
      receipt.logs.map((l) => ({ address: l.address, topics: l.topics, data: l.data })),
      chainReceipt.logs.map((l: any) => ({
        address: l.address.toLowerCase(),
        topics: l.topics.map((t: string) => t.toLowerCase()),
        data: l.data,
      })),
    )
    // Another event or contract is not found.
    assert.equal(
      findLog(receipt, {
        address: chain.deployment.contracts.DeviceRegistry.address,
        topic0: keccak256(stringToBytes('CapabilityRevoked(bytes32,bytes32,address)')),
      }),
      undefined,
    )
    assert.ok(Object.isFrozen(receipt) && Object.isFrozen(receipt.logs))
  })

  test('behavior: in a block of several transactions each receipt is proven at its own index', async () => {
    const contract = chain.deployment.contracts.DeviceRegistry
    await rpc('evm_setAutomine', [false])
    let hashes: { legacy: Hex; grant: Hex; reverted: Hex }
    try {
      const [c0, c1, c2] = await Promise.all([chain.as(0), chain.as(1), chain.as(2)])
      const legacy = await c1.walletClient?.sendTransaction({
        to: getAnvilAccount(3).address,
        value: parseEther('1'),
        type: 'legacy',
        gas: 21_000n,
      })
      const grant = await c0.walletClient?.writeContract({
        address: contract.address,
        abi: deviceRegistryAbi,
        functionName: 'grantCapability',
        args: [deviceId, capabilityToBytes32('command:open-trunk')],
        gas: 300_000n,
      })
      // Not the owner: reverts on chain (explicit gas, so nothing estimates it first).
      const reverted = await c2.walletClient?.writeContract({
        address: contract.address,
        abi: deviceRegistryAbi,
        functionName: 'grantCapability',
        args: [deviceId, capabilityToBytes32('command:start')],
        gas: 300_000n,
      })
      hashes = { legacy: legacy as Hex, grant: grant as Hex, reverted: reverted as Hex }
      await rpc('evm_mine')
    } finally {
      await rpc('evm_setAutomine', [true])
    }
    await rpc('anvil_mine', ['0x3'])
    const onChain = await Promise.all(
      [hashes.legacy, hashes.grant, hashes.reverted].map((h) =>
        rpc('eth_getTransactionReceipt', [h]),
      ),
    )
    assert.equal(new Set(onChain.map((r) => r.blockHash)).size, 1, 'one block')
    assert.deepEqual(onChain.map((r) => Number(r.transactionIndex)).sort(), [0, 1, 2])

    const proven = new Map<Hex, Awaited<ReturnType<typeof verifyVerifiedReceipt>>>()
    for (const [i, txHash] of [hashes.legacy, hashes.grant, hashes.reverted].entries()) {
      const answer = await askReceipt(txHash)
      assert.equal(answer.error, undefined, JSON.stringify(answer.error))
      const receipt = await verifyVerifiedReceipt(answer.result, policy())
      assert.equal(receipt.transactionIndex, Number(onChain[i].transactionIndex))
      assert.equal(receipt.blockHash, onChain[i].blockHash)
      proven.set(txHash, receipt)
    }
    const legacy = proven.get(hashes.legacy)
    assert.equal(legacy?.type, 0)
    assert.equal(legacy?.status, 1)
    assert.equal(legacy?.logs.length, 0)
    const grant = proven.get(hashes.grant)
    assert.equal(grant?.type, 2)
    assert.equal(grant?.status, 1)
    const log = grant && findLog(grant, { address: contract.address, topic0: CAPABILITY_GRANTED })
    assert.equal(log?.topics[2], capabilityToBytes32('command:open-trunk').toLowerCase())
    const reverted = proven.get(hashes.reverted)
    assert.equal(reverted?.status, 0, 'a reverted transaction is proven with status 0')
    assert.equal(reverted?.logs.length, 0)
  })

  test("error: receipts that do not rebuild the header's receiptsRoot are never proven", async () => {
    const tx = await rpc('eth_getTransactionReceipt', [grantTx])
    const block = await rpc('eth_getBlockByNumber', [tx.blockNumber, false])
    const receipts = await rpc('eth_getBlockReceipts', [tx.blockNumber])
    const index = Number(tx.transactionIndex)
    // The honest receipts give a proof.
    assert.ok((await buildReceiptProof(receipts, index, block.receiptsRoot)).length >= 1)
    const changedLog = structuredClone(receipts)
    changedLog[index].logs[0].data = '0x01'
    const changedStatus = structuredClone(receipts)
    changedStatus[index].status = '0x0'
    for (const [name, lie, root, at] of [
      ['another root', receipts, block.stateRoot, index],
      ['a changed log', changedLog, block.receiptsRoot, index],
      ['a changed status', changedStatus, block.receiptsRoot, index],
      ['a receipt missing', [], block.receiptsRoot, index],
      ['an index not in the block', receipts, block.receiptsRoot, receipts.length],
      ['an index twice', [...receipts, ...receipts], block.receiptsRoot, index],
    ] as const) {
      await assert.rejects(buildReceiptProof(lie, at, root), Error, name)
    }
  })

  test('error: an unknown transaction and malformed params are refused with their codes', async () => {
    const unknown = await askReceipt(keccak256(stringToBytes('never sent')))
    assert.equal(unknown.error?.code, -32000)
    assert.equal(unknown.error?.data?.code, 'TRANSACTION_UNKNOWN')
    for (const params of [
      { txHash: '0x1234', signers: [] },
      { txHash: grantTx, signers: ['nope'] },
      { txHash: grantTx, signers: [], encoding: 'binary' },
      { txHash: grantTx, signers: [], extra: 1 },
    ]) {
      const bad = await call(nodes[0] as AuthorityNode, 'veriot_verifiedReceipt', params)
      assert.equal(bad.error?.code, -32602, JSON.stringify(params))
      assert.equal(bad.error?.data?.code, 'INVALID_ARGUMENT')
    }
  })

  test('behavior: the verifying client proves a receipt through the first node that answers, and reports a node\'s "unknown"', async () => {
    const client = createVerifyingClient({
      // Port 1 on loopback: nothing listens there; the client moves on to the next node.
      nodes: ['http://127.0.0.1:1', ...nodes.map((n) => n.url)],
      chainId: 31337,
      registry,
      trustedSigners: policy().trustedSigners,
      k: 2,
    })
    const receipt = await client.receipt({ txHash: grantTx, maxAgeSeconds: 3600 })
    assert.equal(receipt.status, 1)
    assert.ok(
      findLog(receipt, {
        address: chain.deployment.contracts.DeviceRegistry.address,
        topic0: CAPABILITY_GRANTED,
      }),
    )
    await assert.rejects(client.receipt({ txHash: keccak256(stringToBytes('never sent')) }), {
      code: 'TRANSACTION_UNKNOWN',
    })
    // "Unknown" is the node's word, not a failure: the nodes are still asked next time.
    assert.equal((await client.receipt({ txHash: grantTx })).status, 1)
    assert.equal(client.evidence.length, 0)
  })
})
