// An authority node: JSON-RPC over HTTP. `veriot_attestBlock` signs a finalized block hash;
// `veriot_verifiedRead` answers a storage read with the EIP-1186 account and storage proofs,
// the RLP block header, and signatures over the block hash from the signers the device named,
// collected from the other authority nodes so the device makes one round trip. Asked with
// `aggregate: true`, it answers with one BLS12-381 aggregate of those signers' BLS signatures
// instead, each checked against the key the signer registered. `veriot_verifiedReceipt` answers
// with a transaction's receipt proven against the block's receiptsRoot, signed the same way.

import { RLP } from '@ethereumjs/rlp'
import { serve } from '@hono/node-server'
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { type ErrorCode, ErrorCodes, VeriotError } from '@veriot/core'
import {
  type Address,
  attestationDigest,
  encodeVerifiedReadBinary,
  type VerifiedReadResponse,
  verifyAggregateAttestation,
  verifyAttestationSignature,
} from '@veriot/device'
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { bytesToHex, getAddress, type Hex, hexToBytes, isAddress, type LocalAccount } from 'viem'
import { z } from 'zod'
import { blockHeaderToRlp } from '../chain/blockHeaderToRlp.ts'
import type { ChainConnection } from '../chain/connectChain.ts'
import type { RpcReceipt } from '../chain/receiptToRlp.ts'
import { buildReceiptProof } from './buildReceiptProof.ts'
import { type Attestation, createAttester } from './createAttester.ts'
import type { Watchdog } from './createWatchdog.ts'
import { getBlsPublicKey } from './getBlsPublicKey.ts'

export type AuthorityNodeOptions = {
  conn: ChainConnection
  account: LocalAccount
  registry: Hex
  /** Other authority nodes' URLs; their signers are learned from their answers. */
  peers?: string[]
  finalityDepth?: number
  host?: string
  port?: number
  /** Per peer request, ms. Default 3000. */
  peerTimeoutMs?: number
  /**
   * The built-in watchdog: examines evidence sent with `veriot_submitEvidence` and samples
   * the peers' attestations every `sampleEveryMs` (default 30 s; 0 = never).
   */
  watchdog?: Watchdog
  sampleEveryMs?: number
  /**
   * How often the built-in watchdog saves due checkpoints (Watchdog.saveCheckpoints), ms.
   * Default 60 s: well within the 256 blocks BLOCKHASH reaches on a chain without EIP-2935.
   * 0 = never.
   */
  checkpointCheckEveryMs?: number
  /** BLS12-381 secret key (see accountToBlsSecretKey): also sign with BLS, for aggregates. */
  blsSecretKey?: Uint8Array
}

export type AuthorityNode = {
  readonly url: string
  readonly signer: Hex
  /** 96-byte uncompressed G1 key, when the node signs with BLS too. */
  readonly blsPublicKey?: Hex
  setPeers(urls: string[]): void
  stop(): Promise<void>
}

/**
 * Blocks whose header RLP and peers' signatures a node keeps for repeated verified reads
 * (least recently used out). A signed block is final, so neither changes.
 */
export const AUTHORITY_BLOCK_CACHE_SIZE = 256

/** Largest JSON-RPC request body a node reads; a verified read's params are a few KB. */
export const AUTHORITY_RPC_MAX_BODY_BYTES = 64 * 1024

const quantity = z.string().regex(/^(0|[1-9]\d{0,19})$/, 'expected a decimal block number')
const word = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected a 32-byte 0x word')
const addressSchema = z
  .string()
  .refine((s) => isAddress(s, { strict: false }), 'expected an address')
