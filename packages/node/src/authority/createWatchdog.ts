// The watchdog: takes signatures that authorities made over block hashes (evidence handed in
// by devices, or sampled from nodes), checks each against its own chain, and convicts provable
// lies on AuthorityRegistry through commit–reveal, collecting the prover's reward. A lie
// signed by one BLS aggregate convicts every slashable signer in it at once. It also saves
// checkpoints of canonical hashes, so a lie about a block beyond BLOCKHASH / EIP-2935 reach
// stays provable: the reveal is preceded by extending the nearest checkpoint backwards.

import { authorityRegistryAbi } from '@veriot/contracts'
import { VeriotError } from '@veriot/core'
import { type Address, attestationDigest, verifyAggregateAttestation } from '@veriot/device'
import { bytesToHex, type Hex, recoverAddress, type TransactionReceipt, zeroHash } from 'viem'
import { blockHeaderToRlp } from '../chain/blockHeaderToRlp.ts'
import type { ChainConnection } from '../chain/connectChain.ts'
import { sendContractTx, type TxResult } from '../chain/sendContractTx.ts'
import { getBlsPublicKey } from './getBlsPublicKey.ts'

export type SignedBlockHash = {
  signer: Hex
  blockNumber: bigint
  blockHash: Hex
  signature: Hex
}

/** One BLS aggregate signature by several signers over one block hash. */
export type AggregateSignedBlockHash = {
  signers: readonly Hex[]
  blockNumber: bigint
  blockHash: Hex
  /** 192 bytes, an uncompressed G2 point. */
  aggregateSignature: Hex
}

export type Verdict =
  | { kind: 'honest' }
  | { kind: 'invalid-signature' }
  | { kind: 'not-slashable' }
  | { kind: 'unknown-block' }
  /** A lie, but the chain knows no canonical hash to prove it with (no checkpoint above it). */
  | { kind: 'unprovable' }
  | { kind: 'convicted'; commitTx: Hex; revealTx: Hex; reward: bigint }

export type Watchdog = {
  /** Checks one signed block hash and convicts its signer if it lied. Idempotent per lie. */
  examine(evidence: SignedBlockHash): Promise<Verdict>
  /**
   * Checks one aggregate (every signer's registered BLS key, one pairing check) and convicts
   * every slashable signer in it if the hash is not canonical. Idempotent per lie.
   * `invalid-signature` also covers a signer without a BLS key and a duplicated signer.
   */
  examineAggregate(evidence: AggregateSignedBlockHash): Promise<Verdict>
  /**
   * Asks an authority node to attest recent finalized blocks and examines its answers: the
   * secp256k1 signature, and the BLS signature as an aggregate of one when the node has a
   * registered BLS key. One verdict per signature checked.
   */
  sample(nodeUrl: string, blocks?: number): Promise<Verdict[]>
  /**
   * Saves a checkpoint (AuthorityRegistry.saveCheckpoint) of every multiple of
   * `checkpointEvery` still within reach of the chain and not saved yet. Returns the block
   * numbers saved. Call it at least once per `checkpointEvery` blocks, and more often than the
   * reach (256 blocks without EIP-2935) lasts; the authority node does so on a timer.
   */
  saveCheckpoints(): Promise<bigint[]>
}

/** Default spacing of checkpoints: two per EIP-2935 window of 8191 blocks. */
export const WATCHDOG_CHECKPOINT_EVERY = 4096n
/** Headers per extendCheckpoint transaction (about 600 bytes each, 6 000 gas plus calldata). */
export const WATCHDOG_HEADERS_PER_TX = 128
/** Blocks back from the head where BLOCKHASH surely still reaches when the reveal lands. */
const SAFE_BLOCKHASH_REACH = 200n
/** The history window of EIP-2935 (8191), less a margin for the blocks a reveal takes. */
const SAFE_HISTORY_REACH = 8000n

