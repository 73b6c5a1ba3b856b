// Hostile JSON-RPC at an authority node (fast-check): random bytes and JSON as the body, every
// method with random, wrongly typed and oversized params, batches, huge ids, bodies beyond the
// limit. The node must stay up, answer every request with a JSON-RPC error whose data.code is
// documented, and still serve valid requests afterwards.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ErrorCodes } from '@veriot/core'
import { deviceRegistrySlots, verifyVerifiedRead } from '@veriot/device'
import fc from 'fast-check'
import { type Hex, parseEther } from 'viem'
import { getAnvilAccount } from '../src/anvil/index.ts'
import { accountToBlsSecretKey } from '../src/authority/accountToBlsSecretKey.ts'
import {
  AUTHORITY_RPC_MAX_BODY_BYTES,
  type AuthorityNode,
  startAuthorityNode,
} from '../src/authority/createAuthorityNode.ts'
import { createWatchdog } from '../src/authority/createWatchdog.ts'
import { registerAuthority } from '../src/authority/registerAuthority.ts'
import { startTestChain, type TestChain } from './testChain.ts'

const METHODS = [
  'veriot_attestBlock',
  'veriot_verifiedRead',
  'veriot_verifiedReceipt',
  'veriot_submitEvidence',
  'veriot_signer',
] as const

type RpcAnswer = {
  jsonrpc?: unknown
  id?: unknown
  result?: unknown
  error?: { code?: unknown; message?: unknown; data?: { code?: unknown } }
}

