// RFC 6962 §2.1.1 audit path (RFC 9162 §2.1.3.1 inclusion proof) for one leaf of a tree.

import { VeriotError } from '../errors/VeriotError.ts'
import { assertLeafHashes } from './assertLeafHashes.ts'
import { merkleSubtreeRoot } from './merkleSubtreeRoot.ts'

/**
 * PATH(m, D[n]): the sibling hashes from leaf `index` up to the root, leaf side first, as
 * {@link verifyMerkleInclusion} and every RFC 9162 verifier expect them. A tree of one leaf
 * has an empty proof.
 *
 * Costs O(n) hashes per proof; a batch that proves every leaf should keep the tree's levels.
 *
 * @throws INVALID_ARGUMENT when a leaf hash is not 32 bytes or `index` is not in [0, n).
 * @example
 * const proof = merkleInclusionProof(leafHashes, 3)
 * verifyMerkleInclusion({ leafHash: leafHashes[3], index: 3, treeSize: leafHashes.length, proof, root })
 */
export function merkleInclusionProof(
  leafHashes: readonly Uint8Array[],
  index: number,
): Uint8Array[] {
  assertLeafHashes(leafHashes)
  if (!Number.isSafeInteger(index) || index < 0 || index >= leafHashes.length) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"index" expected an integer in [0, ${leafHashes.length}), got ${String(index)}`,
      { context: { treeSize: leafHashes.length } },
    )
  }
  // Walk down from the root, recording the sibling subtree at each split; reversed at the end.
  const rootSide: Uint8Array[] = []
  let start = 0
  let end = leafHashes.length
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start)
    if (index < start + k) {
      rootSide.push(merkleSubtreeRoot(leafHashes, start + k, end))
      end = start + k
    } else {
      rootSide.push(merkleSubtreeRoot(leafHashes, start, start + k))
      start += k
    }
  }
  return rootSide.reverse()
}

/** The largest power of two strictly below n (n ≥ 2), the RFC's split point k. */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}
