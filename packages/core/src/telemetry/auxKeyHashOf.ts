// The commitment DeviceRegistry stores for a device's auxiliary (Ed25519 / ML-DSA-44) key.

import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, type Hex } from 'viem'

/**
 * SHA-256 of an auxiliary public key, as registered in `auxKeyHash`. A gateway that learns
 * the key from a message's `a` field accepts it only when this equals the registered hash
 * (else AUX_KEY_MISMATCH).
 *
 * @example
 * if (auxKeyHashOf(message.auxPublicKey) !== device.auxKeyHash) reject('AUX_KEY_MISMATCH')
 */
export function auxKeyHashOf(auxPublicKey: Uint8Array): Hex {
  return bytesToHex(sha256(auxPublicKey))
}