const readParams = z.strictObject({
  address: addressSchema,
  slots: z.array(word).min(1).max(32),
  signers: z.array(addressSchema).max(16).default([]),
  blockNumber: quantity.optional(),
  /** Answer with one BLS aggregate signature instead of per-signer secp256k1 signatures. */
  aggregate: z.boolean().optional(),
  /** "binary": answer with the bare encodeVerifiedReadBinary bytes (application/cbor). */
  encoding: z.enum(['json', 'binary']).optional(),
})
const receiptParams = z.strictObject({
  txHash: word,
  signers: z.array(addressSchema).max(16).default([]),
  /** Only JSON: the compact binary form is defined for verified reads alone. */
  encoding: z.literal('json').optional(),
})
const attestParams = z.strictObject({ blockNumber: quantity })
const blsSignatureSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{384}$/, 'expected 192 bytes, an uncompressed G2 point')
const evidenceParams = z.union([
  z.strictObject({
    signer: addressSchema,
    blockNumber: quantity,
    blockHash: word,
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'expected 65 bytes r ‖ s ‖ v'),
  }),
  z.strictObject({
    signers: z.array(addressSchema).min(1).max(64),
    blockNumber: quantity,
    blockHash: word,
    aggregateSignature: blsSignatureSchema,
  }),
])

type RpcError = { code: number; message: string; data: { code: string } }

function rpcError(err: unknown): RpcError {
  if (err instanceof VeriotError) {
    return { code: -32000, message: err.message, data: { code: err.code } }
  }
  if (err instanceof z.ZodError) {
    const issue = err.issues[0]
    return {
      code: -32602,
      message: `"${issue?.path.join('.') || 'params'}" ${issue?.message ?? 'is invalid'}`,
      data: { code: 'INVALID_ARGUMENT' },
    }
  }
  return { code: -32603, message: 'internal error', data: { code: 'INTERNAL' } }
}

