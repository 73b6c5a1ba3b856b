// A DeviceKey over a P-256 secret held in memory, as decrypted from a key file.

import { p256 } from '@noble/curves/nist.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { assertSignMessage } from '../assertSignMessage.ts'
import { createClosedKeyError } from '../createClosedKeyError.ts'
import type { DeviceKey } from '../DeviceKey.ts'

/**
 * Wraps a 32-byte P-256 secret (copied; the caller may wipe its own copy). close() overwrites
 * the copy with zeros, as far as JavaScript lets us.
 *
 * Signatures are ECDSA over SHA-256(message) with RFC 6979 nonces, r ‖ s, and are not low-S
 * normalised (`lowS: false`): a hardware key cannot normalise either, so verifiers must accept
 * any s, and software keys exercise that path too.
 */
export function createSoftwareKey(secretKey: Uint8Array): DeviceKey {
  let secret: Uint8Array | undefined = Uint8Array.from(secretKey)
  const publicKey = p256.getPublicKey(secret, false)
  return Object.freeze({
    kind: 'software' as const,
    get publicKey() {
      return publicKey.slice()
    },
    async sign(message: Uint8Array): Promise<Uint8Array> {
      if (secret === undefined) throw createClosedKeyError('software')
      assertSignMessage(message)
      // Hash here and sign the digest (prehash: false), exactly as the PKCS#11 key does.
      return p256.sign(sha256(message), secret, { prehash: false, lowS: false, format: 'compact' })
    },
    async close(): Promise<void> {
      secret?.fill(0)
      secret = undefined
    },
  })
}
