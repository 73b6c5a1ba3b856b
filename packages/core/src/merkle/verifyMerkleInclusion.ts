// RFC 9162 §2.1.3.2 inclusion-proof verification (RFC 6962 trees), with a reason for every
// rejection. Written from the RFC, in the shape of transparency-dev/merkle's verifier whose
// test data (../shared/vectors/rfc6962) it is checked against.

import { equalBytes } from '@noble/curves/utils.js'
import { VeriotError } from '../errors/VeriotError.ts'
import { MERKLE_HASH_BYTES } from './merkleLeafHash.ts'
import { merkleNodeHash } from './merkleNodeHash.ts'

/** What an inclusion proof claims: `leafHash` is leaf `index` of the tree of `treeSize` with `root`. */
export type MerkleInclusion = {
  /** SHA-256(0x00 ‖ leaf), 32 bytes. */
  readonly leafHash: Uint8Array
  readonly index: number
  readonly treeSize: number
  /** Sibling hashes, leaf side first (merkleInclusionProof). */
  readonly proof: readonly Uint8Array[]
  readonly root: Uint8Array
}

/**
 * Checks that `proof` leads from `leafHash` at `index` to `root` in a tree of `treeSize`
 * leaves. The proof length must be exactly the one the index and size call for.
 *
 * The check binds the leaf and its position, not the tree size on its own: a proof for leaf i
 * of a tree of n leaves also passes for every n' with the same path shape (for instance leaf 0
 * of 3 and of 4 leaves). Take the size from the same trusted record as the root.
 *
 * @throws MERKLE_PROOF_INVALID with the reason: a malformed hash, index or size, index ≥ size,
 *   wrong proof length, or a root mismatch.
 * @example
 * verifyMerkleInclusion({ leafHash, index: 3, treeSize: 8, proof, root: anchoredRoot })
 */
export function verifyMerkleInclusion(inclusion: MerkleInclusion): void {
  if (typeof inclusion !== 'object' || inclusion === null) {
    throw invalid(`"inclusion" expected an object, got ${String(inclusion)}`, {})
  }
  const { leafHash, index, treeSize, proof, root } = inclusion
  assertHash('leafHash', leafHash)
  assertHash('root', root)
  assertCount('index', index)
  assertCount('treeSize', treeSize)
  if (index >= treeSize) {
    throw invalid(`"index" expected < treeSize ${treeSize}, got ${index}`, { index, treeSize })
  }
  if (!Array.isArray(proof)) {
    throw invalid(`"proof" expected an array of hashes, got ${typeof proof}`, { index, treeSize })
  }
  proof.forEach((hash, i) => {
    assertHash(`proof[${i}]`, hash)
  })

  // The path splits into an inner part, below the node where the leaf's path meets the tree's
  // right border, and a border part of left siblings above it (RFC 9162 §2.1.3.2, as a count).
  const i = BigInt(index)
  const last = BigInt(treeSize - 1)
  const inner = bitLength(i ^ last)
  const border = popCount(i >> BigInt(inner))
  if (proof.length !== inner + border) {
    throw invalid(
      `"proof" expected ${hashes(inner + border)} for index ${index} in a tree of ${treeSize}, got ${proof.length}`,
      { index, treeSize, proofLength: proof.length },
    )
  }
  let hash = leafHash
  for (let level = 0; level < inner; level++) {
    const sibling = proof[level] as Uint8Array
    hash =
      ((i >> BigInt(level)) & 1n) === 0n
        ? merkleNodeHash(hash, sibling)
        : merkleNodeHash(sibling, hash)
  }
  for (let level = inner; level < proof.length; level++) {
    hash = merkleNodeHash(proof[level] as Uint8Array, hash)
  }
  if (!equalBytes(hash, root)) {
    throw invalid(
      `"root" expected the root the proof leads to, got another (index ${index}, treeSize ${treeSize})`,
      { index, treeSize },
    )
  }
}

function assertHash(field: string, value: unknown): void {
  if (!(value instanceof Uint8Array) || value.length !== MERKLE_HASH_BYTES) {
    throw invalid(
      `"${field}" expected ${MERKLE_HASH_BYTES} bytes, got ${value instanceof Uint8Array ? `${value.length} bytes` : typeof value}`,
      {},
    )
  }
}

// Differs from RFC 9162 (uint64 index and size): JavaScript safe integers, below 2^53, which
// no batch tree comes near.
function assertCount(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`"${field}" expected an integer in [0, 2^53 − 1], got ${String(value)}`, {})
  }
}

function invalid(message: string, context: Record<string, number>): VeriotError {
  return new VeriotError('MERKLE_PROOF_INVALID', message, { context })
}

function hashes(n: number): string {
  return n === 1 ? '1 hash' : `${n} hashes`
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length
}

function popCount(x: bigint): number {
  let count = 0
  for (const digit of x.toString(2)) if (digit === '1') count++
  return count
}
