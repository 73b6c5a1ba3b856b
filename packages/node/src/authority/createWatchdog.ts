// The watchdog: takes signatures that authorities made over block hashes (evidence handed in
// by devices, or sampled from nodes), checks each against its own chain, and convicts provable
// lies on AuthorityRegistry through commit–reveal, collecting the prover's reward. A lie
// signed by one BLS aggregate convicts every slashable signer in it at once.

import { authorityRegistryAbi } from '@veriot/contracts'
import { VeriotError } from '@veriot/core'
import { type Address, attestationDigest, verifyAggregateAttestation } from '@veriot/device'
import { bytesToHex, type Hex, recoverAddress, type TransactionReceipt } from 'viem'
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
  /** Asks an authority node to attest recent finalized blocks and examines its answers. */
  sample(nodeUrl: string, blocks?: number): Promise<Verdict[]>
}

export function createWatchdog(options: {
  /** The watchdog's own chain connection and account (it pays gas, it receives rewards). */
  conn: ChainConnection
  authorityRegistry: Hex
  onEvent?: (event: { kind: string; signer?: Hex; detail?: string }) => void
}): Watchdog {
  const { conn, authorityRegistry } = options
  const done = new Map<string, Promise<Verdict>>()

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
      let verdict = done.get(key)
      if (!verdict) {
        verdict = convict(e)
        done.set(key, verdict)
        verdict.catch(() => done.delete(key))
      }
      return verdict
    },
    examineAggregate(e) {
      const signers = e.signers.map((s) => s.toLowerCase()).join(',')
      const key = `aggregate:${signers}:${e.blockNumber}:${e.blockHash.toLowerCase()}`
      let verdict = done.get(key)
      if (!verdict) {
        verdict = convictAggregate(e)
        done.set(key, verdict)
        verdict.catch(() => done.delete(key))
      }
      return verdict
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
              r.json() as Promise<{ result?: { signer: Hex; blockHash: Hex; signature: Hex } }>,
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
      }
      return verdicts
    },
  }
}
