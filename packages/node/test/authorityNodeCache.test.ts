// An authority node keeps, per block, the header RLP and the peers' signatures that verify:
// repeated verified reads of one block cost one eth_getProof each and no other request, to the
// chain or to a peer. A peer's bad signature is passed on but not kept, so it is asked again.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { verifyVerifiedRead } from '@veriot/device'
import type { Hex } from 'viem'
import { getAnvilAccount } from '../src/anvil/index.ts'
import { type AuthorityNode, startAuthorityNode } from '../src/authority/createAuthorityNode.ts'
import { connectChain } from '../src/chain/connectChain.ts'
import { startTestChain, type TestChain } from './testChain.ts'

type Proxy = {
  url: string
  /** JSON-RPC methods seen since the last reset, in order. */
  methods: string[]
  /** Rewrites the next answers' bodies while set. */
  rewrite: ((body: string) => string) | undefined
  close(): Promise<void>
}

/** A loopback HTTP proxy in front of `target` that records every JSON-RPC method it passes. */
async function startCountingProxy(target: string): Promise<Proxy> {
  const proxy: Proxy = { url: '', methods: [], rewrite: undefined, close: async () => {} }
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const parsed = JSON.parse(body) as { method: string } | { method: string }[]
    for (const r of Array.isArray(parsed) ? parsed : [parsed]) proxy.methods.push(r.method)
    const upstream = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    const text = await upstream.text()
    res.writeHead(upstream.status, { 'content-type': 'application/json' })
    res.end(proxy.rewrite ? proxy.rewrite(text) : text)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  proxy.close = () => new Promise<void>((resolve) => server.close(() => resolve()))
  return proxy
}

describe('authority node: per-block cache', () => {
  let chain: TestChain
  let chainProxy: Proxy
  const peerProxies: Proxy[] = []
  const nodes: AuthorityNode[] = []
  const registry = '0x000000000000000000000000000000000000a11c' as Hex
  const slots = [`0x${'0'.repeat(64)}`, `0x${'0'.repeat(63)}1`] as Hex[]

  const read = async (blockNumber: bigint) => {
    const r = await fetch((nodes[0] as AuthorityNode).url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'veriot_verifiedRead',
        params: [
          {
            address: chain.deployment.contracts.DeviceRegistry.address,
            slots,
            signers: nodes.map((n) => n.signer),
            blockNumber: blockNumber.toString(),
          },
        ],
      }),
    })
    return (await r.json()) as { result?: any; error?: unknown }
  }
  const verify = (result: unknown, k: number) =>
    verifyVerifiedRead(result, {
      chainId: 31337,
      registry,
      trustedSigners: new Set(nodes.map((n) => n.signer.toLowerCase() as Hex)),
      k,
      address: chain.deployment.contracts.DeviceRegistry.address,
      slots,
    })
  const resetCounts = () => {
    chainProxy.methods = []
    for (const p of peerProxies) p.methods = []
  }
  const peerRequests = () => peerProxies.flatMap((p) => p.methods)

  before(async () => {
    chain = await startTestChain()
    chainProxy = await startCountingProxy(chain.anvil.rpcUrl)
    for (const [i, index] of [5, 6, 7].entries()) {
      const conn = await connectChain({ rpcUrl: i === 0 ? chainProxy.url : chain.anvil.rpcUrl })
      nodes.push(await startAuthorityNode({ conn, account: getAnvilAccount(index), registry }))
    }
    for (const n of nodes.slice(1)) peerProxies.push(await startCountingProxy(n.url))
    ;(nodes[0] as AuthorityNode).setPeers(peerProxies.map((p) => p.url))
    await fetch(chain.anvil.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'anvil_mine', params: ['0x4'] }),
    })
  })
  after(async () => {
    for (const n of nodes) await n.stop()
    for (const p of [chainProxy, ...peerProxies]) await p?.close()
    await chain?.stop()
  })

  test('default: repeated reads of one block make one eth_getProof each and nothing else', async () => {
    const head = await (await chain.as(0)).publicClient.getBlockNumber({ cacheTime: 0 })
    const block = head - 2n
    const first = await read(block)
    assert.equal(first.error, undefined, JSON.stringify(first.error))
    await verify(first.result, 3)
    assert.ok(chainProxy.methods.includes('eth_getBlockByNumber'))
    assert.equal(peerRequests().length, 2)

    resetCounts()
    for (let i = 0; i < 3; i++) {
      const again = await read(block)
      assert.deepEqual(again.result, first.result)
      await verify(again.result, 3)
    }
    assert.deepEqual(chainProxy.methods, ['eth_getProof', 'eth_getProof', 'eth_getProof'])
    assert.deepEqual(peerRequests(), [])

    // Another block is fetched and asked for once.
    resetCounts()
    const older = await read(block - 1n)
    await verify(older.result, 3)
    assert.ok(chainProxy.methods.includes('eth_getBlockByNumber'))
    assert.equal(peerRequests().length, 2)
  })

  test('behavior: a peer signature that does not verify is passed on, not kept, and asked again', async () => {
    const head = await (await chain.as(0)).publicClient.getBlockNumber({ cacheTime: 0 })
    const block = head - 3n - 2n // not read before
    const liar = peerProxies[1] as Proxy
    // Flip a bit of s in the peer's answer: a signature by nobody the device trusts.
    liar.rewrite = (body) =>
      body.replace(/("signature":"0x[0-9a-f]{100})([0-9a-f])/, (_, head, digit: string) => {
        return `${head}${(Number.parseInt(digit, 16) ^ 1).toString(16)}`
      })
    const bad = await read(block)
    assert.equal(bad.result.signatures.length, 3)
    await verify(bad.result, 2) // the two good ones
    await assert.rejects(verify(bad.result, 3))

    liar.rewrite = undefined
    resetCounts()
    const good = await read(block)
    await verify(good.result, 3)
    assert.deepEqual(chainProxy.methods, ['eth_getProof'])
    // Only the peer whose signature was not kept is asked again.
    assert.deepEqual((peerProxies[0] as Proxy).methods, [])
    assert.deepEqual(liar.methods, ['veriot_attestBlock'])
  })
})
