// RFC 6962 §2.1 inner-node hash: SHA-256(0x01 ‖ left ‖ right).

import { sha256Concat } from './sha256Concat.ts'

const NODE_PREFIX = Uint8Array.of(0x01)

/**
 * The RFC 6962 hash of an inner node over its two children, 32 bytes as a plain Uint8Array
 * (node:crypto where the runtime has it, else noble; see getSha256Engine).
 */
export function merkleNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256Concat([NODE_PREFIX, left, right])
}