/** Starts an authority node on `host:port` (default 127.0.0.1:0). */
export async function startAuthorityNode(options: AuthorityNodeOptions): Promise<AuthorityNode> {
  const attester = createAttester({
    conn: options.conn,
    account: options.account,
    registry: options.registry,
    ...(options.finalityDepth !== undefined ? { finalityDepth: options.finalityDepth } : {}),
    ...(options.blsSecretKey ? { blsSecretKey: options.blsSecretKey } : {}),
  })
  let peers = options.peers ?? []
  const peerSigner = new Map<string, Hex>() // url → signer, learned from answers
  const timeout = options.peerTimeoutMs ?? 3000

  async function callPeer(url: string, method: string, params: unknown): Promise<unknown> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: [params] }),
      signal: AbortSignal.timeout(timeout),
    })
    const body = (await response.json()) as { result?: unknown; error?: RpcError }
    if (body.error) {
      // A peer's code is only passed on when it is one of ours; anything else is the peer failing.
      const code = body.error.data?.code
      throw new VeriotError(
        code !== undefined && code in ErrorCodes ? (code as ErrorCode) : 'AUTHORITY_UNREACHABLE',
        `peer ${url}: ${String(body.error.message).slice(0, 200)}`,
      )
    }
    return body.result
  }

  // Per block (`number:hash`): its header RLP, and each peer signer's (lowercase) attestation
  // once it verified over that hash. Repeated reads of a block then cost one eth_getProof.
  const headers = new Map<string, Hex>()
  const peerAttestations = new Map<string, Map<string, Attestation>>()

  /** The header RLP of the block this node signed as `blockHash`, fetched once per block. */
  async function headerOf(blockNumber: bigint, blockHash: Hex): Promise<Hex> {
    const key = blockKey(blockNumber, blockHash)
    const hit = touch(headers, key)
    if (hit !== undefined) return hit
    const block = await options.conn.publicClient.request({
      method: 'eth_getBlockByNumber',
      params: [`0x${blockNumber.toString(16)}`, false],
    })
    if (!block) throw new VeriotError('BLOCK_UNKNOWN', `no block ${blockNumber}`)
    const hash = (block as { hash: Hex }).hash
    if (hash.toLowerCase() !== blockHash.toLowerCase()) {
      // The chain moved under a block this node signed (a reorg below the finality depth).
      throw new VeriotError(
        'BLOCK_UNKNOWN',
        `block ${blockNumber} is now ${hash}, not the ${blockHash} this node signed`,
        { context: { blockNumber, expected: blockHash, got: hash } },
      )
    }
    const header = blockHeaderToRlp(block as unknown as Record<string, unknown>)
    remember(headers, key, header)
    return header
  }

  /**
   * Signatures over `blockNumber` from the named signers (self included), best effort. Peers'
   * signatures that verify over `blockHash` are kept; a peer is asked only for what is missing.
   */
  async function collect(
    blockNumber: bigint,
    blockHash: Hex,
    wanted: Hex[],
  ): Promise<Attestation[]> {
    const want = new Set(wanted.map((s) => s.toLowerCase()))
    const out: Attestation[] = []
    if (want.size === 0 || want.has(attester.signer.toLowerCase())) {
      out.push(await attester.attest(blockNumber))
    }
    const key = blockKey(blockNumber, blockHash)
    const kept = touch(peerAttestations, key) ?? new Map<string, Attestation>()
    for (const [signer, a] of kept) if (want.has(signer)) out.push(a)
    const digest = attestationDigest({
      chainId: options.conn.chainId,
      registry: options.registry,
      blockNumber,
      blockHash,
    })
    const asks = peers
      .filter((url) => {
        const known = peerSigner.get(url)?.toLowerCase()
        return known === undefined || (want.has(known) && !kept.has(known))
      })
      .map(async (url) => {
        try {
          const a = (await callPeer(url, 'veriot_attestBlock', {
            blockNumber: blockNumber.toString(),
          })) as {
            signer: Hex
            blockNumber: string
            blockHash: Hex
            signature: Hex
            blsSignature?: unknown
          }
          peerSigner.set(url, getAddress(a.signer))
          const signer = a.signer.toLowerCase()
          if (!want.has(signer) || kept.has(signer)) return
          // Passed on as given: the device checks every signature itself and hands a
          // signature over a wrong hash to the watchdog as evidence.
          const attestation: Attestation = {
            signer: getAddress(a.signer),
            blockNumber: BigInt(a.blockNumber),
            blockHash: a.blockHash,
            signature: a.signature,
            ...(blsSignatureSchema.safeParse(a.blsSignature).success
              ? { blsSignature: a.blsSignature as Hex }
              : {}),
          }
          out.push(attestation)
          // Kept only when it is good for this very block; anything else is asked again.
          if (
            attestation.blockNumber === blockNumber &&
            String(attestation.blockHash).toLowerCase() === blockHash.toLowerCase() &&
            verifyAttestationSignature(signer as Address, attestation.signature, digest)
          ) {
            kept.set(signer, attestation)
          }
        } catch {
          // A silent or failing peer only means fewer signatures; the device needs k.
        }
      })
    await Promise.all(asks)
    if (kept.size > 0) remember(peerAttestations, key, kept)
    return out
  }

  /**
   * The named signers' attestations of this very block (number and hash), as a verified read
   * or a receipt proof carries them; self included when named.
   */
  async function signaturesOf(
    blockNumber: bigint,
    blockHash: Hex,
    signers: readonly string[],
  ): Promise<Attestation[]> {
    const all = await collect(
      blockNumber,
      blockHash,
      signers.map((s) => getAddress(s)),
    )
    return all.filter((a) => a.blockNumber === blockNumber)
  }

  /**
   * A receipt proof for `txHash`: the receipt's block must be one this node signs (final), its
   * header comes from the per-block cache, and the proof is built from all the block's
   * receipts and checked against the header's receiptsRoot before it is served.
   * @throws TRANSACTION_UNKNOWN, BLOCK_NOT_FINAL, BLOCK_UNKNOWN; Error (internal) when the
   *   receipts do not rebuild the root
   */
  async function receiptProofOf(txHash: Hex, signers: readonly string[]) {
    const receipt = (await options.conn.publicClient.request({
      method: 'eth_getTransactionReceipt',
      params: [txHash],
    })) as (RpcReceipt & { blockNumber: Hex; blockHash: Hex }) | null
    if (!receipt) {
      throw new VeriotError(
        'TRANSACTION_UNKNOWN',
        `this node's chain has no mined transaction ${txHash}`,
        { context: { txHash } },
      )
    }
    const blockNumber = BigInt(receipt.blockNumber)
    // Refuse what this node would not sign itself; its signature names the block's hash.
    const { blockHash } = await attester.attest(blockNumber)
    if (receipt.blockHash.toLowerCase() !== blockHash.toLowerCase()) {
      // The chain moved under a block this node signed (a reorg below the finality depth).
      throw new VeriotError(
        'BLOCK_UNKNOWN',
        `transaction ${txHash} is now in block ${receipt.blockHash}, not the ${blockHash} this node signed`,
        { context: { blockNumber, expected: blockHash, got: receipt.blockHash } },
      )
    }
    const [header, receipts] = await Promise.all([
      headerOf(blockNumber, blockHash),
      options.conn.publicClient.request({
        method: 'eth_getBlockReceipts',
        params: [`0x${blockNumber.toString(16)}`],
      }) as Promise<(RpcReceipt & { blockHash: Hex })[] | null>,
    ])
    if (!receipts || receipts.some((r) => r.blockHash.toLowerCase() !== blockHash.toLowerCase())) {
      throw new Error(`eth_getBlockReceipts gave no receipts of block ${blockHash}`)
    }
    const receiptsRoot = bytesToHex(
      (RLP.decode(hexToBytes(header)) as Uint8Array[])[5] as Uint8Array,
    )
    const transactionIndex = Number(BigInt(receipt.transactionIndex))
    const [proof, signatures] = await Promise.all([
      buildReceiptProof(receipts, transactionIndex, receiptsRoot),
      signaturesOf(blockNumber, blockHash, signers),
    ])
    return {
      chainId: options.conn.chainId,
      registry: options.registry,
      block: { number: blockNumber.toString(), hash: blockHash, header },
      receipt: { transactionIndex, proof },
      signatures: signatures.map((a) => ({ signer: a.signer, signature: a.signature })),
    }
  }

  const blsKeys = new Map<string, Hex>() // signer (lowercase) → registered key, once found
  async function registeredBlsKey(signer: Hex): Promise<Hex | undefined> {
    const hit = blsKeys.get(signer.toLowerCase())
    if (hit) return hit
    const key = await getBlsPublicKey(options.conn, options.registry, signer).catch(() => undefined)
    if (key) blsKeys.set(signer.toLowerCase(), key)
    return key
  }

  /**
   * One aggregate of the BLS signatures over `blockHash` whose signers registered a key:
   * checked as a whole, and when that fails each part alone, so one bad peer cannot spoil
   * the answer. Undefined when no part is valid.
   */
  async function aggregateOf(
    blockNumber: bigint,
    blockHash: Hex,
    attestations: Attestation[],
  ): Promise<{ signers: Address[]; signature: Hex } | undefined> {
    type Part = {
      signer: Address
      key: Hex
      point: ReturnType<typeof bls12_381.G2.Point.fromBytes>
    }
    const parts: Part[] = []
    for (const a of attestations) {
      if (!a.blsSignature || a.blockHash.toLowerCase() !== blockHash.toLowerCase()) continue
      const signer = a.signer.toLowerCase() as Address
      if (parts.some((p) => p.signer === signer)) continue
      const key = await registeredBlsKey(a.signer)
      if (!key) continue
      try {
        parts.push({ signer, key, point: bls12_381.G2.Point.fromBytes(hexToBytes(a.blsSignature)) })
      } catch {
        // not a G2 point: left out
      }
    }
    parts.sort((x, y) => (x.signer < y.signer ? -1 : 1))
    const build = (ps: Part[]) => ({
      signers: ps.map((p) => p.signer),
      signature: bytesToHex(
        bls12_381.longSignatures.aggregateSignatures(ps.map((p) => p.point)).toBytes(false),
      ),
    })
    const verifies = (ps: Part[]): boolean => {
      try {
        verifyAggregateAttestation({
          chainId: options.conn.chainId,
          registry: options.registry,
          blockNumber,
          blockHash,
          aggregate: build(ps),
          trustedSigners: new Set(ps.map((p) => p.signer)),
          trustedBlsKeys: new Map(ps.map((p) => [p.signer, p.key])),
          k: ps.length,
        })
        return true
      } catch {
        return false
      }
    }
    if (parts.length === 0) return undefined
    if (verifies(parts)) return build(parts)
    const good = parts.filter((p) => verifies([p]))
    return good.length > 0 ? build(good) : undefined
  }

  const app = new Hono()
  app.post(
    '/',
    bodyLimit({
      maxSize: AUTHORITY_RPC_MAX_BODY_BYTES,
      onError: (c) =>
        c.json(
          {
            jsonrpc: '2.0',
            id: null,
            error: {
              code: -32600,
              message: `request body larger than ${AUTHORITY_RPC_MAX_BODY_BYTES} bytes`,
              data: { code: 'INVALID_ARGUMENT' },
            },
          },
          413,
          // The rest of the body is never read: the connection cannot be reused.
          { connection: 'close' },
        ),
    }),
  )
  app.post('/', async (c) => {
    let id: unknown = null
    try {
      const body = parseRequest(await c.req.text())
      if ('error' in body) return c.json({ jsonrpc: '2.0', id: null, error: body.error })
      id = body.id ?? null
      const params = Array.isArray(body.params) ? body.params[0] : undefined
      if (body.method === 'veriot_attestBlock') {
        const p = attestParams.parse(params)
        const a = await attester.attest(BigInt(p.blockNumber))
        return c.json({
          jsonrpc: '2.0',
          id,
          result: { ...a, blockNumber: a.blockNumber.toString() },
        })
      }
      if (body.method === 'veriot_verifiedRead') {
        const p = readParams.parse(params)
        const blockNumber = p.blockNumber ? BigInt(p.blockNumber) : await attester.finalizedHead()
        // Refuse what this node would not sign itself; its signature names the block's hash.
        const { blockHash } = await attester.attest(blockNumber)
        const [header, proof] = await Promise.all([
          headerOf(blockNumber, blockHash),
          options.conn.publicClient.getProof({
            address: getAddress(p.address),
            storageKeys: p.slots as Hex[],
            blockNumber,
          }),
        ])
        const sameBlock = await signaturesOf(blockNumber, blockHash, p.signers)
        const aggregate = p.aggregate
          ? await aggregateOf(blockNumber, blockHash, sameBlock)
          : undefined
        return replyRead(c, p.encoding, {
          jsonrpc: '2.0',
          id,
          result: {
            chainId: options.conn.chainId,
            registry: options.registry,
            block: { number: blockNumber.toString(), hash: blockHash, header },
            account: { address: getAddress(p.address), proof: proof.accountProof },
            storage: proof.storageProof.map((s) => ({
              slot: s.key.length === 66 ? s.key : `0x${s.key.slice(2).padStart(64, '0')}`,
              proof: s.proof,
            })),
            // With `aggregate`, the BLS aggregate stands for the signers (none: the device
            // finds no quorum and asks elsewhere); otherwise one secp256k1 signature each.
            signatures: p.aggregate
              ? []
              : sameBlock.map((a) => ({ signer: a.signer, signature: a.signature })),
            ...(aggregate ? { aggregate } : {}),
          },
        })
      }
      if (body.method === 'veriot_verifiedReceipt') {
        const p = receiptParams.parse(params)
        return c.json({
          jsonrpc: '2.0',
          id,
          result: await receiptProofOf(p.txHash as Hex, p.signers),
        })
      }
      if (body.method === 'veriot_submitEvidence') {
        const p = evidenceParams.parse(params)
        if (!options.watchdog) {
          throw new VeriotError('INVALID_ARGUMENT', 'this node runs no watchdog')
        }
        const verdict =
          'signers' in p
            ? await options.watchdog.examineAggregate({
                signers: p.signers.map((s) => getAddress(s)),
                blockNumber: BigInt(p.blockNumber),
                blockHash: p.blockHash as Hex,
                aggregateSignature: p.aggregateSignature as Hex,
              })
            : await options.watchdog.examine({
                signer: getAddress(p.signer),
                blockNumber: BigInt(p.blockNumber),
                blockHash: p.blockHash as Hex,
                signature: p.signature as Hex,
              })
        return c.json({ jsonrpc: '2.0', id, result: jsonSafe(verdict) })
      }
      if (body.method === 'veriot_signer') {
        return c.json({
          jsonrpc: '2.0',
          id,
          result: {
            signer: attester.signer,
            ...(attester.blsPublicKey ? { blsPublicKey: attester.blsPublicKey } : {}),
          },
        })
      }
      return c.json({
        jsonrpc: '2.0',
        id,
        error: { code: -32601, message: 'method not found', data: { code: 'INVALID_ARGUMENT' } },
      })
    } catch (err) {
      return c.json({ jsonrpc: '2.0', id, error: rpcError(err) })
    }
  })

  const host = options.host ?? '127.0.0.1'
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, () => resolve(s))
    s.once('error', reject)
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const every = options.sampleEveryMs ?? 30_000
  const sampler =
    options.watchdog && every > 0
      ? setInterval(() => {
          for (const url of peers) options.watchdog?.sample(url, 1).catch(() => {})
        }, every)
      : undefined
  sampler?.unref()
  const checkEvery = options.checkpointCheckEveryMs ?? 60_000
  let checkpointing = false
  const checkpointer =
    options.watchdog && checkEvery > 0
      ? setInterval(() => {
          if (checkpointing) return // one round at a time; a slow chain must not pile them up
          checkpointing = true
          options.watchdog
            ?.saveCheckpoints()
            .catch(() => {})
            .finally(() => {
              checkpointing = false
            })
        }, checkEvery)
      : undefined
  checkpointer?.unref()
  return {
    url: `http://${host}:${port}`,
    signer: attester.signer,
    ...(attester.blsPublicKey ? { blsPublicKey: attester.blsPublicKey } : {}),
    setPeers(urls) {
      peers = urls
    },
    stop: () => {
      if (sampler) clearInterval(sampler)
      if (checkpointer) clearInterval(checkpointer)
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

type RpcRequest = { id?: unknown; method?: unknown; params?: unknown }

/** The cache key of a block: its number and hash. */
function blockKey(blockNumber: bigint, blockHash: Hex): string {
  return `${blockNumber}:${blockHash.toLowerCase()}`
}

/** The value at `key`, moved to the end (most recently used), or undefined. */
function touch<V>(cache: Map<string, V>, key: string): V | undefined {
  const hit = cache.get(key)
  if (hit === undefined) return undefined
  cache.delete(key)
  cache.set(key, hit)
  return hit
}

/** Stores `value` as the most recently used entry; the least recently used goes past the bound. */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  cache.delete(key)
  cache.set(key, value)
  if (cache.size > AUTHORITY_BLOCK_CACHE_SIZE) {
    const oldest = cache.keys().next()
    if (oldest.done !== true) cache.delete(oldest.value)
  }
}

/**
 * The request object of a JSON-RPC body, or the error to answer: -32700 for a body that is
 * not JSON, -32600 for JSON that is not one request object (batches are not served).
 */
function parseRequest(text: string): RpcRequest | { error: RpcError } {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return {
      error: {
        code: -32700,
        message: 'parse error: expected JSON',
        data: { code: 'INVALID_ARGUMENT' },
      },
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return {
      error: {
        code: -32600,
        message: 'invalid request: expected one JSON-RPC request object (no batches)',
        data: { code: 'INVALID_ARGUMENT' },
      },
    }
  }
  return body as RpcRequest
}

function jsonSafe(value: object): object {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))
}

/** A verified-read answer as JSON-RPC, or with `encoding: "binary"` as its bare compact form. */
function replyRead(
  c: Context,
  encoding: string | undefined,
  body: { jsonrpc: string; id: unknown; result: object },
) {
  if (encoding !== 'binary') return c.json(body)
  const bytes = new Uint8Array(encodeVerifiedReadBinary(body.result as VerifiedReadResponse))
  return c.body(bytes, 200, { 'content-type': 'application/cbor' })
}
