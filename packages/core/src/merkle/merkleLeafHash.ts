// RFC 6962 §2.1 leaf hash: SHA-256(0x00 ‖ leaf). The 0x00 prefix keeps a leaf from ever
// being taken for an inner node (0x01), which blocks second-preimage forgeries.

import { sha256 } from '@noble/hashes/sha2.js'

/** Hash output length of the tree (SHA-256). */
export const MERKLE_HASH_BYTES = 32

/**
 * The RFC 6962 leaf hash of `leaf`: SHA-256(0x00 ‖ leaf).
 *
 * @example
 * const leafHash = merkleLeafHash(encodedReading)
 */
export function merkleLeafHash(leaf: Uint8Array): Uint8Array {
  return sha256.create().update(Uint8Array.of(0x00)).update(leaf).digest()
}
