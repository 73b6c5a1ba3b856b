// The device's network side of verified reads: asks authority nodes in turn, believes only
// what verifyVerifiedRead proves (k distinct trusted signers, header, state proofs), drops a
// failing node for a while, and hands signatures that came with a failed answer to the
// watchdog as evidence (it checks them against its own chain and convicts provable lies).
// Asked with `aggregate`, nodes answer with one BLS aggregate for all signers instead.
// `receipt` does the same for a transaction's receipt and events (verifyVerifiedReceipt).
// Fails closed: no verified answer from any node is an error, never a default.

import { VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import type { Address, VerifiedRead } from '../verified/VerifiedRead.ts'
import type { VerifiedReceipt } from '../verified/VerifiedReceipt.ts'
import { verifyAggregateAttestation } from '../verified/verifyAggregateAttestation.ts'
import { verifyAttestations } from '../verified/verifyAttestations.ts'
import { verifyVerifiedRead } from '../verified/verifyVerifiedRead.ts'
import { verifyVerifiedReceipt } from '../verified/verifyVerifiedReceipt.ts'
import type { AuthoritySet } from './readAuthoritySet.ts'

/** A signature a node passed on with an answer that did not verify. */
export type Evidence = {
  readonly node: string
  readonly signer: Address
  readonly blockNumber: bigint
  readonly blockHash: Hex
  readonly signature: Hex
  /** Why the answer was refused (an error code). */
  readonly reason: string
}

/** A valid BLS aggregate by trusted signers that came with an answer that did not verify. */
export type AggregateEvidence = {
  readonly node: string
  readonly signers: readonly Address[]
  readonly blockNumber: bigint
  readonly blockHash: Hex
  /** 192 bytes, uncompressed G2 (what AuthorityRegistry.revealAggregateConviction takes). */
  readonly aggregateSignature: Hex
  /** Why the answer was refused (an error code). */
  readonly reason: string
}

export type VerifyingClientOptions = {
  /** Authority node URLs, asked in this order (healthy ones first). */
  nodes: readonly string[]
  chainId: number
  /** The AuthorityRegistry the authorities are staked in. */
  registry: Address
  /** Trusted authority signers (the pinned bootstrap set, or one read with a proof). */
  trustedSigners: ReadonlySet<Address>
  /**
   * BLS keys of trusted signers (lowercase address → uncompressed G1 hex), read with proofs
   * (readAuthoritySet). Needed with `aggregate`.
   */
  trustedBlsKeys?: ReadonlyMap<Address, Hex>
  /**
   * Ask nodes for one BLS aggregate signature instead of k secp256k1 signatures (smaller
   * answers; one pairing check), once at least k trusted signers have BLS keys. Default
   * false: the per-signer path.
   */
  aggregate?: boolean
  /** Distinct trusted signatures required; never fewer. Default 2. */
  k?: number
  /** How long a node that failed is skipped, ms. Default 30 000. */
  penaltyMs?: number
  /** Per request, ms. Default 5000. */
  timeoutMs?: number
  now?: () => number
  fetch?: typeof globalThis.fetch
  onEvidence?: (evidence: Evidence) => void
  onAggregateEvidence?: (evidence: AggregateEvidence) => void
}

export type VerifyingClient = {
  /** A verified read of `slots` of contract `address`. @throws the last node's error code */
  read(request: {
    address: Address
    slots: readonly Hex[]
    maxAgeSeconds?: number
  }): Promise<VerifiedRead>
  /**
   * The proven receipt (status and events) of transaction `txHash`, from the first node whose
   * answer verifies (k per-signer signatures; receipts have no aggregate form). Judge it by its
   * logs (findLog): the proof binds the receipt to its block and index, not to the hash.
   * @throws the last node's error code: TRANSACTION_UNKNOWN or BLOCK_NOT_FINAL as a node
   *   reported it (unproven, so retry later or elsewhere), or the verification's code
   */
  receipt(request: { txHash: Hex; maxAgeSeconds?: number }): Promise<VerifiedReceipt>
  /** Replaces the trusted set (e.g. after reading the AuthorityRegistry with a proof). */
  setTrustedSigners(signers: ReadonlySet<Address>): void
  /** Replaces the trusted set and the BLS keys with a set read by readAuthoritySet. */
  setAuthoritySet(set: AuthoritySet): void
  /** Evidence collected so far (also passed to onEvidence). */
  readonly evidence: readonly Evidence[]
  /** Aggregate evidence collected so far (also passed to onAggregateEvidence). */
  readonly aggregateEvidence: readonly AggregateEvidence[]
}

export function createVerifyingClient(options: VerifyingClientOptions): VerifyingClient {
  const now = options.now ?? Date.now
  const doFetch = options.fetch ?? globalThis.fetch
  const k = options.k ?? 2
  const penaltyMs = options.penaltyMs ?? 30_000
  const skipUntil = new Map<string, number>()
  const evidence: Evidence[] = []
  const aggregateEvidence: AggregateEvidence[] = []
  let trusted = new Set([...options.trustedSigners].map((s) => s.toLowerCase() as Address))
  let blsKeys = lowercaseKeys(options.trustedBlsKeys ?? new Map())

  async function ask(node: string, method: string, params: object): Promise<unknown> {
    let response: Response
    try {
      response = await doFetch(node, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method,
          params: [params],
        }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
        redirect: 'error',
      })
    } catch (cause) {
      throw new VeriotError('AUTHORITY_UNREACHABLE', `authority ${node} did not answer`, { cause })
    }
    const body = (await response.json().catch(() => undefined)) as
      | { result?: unknown; error?: { message?: string; data?: { code?: string } } }
      | undefined
    if (!body || (body.result === undefined && body.error === undefined)) {
      throw new VeriotError(
        'AUTHORITY_UNREACHABLE',
        `authority ${node} answered without a JSON-RPC result`,
      )
    }
    if (body.error) {
      const message = `authority ${node}: ${String(body.error.message ?? 'error').slice(0, 200)}`
      // A node's word that the block or transaction is not there (yet) proves nothing, but it
      // tells the device to retry later rather than that the node is down.
      const reported = body.error.data?.code
      if (reported === 'BLOCK_NOT_FINAL' || reported === 'TRANSACTION_UNKNOWN') {
        throw new VeriotError(reported, message, { context: { node } })
      }
      throw new VeriotError('AUTHORITY_UNREACHABLE', message)
    }
    return body.result
  }

  /** Asks the healthy nodes in turn; the first answer `verify` accepts wins. */
  async function firstVerified<T>(
    method: string,
    params: object,
    verify: (answer: unknown) => Promise<T>,
  ): Promise<T> {
    const healthy = options.nodes.filter((n) => (skipUntil.get(n) ?? 0) <= now())
    const order = healthy.length > 0 ? healthy : [...options.nodes]
    let last: unknown = new VeriotError('AUTHORITY_UNREACHABLE', 'no authority node configured')
    for (const node of order) {
      let answer: unknown
      try {
        answer = await ask(node, method, params)
        return await verify(answer)
      } catch (err) {
        last = err
        const code = err instanceof VeriotError ? err.code : 'INTERNAL'
        // "Not final yet" or "no such transaction" is not a failure of the node.
        if (code !== 'BLOCK_NOT_FINAL' && code !== 'TRANSACTION_UNKNOWN') {
          skipUntil.set(node, now() + penaltyMs)
        }
        // A lying node's own signature over a forged header comes with an answer that fails
        // (quorum or proofs): keep every genuine trusted signature; the watchdog checks each
        // against the canonical chain and convicts only provable lies.
        if (answer !== undefined && code !== 'READ_MALFORMED') collectEvidence(node, answer, code)
      }
    }
    throw last
  }

  function maxAge(maxAgeSeconds: number | undefined) {
    return maxAgeSeconds !== undefined ? { maxAgeSeconds, now: now() } : {}
  }

  /** Signatures in a refused answer that are genuinely by trusted signers over its block. */
  function collectEvidence(node: string, answer: unknown, reason: string): void {
    let a: {
      block: { number: string; hash: Hex }
      signatures: { signer: Address; signature: Hex }[]
      aggregate?: { signers: Address[]; signature: Hex }
    }
    let blockNumber: bigint
    try {
      a = answer as typeof a
      blockNumber = BigInt(a.block.number)
    } catch {
      return // a malformed answer carries no usable evidence
    }
    for (const s of (Array.isArray(a.signatures) ? a.signatures : []).slice(0, 64)) {
      const signer = String(s?.signer).toLowerCase() as Address
      if (!trusted.has(signer)) continue
      try {
        // The same check a read uses, one signature at a time (k = 1, that signer only).
        verifyAttestations({
          chainId: options.chainId,
          registry: options.registry,
          blockNumber,
          blockHash: a.block.hash,
          signatures: [s],
          trustedSigners: new Set([signer]),
          k: 1,
        })
      } catch {
        continue
      }
      const e: Evidence = {
        node,
        signer,
        blockNumber,
        blockHash: a.block.hash.toLowerCase() as Hex,
        signature: s.signature,
        reason,
      }
      evidence.push(e)
      options.onEvidence?.(e)
    }
    if (a.aggregate !== undefined)
      collectAggregateEvidence(node, a.aggregate, blockNumber, a.block.hash, reason)
  }

  /** An aggregate that verifies (all signers trusted with keys) over the refused answer's block. */
  function collectAggregateEvidence(
    node: string,
    aggregate: { signers: Address[]; signature: Hex },
    blockNumber: bigint,
    blockHash: Hex,
    reason: string,
  ): void {
    let signers: readonly Address[]
    try {
      signers = verifyAggregateAttestation({
        chainId: options.chainId,
        registry: options.registry,
        blockNumber,
        blockHash,
        aggregate,
        trustedSigners: trusted,
        trustedBlsKeys: blsKeys,
        k: 1,
      })
    } catch {
      return
    }
    const e: AggregateEvidence = {
      node,
      signers,
      blockNumber,
      blockHash: blockHash.toLowerCase() as Hex,
      aggregateSignature: aggregate.signature,
      reason,
    }
    aggregateEvidence.push(e)
    options.onAggregateEvidence?.(e)
  }

  return {
    evidence,
    aggregateEvidence,
    setTrustedSigners(signers) {
      trusted = new Set([...signers].map((s) => s.toLowerCase() as Address))
    },
    setAuthoritySet(set) {
      trusted = new Set([...set.signers].map((s) => s.toLowerCase() as Address))
      blsKeys = lowercaseKeys(set.blsPublicKeys)
    },
    async read(request) {
      const policy = {
        chainId: options.chainId,
        registry: options.registry,
        trustedSigners: trusted,
        trustedBlsKeys: blsKeys,
        k,
        address: request.address,
        slots: request.slots,
        ...maxAge(request.maxAgeSeconds),
      }
      // An aggregate only once k trusted signers have BLS keys (a bootstrap set has none yet:
      // readAuthoritySet then reads them through the per-signer path).
      const aggregate =
        options.aggregate === true && [...trusted].filter((s) => blsKeys.has(s)).length >= k
      return firstVerified(
        'veriot_verifiedRead',
        {
          address: request.address,
          slots: request.slots,
          signers: aggregate ? [...trusted].filter((s) => blsKeys.has(s)) : [...trusted],
          ...(aggregate ? { aggregate: true } : {}),
        },
        (answer) => verifyVerifiedRead(answer, policy),
      )
    },
    async receipt(request) {
      const policy = {
        chainId: options.chainId,
        registry: options.registry,
        trustedSigners: trusted,
        k,
        ...maxAge(request.maxAgeSeconds),
      }
      return firstVerified(
        'veriot_verifiedReceipt',
        { txHash: request.txHash, signers: [...trusted] },
        (answer) => verifyVerifiedReceipt(answer, policy),
      )
    },
  }
}

function lowercaseKeys(keys: ReadonlyMap<Address, Hex>): ReadonlyMap<Address, Hex> {
  return new Map([...keys].map(([signer, key]) => [signer.toLowerCase() as Address, key]))
}
