// Input check for the tree builders: every leaf hash is 32 bytes.

import { VeriotError } from '../errors/VeriotError.ts'
import { MERKLE_HASH_BYTES } from './merkleLeafHash.ts'

/** @throws INVALID_ARGUMENT when `leafHashes` is not an array of 32-byte hashes. */
export function assertLeafHashes(leafHashes: readonly Uint8Array[]): void {
  if (!Array.isArray(leafHashes)) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"leafHashes" expected an array, got ${typeof leafHashes}`,
    )
  }
  leafHashes.forEach((hash: unknown, i) => {
    if (!(hash instanceof Uint8Array) || hash.length !== MERKLE_HASH_BYTES) {
      throw new VeriotError(
        'INVALID_ARGUMENT',
        `"leafHashes[${i}]" expected ${MERKLE_HASH_BYTES} bytes (SHA-256(0x00 ‖ leaf)), got ${hash instanceof Uint8Array ? `${hash.length} bytes` : typeof hash}`,
        { context: { index: i } },
      )
    }
  })
}
