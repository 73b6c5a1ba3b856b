// Reads one key from a Merkle-Patricia trie given only its root and an EIP-1186 proof, with
// @ethereumjs/mpt doing the walk. Throws on anything invalid; callers turn that into their code.

import { verifyMerkleProof } from '@ethereumjs/mpt'
import { equalBytes } from '@noble/curves/utils.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import { keccak256 } from './keccak256.ts'
import { VERIFIED_READ_MAX_PROOF_NODES } from './parseVerifiedReadResponse.ts'

const HEX_BYTES = /^0x(?:[0-9a-fA-F]{2})+$/
/** RLP of the empty byte string: the root node of an empty trie. */
const EMPTY_NODE = Uint8Array.of(0x80)
/** keccak256(0x80): the root of an empty trie (an account without storage, an empty state). */
const EMPTY_TRIE_ROOT = keccak256(EMPTY_NODE)

/**
 * The value stored under `trieKey` (already hashed: keccak256(address) or keccak256(slot)) in
 * the trie with root `root`, or null when the proof shows the key is absent.
 *
 * verifyMerkleProof checks that the first node hashes to `root` and that every node the walk
 * needs is in the proof, each found by its hash; a missing or altered node makes it throw.
 * @throws Error for any invalid proof
 */
export async function readProvenTrieValue(
  root: Uint8Array,
  trieKey: Uint8Array,
  proof: readonly Hex[],
): Promise<Uint8Array | null> {
  if (!Array.isArray(proof) || proof.length > VERIFIED_READ_MAX_PROOF_NODES) {
    throw new Error(`expected at most ${VERIFIED_READ_MAX_PROOF_NODES} proof nodes`)
  }
  const nodes = proof.map((node) => {
    if (typeof node !== 'string' || !HEX_BYTES.test(node)) throw new Error('expected hex nodes')
    return hexToBytes(node.slice(2))
  })
  // The empty trie holds no key, whatever is asked. Clients prove that with no nodes or with
  // the empty node 0x80 alone (anvil 1.7.1); verifyMerkleProof would instead look up the root
  // node and, finding none, throw.
  if (equalBytes(root, EMPTY_TRIE_ROOT)) {
    const onlyEmptyNode = nodes.length === 1 && equalBytes(nodes[0] as Uint8Array, EMPTY_NODE)
    if (nodes.length === 0 || onlyEmptyNode) return null
    throw new Error('expected no nodes for the empty trie')
  }
  return verifyMerkleProof(trieKey, nodes, {
    root,
    useKeyHashing: false,
    // Node hashes too (the option's name notwithstanding): the WebAssembly Keccak when loaded.
    useKeyHashingFunction: keccak256,
  })
}