describe('authority node: hostile JSON-RPC', () => {
  let chain: TestChain
  let node: AuthorityNode
  let registry: Hex

  const post = async (body: string | Uint8Array, contentType = 'application/json') => {
    const r = await fetch(node.url, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    })
    const text = await r.text()
    let answer: RpcAnswer
    try {
      answer = JSON.parse(text) as RpcAnswer
    } catch {
      assert.fail(`not JSON (HTTP ${r.status}): ${text.slice(0, 200)}`)
    }
    return { status: r.status, answer }
  }
  /**
   * A body beyond the limit: the node answers 413 with a JSON-RPC error, or, when it has not
   * read the rest of the body yet, closes the connection (the client sees the reset). Either
   * way it stays up: the next request is served.
   */
  const postOversized = async (body: string) => {
    assert.ok(body.length > AUTHORITY_RPC_MAX_BODY_BYTES)
    try {
      const { status, answer } = await post(body)
      assert.equal(status, 413)
      assertRpcError(answer, 'oversized')
    } catch (e) {
      if (!(e instanceof TypeError)) throw e // fetch failed: the connection was closed
    }
    const { answer } = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'veriot_signer' }),
    )
    assert.equal((answer.result as { signer: string }).signer, node.signer)
  }
  /** A JSON-RPC error with a numeric code and a documented data.code, never INTERNAL. */
  const assertRpcError = (answer: RpcAnswer, what: string) => {
    assert.equal(answer.jsonrpc, '2.0', what)
    assert.equal(answer.result, undefined, `${what}: answered ${JSON.stringify(answer.result)}`)
    assert.equal(typeof answer.error?.code, 'number', what)
    assert.equal(typeof answer.error?.message, 'string', what)
    const code = answer.error?.data?.code
    assert.ok(typeof code === 'string' && Object.hasOwn(ErrorCodes, code), `${what}: ${code}`)
    assert.notEqual(code, 'INTERNAL', `${what}: ${answer.error?.message}`)
  }
  const validRead = async () => {
    const address = chain.deployment.contracts.DeviceRegistry.address
    const slots = [deviceRegistrySlots.deviceCount()]
    const { answer } = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'veriot_verifiedRead',
        params: [{ address, slots, signers: [node.signer] }],
      }),
    )
    assert.equal(answer.error, undefined, JSON.stringify(answer.error))
    await verifyVerifiedRead(answer.result, {
      chainId: 31337,
      registry,
      trustedSigners: new Set([node.signer.toLowerCase() as Hex]),
      k: 1,
      address,
      slots,
    })
  }

  before(async () => {
    chain = await startTestChain()
    registry = chain.deployment.contracts.AuthorityRegistry.address
    const account = getAnvilAccount(5)
    const conn = await chain.as(5)
    const blsSecretKey = await accountToBlsSecretKey(account)
    node = await startAuthorityNode({
      conn,
      account,
      registry,
      finalityDepth: 2,
      blsSecretKey,
      watchdog: createWatchdog({ conn: await chain.as(8), authorityRegistry: registry }),
      sampleEveryMs: 0,
    })
    await registerAuthority(conn, {
      authorityRegistry: registry,
      signer: account,
      url: node.url,
      deposit: parseEther('2'),
      blsSecretKey,
    })
    await chain
      .as(0)
      .then((c) =>
        c.publicClient.request({ method: 'anvil_mine' as never, params: ['0x4'] as never }),
      )
    await validRead()
  })
  after(async () => {
    await node?.stop()
    await chain?.stop()
  })

  test('error: random bytes and random JSON as the body get a documented JSON-RPC error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.string({ maxLength: 200 }),
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
        ),
        fc.constantFrom('application/json', 'text/plain', 'application/octet-stream'),
        async (body, contentType) => {
          const { answer } = await post(body, contentType)
          // A random JSON value that happens to be a valid veriot_signer call is answered.
          if (answer.result !== undefined) return
          assertRpcError(answer, `body ${String(body).slice(0, 80)}`)
        },
      ),
      { numRuns: 300, includeErrorInReport: true },
    )
  })

  test('error: every method with random, wrongly typed or oversized params gets a documented error', async () => {
    const hostile = fc.oneof(
      fc.anything({ maxDepth: 2 }),
      fc.constantFrom(null, -1, 1e308, '', '0x', 'latest', '-1', '1e3', '99999999999999999999'),
      fc.record(
        {
          address: fc.oneof(fc.string({ maxLength: 50 }), fc.constant(node?.signer ?? '0x')),
          slots: fc.oneof(
            fc.array(fc.string({ maxLength: 70 }), { maxLength: 40 }),
            fc.constant(new Array(5000).fill(`0x${'00'.repeat(32)}`)),
          ),
          signers: fc.anything({ maxDepth: 1 }),
          blockNumber: fc.oneof(
            fc.string({ maxLength: 25 }),
            fc.bigInt().map(String),
            fc.integer(),
          ),
          aggregate: fc.anything({ maxDepth: 0 }),
          encoding: fc.string({ maxLength: 10 }),
          signer: fc.string({ maxLength: 50 }),
          blockHash: fc.string({ maxLength: 70 }),
          signature: fc.string({ maxLength: 140 }),
          signers2: fc.array(fc.string(), { maxLength: 100 }),
          aggregateSignature: fc.string({ maxLength: 400 }),
          txHash: fc.oneof(
            fc.string({ maxLength: 70 }),
            fc
              .uint8Array({ minLength: 32, maxLength: 32 })
              .map((b) => `0x${Buffer.from(b).toString('hex')}`),
          ),
        },
        { requiredKeys: [] },
      ),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...METHODS, 'eth_call', '', '__proto__', 'constructor'),
        fc.oneof(
          hostile.map((p) => [p]),
          hostile,
        ),
        fc.oneof(
          fc.integer(),
          fc.string({ maxLength: 20 }),
          fc.constant(null),
          fc.constant({ a: [1] }),
        ),
        async (method, params, id) => {
          const body = JSON.stringify({ jsonrpc: '2.0', id, method, params })
          if (body.length > AUTHORITY_RPC_MAX_BODY_BYTES) return postOversized(body)
          const { answer } = await post(body)
          if (method === 'veriot_signer') return // takes no params: always answers
          if (answer.result !== undefined) {
            // Only an honest answer to a request that happened to be valid.
            assert.ok(method === 'veriot_attestBlock' || method === 'veriot_submitEvidence')
            return
          }
          assertRpcError(answer, `${method} ${body.slice(0, 120)}`)
        },
      ),
      { numRuns: 300, includeErrorInReport: true },
    )
  })

  test('error: a body that is not one JSON request object: -32700 / -32600, INVALID_ARGUMENT', async () => {
    // Found by the fuzz: these were answered -32603 INTERNAL (a TypeError on `null.id`, and
    // c.req.json() throwing on an empty body), and a body of any size was read whole.
    for (const [body, code] of [
      ['', -32700],
      ['{', -32700],
      ['\u0000', -32700],
      ['null', -32600],
      ['7', -32600],
      ['"veriot_signer"', -32600],
      ['[]', -32600],
    ] as const) {
      const { answer } = await post(body)
      assertRpcError(answer, JSON.stringify(body))
      assert.equal(answer.error?.code, code, JSON.stringify(body))
      assert.equal(answer.error?.data?.code, 'INVALID_ARGUMENT')
      assert.equal(answer.id, null)
    }
  })

  test('error: batches, a body beyond the limit and a deep body get a documented error', async () => {
    const call = { jsonrpc: '2.0', id: 1, method: 'veriot_signer', params: [] }
    assertRpcError((await post(JSON.stringify([call, call]))).answer, 'batch')
    const huge = JSON.stringify({
      ...call,
      method: 'veriot_verifiedRead',
      params: [{ slots: ['0x'.padEnd(AUTHORITY_RPC_MAX_BODY_BYTES, '0')] }],
    })
    await postOversized(huge)
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`
    assertRpcError((await post(deep)).answer, 'deep')
  })

  test('default: after the fuzz the node still signs and answers verified reads', async () => {
    await validRead()
    const { answer } = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'veriot_signer' }),
    )
    assert.equal((answer.result as { signer: string }).signer, node.signer)
  })
})
