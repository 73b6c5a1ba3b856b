// MTH over a slice of leaf hashes, shared by the root and the inclusion-proof builder.

import { merkleNodeHash } from './merkleNodeHash.ts'

/** MTH(leafHashes[start, end)) for end > start; the hashes are trusted to be 32 bytes. */
export function merkleSubtreeRoot(
  leafHashes: readonly Uint8Array[],
  start: number,
  end: number,
): Uint8Array {
  // Bottom-up, pairing left to right and carrying an odd last node up unchanged: this gives
  // exactly the RFC's recursive split at the largest power of two below n, without recursion.
  let level = leafHashes.slice(start, end)
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i + 1 < level.length; i += 2) {
      next.push(merkleNodeHash(level[i] as Uint8Array, level[i + 1] as Uint8Array))
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Uint8Array)
    level = next
  }
  return level[0] as Uint8Array
}
