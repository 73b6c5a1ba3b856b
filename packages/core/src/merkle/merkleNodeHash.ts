// RFC 6962 §2.1 inner-node hash: SHA-256(0x01 ‖ left ‖ right).

import { sha256 } from '@noble/hashes/sha2.js'

/** The RFC 6962 hash of an inner node over its two children. */
export function merkleNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256.create().update(Uint8Array.of(0x01)).update(left).update(right).digest()
}
