// The commitment DeviceRegistry stores for a device's auxiliary (Ed25519 / ML-DSA-44) key.

import { bytesToHex, type Hex } from 'viem'
import { sha256Concat } from '../merkle/sha256Concat.ts'

/**
 * SHA-256 of an auxiliary public key, as registered in `auxKeyHash`. A gateway that learns
 * the key from a message's `a` field accepts it only when this equals the registered hash
 * (else AUX_KEY_MISMATCH).
 *
 * @example
 * if (auxKeyHashOf(message.auxPublicKey) !== device.auxKeyHash) reject('AUX_KEY_MISMATCH')
 */
export function auxKeyHashOf(auxPublicKey: Uint8Array): Hex {
  // The tree's SHA-256 engine (node:crypto where present): a gateway hashes the key of every
  // Ed25519 or ML-DSA-44 message it checks.
  return bytesToHex(sha256Concat([auxPublicKey]))
}
