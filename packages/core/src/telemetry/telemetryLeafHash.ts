// A reading's leaf in the batch Merkle tree.

import { merkleLeafHash } from '../merkle/merkleLeafHash.ts'

/**
 * The RFC 6962 leaf hash of an encoded telemetry message, SHA-256(0x00 ‖ bytes): the leaf the
 * gateway puts into the batch tree. Hash the bytes as received and accepted by decodeTelemetry
 * (they are canonical, so re-encoding gives the same bytes).
 *
 * @example
 * const leaf = telemetryLeafHash(payload)
 */
export function telemetryLeafHash(encoded: Uint8Array): Uint8Array {
  return merkleLeafHash(encoded)
}
