// An authority's signing policy: it signs a block hash only after reading that block from its
// own chain connection, only at or below the finality depth, and caches each signature per
// block so a block is signed once with one answer. With a BLS key it signs the same digest
// with BLS12-381 too, so its signature can be part of an aggregate.

import { bls12_381 } from '@noble/curves/bls12-381.js'
import { VeriotError } from '@veriot/core'
import { attestationDigest, BLS_ATTESTATION_DST } from '@veriot/device'
import { bytesToHex, type Hex, type LocalAccount } from 'viem'
import type { ChainConnection } from '../chain/connectChain.ts'

export type Attestation = {
  signer: Hex
  blockNumber: bigint
  blockHash: Hex
  /** 65 bytes r ‖ s ‖ v over attestationDigest, raw (no EIP-191 prefix). */
  signature: Hex
  /**
   * With a BLS key: 192 bytes, an uncompressed G2 signature over the 32-byte attestation
   * digest with BLS_ATTESTATION_DST.
   */
  blsSignature?: Hex
}

export type Attester = {
  readonly signer: Hex
  /** 96 bytes, the uncompressed G1 public key, when the attester has a BLS key. */
  readonly blsPublicKey?: Hex
  /** Signs block `blockNumber` as this node's chain has it. @throws BLOCK_UNKNOWN, BLOCK_NOT_FINAL */
  attest(blockNumber: bigint): Promise<Attestation>
  /** The newest block this node will sign: head − finality depth. */
  finalizedHead(): Promise<bigint>
}

export function createAttester(options: {
  conn: ChainConnection
  account: LocalAccount
  /** The AuthorityRegistry this node is staked in (part of the signed digest). */
  registry: Hex
  /** Blocks below the head before a block is signed. Default 2. */
  finalityDepth?: number
  /** Signatures kept in memory (newest blocks). Default 4096. */
  cacheSize?: number
  /** BLS12-381 secret key (32 bytes; see accountToBlsSecretKey): also sign with BLS. */
  blsSecretKey?: Uint8Array
}): Attester {
  const depth = BigInt(options.finalityDepth ?? 2)
  const cache = new Map<bigint, Promise<Attestation>>()
  const max = options.cacheSize ?? 4096
  const { conn, account, blsSecretKey } = options
  const blsPublicKey = blsSecretKey
    ? bytesToHex(bls12_381.longSignatures.getPublicKey(blsSecretKey).toBytes(false))
    : undefined

  async function finalizedHead(): Promise<bigint> {
    const head = await conn.publicClient.getBlockNumber({ cacheTime: 0 })
    return head - depth
  }

  async function sign(blockNumber: bigint): Promise<Attestation> {
    const head = await conn.publicClient.getBlockNumber({ cacheTime: 0 })
    if (blockNumber > head) {
      throw new VeriotError(
        'BLOCK_UNKNOWN',
        `block ${blockNumber} is beyond this node's head ${head}`,
        {
          context: { blockNumber, head },
        },
      )
    }
    if (blockNumber > head - depth) {
      throw new VeriotError(
        'BLOCK_NOT_FINAL',
        `block ${blockNumber} is newer than head ${head} − finality depth ${depth}`,
        { context: { blockNumber, head, depth: Number(depth) } },
      )
    }
    const block = await conn.publicClient.getBlock({ blockNumber }).catch((cause) => {
      throw new VeriotError('BLOCK_UNKNOWN', `this node's chain has no block ${blockNumber}`, {
        cause,
      })
    })
    const digest = attestationDigest({
      chainId: conn.chainId,
      registry: options.registry,
      blockNumber,
      blockHash: block.hash,
    })
    if (!account.sign)
      throw new VeriotError('ACCOUNT_MISSING', 'the authority account cannot sign raw digests')
    const signature = await account.sign({ hash: bytesToHex(digest) })
    const attestation: Attestation = {
      signer: account.address,
      blockNumber,
      blockHash: block.hash,
      signature,
    }
    if (blsSecretKey) {
      const hashed = bls12_381.longSignatures.hash(digest, BLS_ATTESTATION_DST)
      const point = bls12_381.longSignatures.sign(hashed, blsSecretKey)
      attestation.blsSignature = bytesToHex(point.toBytes(false))
    }
    return attestation
  }

  return {
    signer: account.address,
    ...(blsPublicKey ? { blsPublicKey } : {}),
    finalizedHead,
    attest(blockNumber) {
      const hit = cache.get(blockNumber)
      if (hit) return hit
      const pending = sign(blockNumber)
      cache.set(blockNumber, pending)
      pending.catch(() => cache.delete(blockNumber))
      if (cache.size > max) {
        const oldest = [...cache.keys()].sort((a, b) => (a < b ? -1 : 1))[0]
        if (oldest !== undefined) cache.delete(oldest)
      }
      return pending
    },
  }
}