export function createWatchdog(options: {
  /** The watchdog's own chain connection and account (it pays gas, it receives rewards). */
  conn: ChainConnection
  authorityRegistry: Hex
  onEvent?: (event: { kind: string; signer?: Hex; detail?: string }) => void
  /** Blocks between the checkpoints saveCheckpoints saves. Default 4096; 0 = none. */
  checkpointEvery?: number | bigint
  /** Headers per extendCheckpoint transaction. Default 128. */
  headersPerTx?: number
}): Watchdog {
  const { conn, authorityRegistry } = options
  const every = BigInt(options.checkpointEvery ?? WATCHDOG_CHECKPOINT_EVERY)
  const headersPerTx = BigInt(options.headersPerTx ?? WATCHDOG_HEADERS_PER_TX)
  if (every < 0n || headersPerTx < 1n) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      '"checkpointEvery" ≥ 0 and "headersPerTx" ≥ 1 expected',
    )
  }
  // In flight, and convictions (final); other verdicts are dropped once given, so evidence
  // anyone may submit cannot grow this without bound.
  const done = new Map<string, Promise<Verdict>>()
  let lastCheckpoint = 0n

  const registryRead = <T>(functionName: string, args: unknown[]) =>
    conn.publicClient.readContract({
      address: authorityRegistry,
      abi: authorityRegistryAbi,
      functionName: functionName as never,
      args: args as never,
    }) as Promise<T>

  /** The hash AuthorityRegistry.canonicalHash gives now, or undefined when it reverts. */
  const knownOnChain = (blockNumber: bigint) =>
    registryRead<Hex>('canonicalHash', [blockNumber]).catch(() => undefined)

  const sendRegistryTx = (functionName: string, args: unknown[]) =>
    sendContractTx(conn, {
      address: authorityRegistry,
      abi: authorityRegistryAbi,
      functionName: functionName as never,
      args: args as never,
    })

  /**
   * Makes sure the registry can tell the canonical hash of `blockNumber` when the reveal
   * lands: BLOCKHASH still reaches it comfortably, or a checkpoint holds it, or it is saved
   * now while in reach, or the nearest known block above it is extended backwards with
   * headers from this watchdog's own chain. False when no known block above it exists.
   */
  async function ensureProvable(blockNumber: bigint): Promise<boolean> {
    const head = await conn.publicClient.getBlockNumber({ cacheTime: 0 })
    if (head - blockNumber < SAFE_BLOCKHASH_REACH && (await knownOnChain(blockNumber))) return true
    if ((await registryRead<Hex>('checkpoints', [blockNumber])) !== zeroHash) return true
    if (await knownOnChain(blockNumber)) {
      await sendRegistryTx('saveCheckpoint', [blockNumber])
      return true
    }
    let anchor: bigint | undefined
    if (every > 0n) {
      for (let c = (blockNumber / every + 1n) * every; c < head; c += every) {
        if (await knownOnChain(c)) {
          anchor = c
          break
        }
      }
    }
    for (const back of [SAFE_HISTORY_REACH, SAFE_BLOCKHASH_REACH]) {
      if (anchor !== undefined || head - back <= blockNumber) continue
      if (await knownOnChain(head - back)) anchor = head - back
    }
    if (anchor === undefined) return false
    options.onEvent?.({
      kind: 'checkpoint-extending',
      detail: `from block ${anchor} back to ${blockNumber}`,
    })
    // Each call stores the oldest hash it reaches, the next call's starting point.
    for (let top = anchor; top > blockNumber; ) {
      const count = top - blockNumber < headersPerTx ? top - blockNumber : headersPerTx
      const headers: Hex[] = []
      for (let n = top; n > top - count; n--) {
        const block = await conn.publicClient.request({
          method: 'eth_getBlockByNumber',
          params: [`0x${n.toString(16)}`, false],
        })
        if (!block)
          throw new VeriotError('BLOCK_UNKNOWN', `this watchdog's chain has no block ${n}`)
        headers.push(blockHeaderToRlp(block as unknown as Record<string, unknown>))
      }
      await sendRegistryTx('extendCheckpoint', [top, headers])
      top -= count
    }
    return true
  }

  async function canonicalHashOf(blockNumber: bigint): Promise<Hex | undefined> {
    const block = await conn.publicClient.getBlock({ blockNumber }).catch(() => undefined)
    return block?.hash ?? undefined
  }

  async function convict(e: SignedBlockHash): Promise<Verdict> {
    const account = conn.account
    if (!account)
      throw new VeriotError('ACCOUNT_MISSING', 'the watchdog needs an account to convict')
    const digest = attestationDigest({
      chainId: conn.chainId,
      registry: authorityRegistry,
      blockNumber: e.blockNumber,
      blockHash: e.blockHash,
    })
    const recovered = await recoverAddress({
      hash: bytesToHex(digest),
      signature: e.signature,
    }).catch(() => undefined)
    if (recovered?.toLowerCase() !== e.signer.toLowerCase()) return { kind: 'invalid-signature' }
    const canonical = await canonicalHashOf(e.blockNumber)
    if (!canonical) return { kind: 'unknown-block' }
    if (canonical.toLowerCase() === e.blockHash.toLowerCase()) return { kind: 'honest' }
    const status = await conn.publicClient.readContract({
      address: authorityRegistry,
      abi: authorityRegistryAbi,
      functionName: 'statusOf',
      args: [e.signer],
    })
    // Status: None, Active, Exiting, Withdrawn, Convicted — only Active and Exiting are slashable.
    if (status !== 1 && status !== 2) return { kind: 'not-slashable' }
    options.onEvent?.({ kind: 'lie-found', signer: e.signer, detail: `block ${e.blockNumber}` })
    if (!(await ensureProvable(e.blockNumber))) return { kind: 'unprovable' }
    const salt = bytesToHex(crypto.getRandomValues(new Uint8Array(32)))
    const commitment = await conn.publicClient.readContract({
      address: authorityRegistry,
      abi: authorityRegistryAbi,
      functionName: 'convictionCommitment',
      args: [account.address, e.signer, e.blockNumber, e.blockHash, e.signature, salt],
    })
    return commitAndReveal(commitment, e.signer, () =>
      sendContractTx(conn, {
        address: authorityRegistry,
        abi: authorityRegistryAbi,
        functionName: 'revealConviction',
        args: [e.signer, e.blockNumber, e.blockHash, e.signature, salt],
      }),
    )
  }

  async function convictAggregate(e: AggregateSignedBlockHash): Promise<Verdict> {
    const account = conn.account
    if (!account)
      throw new VeriotError('ACCOUNT_MISSING', 'the watchdog needs an account to convict')
    const signers = e.signers.map((s) => s.toLowerCase() as Address)
    const keys = new Map<Address, Hex>()
    for (const signer of new Set(signers)) {
      const key = await getBlsPublicKey(conn, authorityRegistry, signer)
      if (key) keys.set(signer, key)
    }
    try {
      // Its own chain's keys are trusted here; a duplicate or a keyless signer fails too.
      verifyAggregateAttestation({
        chainId: conn.chainId,
        registry: authorityRegistry,
        blockNumber: e.blockNumber,
        blockHash: e.blockHash,
        aggregate: { signers, signature: e.aggregateSignature },
        trustedSigners: new Set(signers),
        trustedBlsKeys: keys,
        k: 1,
      })
    } catch {
      return { kind: 'invalid-signature' }
    }
    const canonical = await canonicalHashOf(e.blockNumber)
    if (!canonical) return { kind: 'unknown-block' }
    if (canonical.toLowerCase() === e.blockHash.toLowerCase()) return { kind: 'honest' }
    const statuses = await Promise.all(
      signers.map((signer) =>
        conn.publicClient.readContract({
          address: authorityRegistry,
          abi: authorityRegistryAbi,
          functionName: 'statusOf',
          args: [signer],
        }),
      ),
    )
    if (!statuses.some((status) => status === 1 || status === 2)) return { kind: 'not-slashable' }
    const label = signers.join(',')
    options.onEvent?.({ kind: 'lie-found', signer: label as Hex, detail: `block ${e.blockNumber}` })
    if (!(await ensureProvable(e.blockNumber))) return { kind: 'unprovable' }
    const salt = bytesToHex(crypto.getRandomValues(new Uint8Array(32)))
    const commitment = await conn.publicClient.readContract({
      address: authorityRegistry,
      abi: authorityRegistryAbi,
      functionName: 'aggregateConvictionCommitment',
      args: [account.address, signers, e.blockNumber, e.blockHash, e.aggregateSignature, salt],
    })
    return commitAndReveal(commitment, label as Hex, () =>
      sendContractTx(conn, {
        address: authorityRegistry,
        abi: authorityRegistryAbi,
        functionName: 'revealAggregateConviction',
        args: [signers, e.blockNumber, e.blockHash, e.aggregateSignature, salt],
      }),
    )
  }

  /** Commits, waits a block, reveals; the verdict carries the reward actually received. */
  async function commitAndReveal(
    commitment: Hex,
    signer: Hex,
    reveal: () => Promise<TxResult>,
  ): Promise<Verdict> {
    const account = conn.account as NonNullable<typeof conn.account>
    const commit = await sendContractTx(conn, {
      address: authorityRegistry,
      abi: authorityRegistryAbi,
      functionName: 'commitConviction',
      args: [commitment],
    })
    // Reveal in a later block than the commitment (the contract refuses the same block).
    await waitForBlockAfter(commit.blockNumber)
    const balanceBefore = await conn.publicClient.getBalance({ address: account.address })
    const revealed = await reveal()
    const receipt: TransactionReceipt = await conn.publicClient.getTransactionReceipt({
      hash: revealed.txHash,
    })
    const balanceAfter = await conn.publicClient.getBalance({
      address: account.address,
      blockNumber: revealed.blockNumber,
    })
    const gas = receipt.gasUsed * receipt.effectiveGasPrice
    const reward = balanceAfter - balanceBefore + gas
    options.onEvent?.({ kind: 'convicted', signer, detail: `reward ${reward} wei` })
    return { kind: 'convicted', commitTx: commit.txHash, revealTx: revealed.txHash, reward }
  }

  /** One examination per piece of evidence at a time; a conviction is remembered for good. */
  function once(key: string, examine: () => Promise<Verdict>): Promise<Verdict> {
    let verdict = done.get(key)
    if (!verdict) {
      verdict = examine()
      done.set(key, verdict)
      verdict.then(
        (v) => v.kind !== 'convicted' && done.delete(key),
        () => done.delete(key),
      )
    }
    return verdict
  }

  async function waitForBlockAfter(n: bigint): Promise<void> {
    for (let i = 0; i < 600; i++) {
      if ((await conn.publicClient.getBlockNumber({ cacheTime: 0 })) > n) return
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new VeriotError('RPC_UNREACHABLE', `no block after ${n} within 60 s; cannot reveal`)
  }

  return {
    examine(e) {
      const key = `${e.signer.toLowerCase()}:${e.blockNumber}:${e.blockHash.toLowerCase()}`
      return once(key, () => convict(e))
    },
    examineAggregate(e) {
      const signers = e.signers.map((s) => s.toLowerCase()).join(',')
      const key = `aggregate:${signers}:${e.blockNumber}:${e.blockHash.toLowerCase()}`
      return once(key, () => convictAggregate(e))
    },
    async sample(nodeUrl, blocks = 3) {
      const head = await conn.publicClient.getBlockNumber({ cacheTime: 0 })
      const verdicts: Verdict[] = []
      for (let i = 0n; i < BigInt(blocks); i++) {
        const blockNumber = head - 2n - i * 7n
        if (blockNumber < 1n) break
        const answer = await fetch(nodeUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            method: 'veriot_attestBlock',
            params: [{ blockNumber: blockNumber.toString() }],
          }),
          signal: AbortSignal.timeout(5000),
        })
          .then(
            (r) =>
              r.json() as Promise<{
                result?: { signer: Hex; blockHash: Hex; signature: Hex; blsSignature?: unknown }
              }>,
          )
          .catch(() => undefined)
        const a = answer?.result
        if (!a) continue
        verdicts.push(
          await this.examine({
            signer: a.signer,
            blockNumber,
            blockHash: a.blockHash,
            signature: a.signature,
          }),
        )
        // The BLS signature is checked only against a key the signer registered: the same
        // evidence path as an aggregate, with one signer.
        if (typeof a.blsSignature !== 'string' || !/^0x[0-9a-fA-F]{384}$/.test(a.blsSignature)) {
          continue
        }
        const key = await getBlsPublicKey(conn, authorityRegistry, a.signer).catch(() => undefined)
        if (!key) continue
        const verdict = await this.examineAggregate({
          signers: [a.signer],
          blockNumber,
          blockHash: a.blockHash,
          aggregateSignature: a.blsSignature as Hex,
        })
        if (verdict.kind === 'invalid-signature') {
          options.onEvent?.({
            kind: 'bls-signature-invalid',
            signer: a.signer,
            detail: `block ${blockNumber}`,
          })
        }
        verdicts.push(verdict)
      }
      return verdicts
    },
    async saveCheckpoints() {
      if (every === 0n) return []
      const head = await conn.publicClient.getBlockNumber({ cacheTime: 0 })
      const saved: bigint[] = []
      // Multiples of `every` that EIP-2935 may still reach, newer than the last one saved.
      const oldest = head > 8191n ? head - 8191n : 1n
      let c = ((oldest > lastCheckpoint ? oldest : lastCheckpoint + 1n) + every - 1n) / every
      for (c *= every; c < head; c += every) {
        if ((await registryRead<Hex>('checkpoints', [c])) === zeroHash) {
          if (!(await knownOnChain(c))) continue // out of reach already
          await sendRegistryTx('saveCheckpoint', [c])
          saved.push(c)
          options.onEvent?.({ kind: 'checkpoint-saved', detail: `block ${c}` })
        }
        lastCheckpoint = c
      }
      return saved
    },
  }
}
