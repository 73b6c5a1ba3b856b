// The public id of a stored reading: its Merkle leaf hash, in hex.

import { bytesToHex, type Hex } from 'viem'
import { telemetryLeafHash } from './telemetryLeafHash.ts'

/**
 * The reading id of an encoded telemetry message: telemetryLeafHash as 0x-prefixed lowercase
 * hex. Equal bytes give equal ids, so a retried message keeps its id.
 *
 * @example
 * readingIdOf(payload) // '0x6e340b9c…'
 */
export function readingIdOf(encoded: Uint8Array): Hex {
  return bytesToHex(telemetryLeafHash(encoded))
}
