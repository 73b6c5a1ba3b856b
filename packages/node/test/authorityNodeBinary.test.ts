// An authority node asked for `encoding: "binary"` answers with the bare compact form of the
// same answer (application/cbor), which decodes and verifies like the JSON one; errors stay
// JSON-RPC.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { capabilityToBytes32, firmwareVersionToUint64 } from '@veriot/core'
import {
  decodeVerifiedReadBinary,
  deviceRegistrySlots,
  encodeVerifiedReadBinary,
  verifyVerifiedRead,
} from '@veriot/device'
import type { Hex } from 'viem'
import { getAnvilAccount } from '../src/anvil/index.ts'
import { type AuthorityNode, startAuthorityNode } from '../src/authority/createAuthorityNode.ts'
import { createMemoryKey, startTestChain, type TestChain } from './testChain.ts'

let chain: TestChain
const nodes: AuthorityNode[] = []
let deviceId: Hex
const registry = '0x000000000000000000000000000000000000a11c' as Hex

const post = (node: AuthorityNode, params: object) =>
  fetch(node.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'veriot_verifiedRead',
      params: [params],
    }),
  })

before(async () => {
  chain = await startTestChain()
  const admin = await chain.registry(0)
  deviceId = (
    await admin.register(createMemoryKey(), {
      model: 'car',
      firmwareVersion: firmwareVersionToUint64('1.0.0'),
    })
  ).id
  await admin.provision(deviceId, getAnvilAccount(0).address)
  await admin.activate(deviceId)
  await admin.grantCapability(deviceId, 'command:unlock')
  for (const index of [5, 6]) {
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
  await fetch(chain.anvil.rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'anvil_mine', params: ['0x3'] }),
  })
})

after(async () => {
  for (const n of nodes) await n.stop()
  await chain?.stop()
})

test('default: encoding "binary" gives the compact form of the same answer, and it verifies', async () => {
  const slots = [
    deviceRegistrySlots.device(deviceId),
    deviceRegistrySlots.capability(deviceId, capabilityToBytes32('command:unlock')),
  ]
  const head = BigInt(await chain.as(0).then((c) => c.publicClient.getBlockNumber()))
  const params = {
    address: chain.deployment.contracts.DeviceRegistry.address,
    slots,
    signers: nodes.map((n) => n.signer),
    blockNumber: (head - 2n).toString(),
  }
  const node = nodes[0] as AuthorityNode
  const json = (await (await post(node, params)).json()) as { result: unknown }
  const response = await post(node, { ...params, encoding: 'binary' })
  assert.equal(response.headers.get('content-type'), 'application/cbor')
  const bytes = new Uint8Array(await response.arrayBuffer())
  assert.deepEqual(bytes, encodeVerifiedReadBinary(json.result as never))
  assert.ok(bytes.length * 2 <= JSON.stringify(json.result).length)
  const read = await verifyVerifiedRead(decodeVerifiedReadBinary(bytes), {
    chainId: 31337,
    registry,
    trustedSigners: new Set(nodes.map((n) => n.signer.toLowerCase() as Hex)),
    k: 2,
    address: params.address,
    slots,
  })
  assert.equal(read.values.get(slots[1] as Hex), 1n)
})

test('error: a bad request with encoding "binary" still answers a JSON-RPC error', async () => {
  const response = await post(nodes[0] as AuthorityNode, {
    address: chain.deployment.contracts.DeviceRegistry.address,
    slots: ['0x01'],
    encoding: 'binary',
  })
  const body = (await response.json()) as { error?: { data?: { code?: string } } }
  assert.equal(body.error?.data?.code, 'INVALID_ARGUMENT')
  const other = (await (
    await post(nodes[0] as AuthorityNode, {
      address: chain.deployment.contracts.DeviceRegistry.address,
      slots: [deviceRegistrySlots.device(deviceId)],
      encoding: 'cbor',
    })
  ).json()) as { error?: { data?: { code?: string } } }
  assert.equal(other.error?.data?.code, 'INVALID_ARGUMENT')
})
