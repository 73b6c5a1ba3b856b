// Proves one storage word of a contract, or that it is unset (zero), against the account's
// storage root, from a storageProof entry of eth_getProof (EIP-1186).

import { RLP } from '@ethereumjs/rlp'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import { keccak256 } from './keccak256.ts'
import { readProvenTrieValue } from './readProvenTrieValue.ts'

/**
 * Verifies `proof` for storage `slot` (a 32-byte word) against `storageRoot` and returns the
 * stored word as an unsigned integer: the key is keccak256(slot), the value the RLP encoding of
 * the word without leading zeros. A valid proof of absence gives 0n (Ethereum deletes zero
 * words from the trie).
 *
 * @throws STATE_PROOF_INVALID (storage) when the proof or the value it leads to is invalid
 * @example
 * const word = await verifyStorageProof(account.storageRoot, slot, entry.proof)
 */
export async function verifyStorageProof(
  storageRoot: Hex,
  slot: Hex,
  proof: readonly Hex[],
): Promise<bigint> {
  const fail = (reason: string, cause?: unknown): never => {
    throw new VeriotError(
      'STATE_PROOF_INVALID',
      `storage proof of slot ${String(slot).slice(0, 66)} against storage root ${String(storageRoot).slice(0, 66)}: ${reason}`,
      { ...(cause === undefined ? {} : { cause }), context: { proof: 'storage' } },
    )
  }
  if (typeof storageRoot !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(storageRoot)) {
    return fail('"storageRoot" expected 0x + 64 hex digits')
  }
  if (typeof slot !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(slot)) {
    return fail('"slot" expected 0x + 64 hex digits')
  }
  let value: Uint8Array | null
  try {
    value = await readProvenTrieValue(
      hexToBytes(storageRoot.slice(2)),
      keccak256(hexToBytes(slot.slice(2))),
      proof,
    )
  } catch (cause) {
    return fail('the proof does not lead to the root', cause)
  }
  if (value === null) return 0n
  let word: unknown
  try {
    word = RLP.decode(value)
  } catch (cause) {
    return fail('the value is not valid RLP', cause)
  }
  // Clients store a word as its minimal big-endian bytes; geth deletes zeroed slots, but anvil
  // keeps a zeroed slot as a leaf holding the empty string (0x80). That leaf still commits to
  // the value 0 for exactly this key, so it proves 0; it can never prove anything else.
  if (word instanceof Uint8Array && word.length === 0) return 0n
  if (!(word instanceof Uint8Array) || word.length > 32 || word[0] === 0) {
    return fail('the value is not a canonical nonzero 32-byte word')
  }
  return bytesToNumberBE(word)
}
