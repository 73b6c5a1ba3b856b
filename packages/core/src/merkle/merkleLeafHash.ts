// RFC 6962 §2.1 leaf hash: SHA-256(0x00 ‖ leaf). The 0x00 prefix keeps a leaf from ever
// being taken for an inner node (0x01), which blocks second-preimage forgeries.

import { sha256Concat } from './sha256Concat.ts'

/** Hash output length of the tree (SHA-256). */
export const MERKLE_HASH_BYTES = 32

const LEAF_PREFIX = Uint8Array.of(0x00)

/**
 * The RFC 6962 leaf hash of `leaf`: SHA-256(0x00 ‖ leaf), 32 bytes as a plain Uint8Array.
 * Computed by node:crypto where the runtime has it, else by noble (see getSha256Engine); both
 * give the same bytes.
 *
 * @example
 * const leafHash = merkleLeafHash(encodedReading)
 */
export function merkleLeafHash(leaf: Uint8Array): Uint8Array {
  return sha256Concat([LEAF_PREFIX, leaf])
}
