// RFC 6962 §2.1 Merkle Tree Hash over leaf hashes. Written here from the RFC: the npm Merkle
// packages (merkletreejs and the like) duplicate odd nodes or sort pairs, which is not
// RFC 6962, and none implements RFC 6962 well enough to take on as a dependency.

import { assertLeafHashes } from './assertLeafHashes.ts'
import { merkleSubtreeRoot } from './merkleSubtreeRoot.ts'
import { sha256Concat } from './sha256Concat.ts'

/**
 * MTH(D[n]) of RFC 6962 §2.1 (RFC 9162 §2.1.1) over leaf hashes that are already
 * SHA-256(0x00 ‖ leaf) (see merkleLeafHash); inner nodes are SHA-256(0x01 ‖ left ‖ right).
 * The empty tree's root is SHA-256 of the empty string. Hashed by node:crypto where the runtime
 * has it, else by noble (see getSha256Engine); both give the same bytes.
 *
 * @throws INVALID_ARGUMENT when a leaf hash is not 32 bytes.
 * @example
 * const root = merkleRoot(encodedMessages.map(telemetryLeafHash))
 */
export function merkleRoot(leafHashes: readonly Uint8Array[]): Uint8Array {
  assertLeafHashes(leafHashes)
  if (leafHashes.length === 0) return sha256Concat([])
  return merkleSubtreeRoot(leafHashes, 0, leafHashes.length)
}
