// A P-256 key held in memory, with its secret exposed so pre-signing can be spread over
// worker threads. Signs like every DeviceKey: ECDSA over SHA-256(message), r ‖ s, any s.

import { p256 } from '@noble/curves/nist.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { RegistrationSigner } from '@veriot/node'

export type BenchKey = RegistrationSigner & { readonly secretKey: Uint8Array }

/** A fresh key, or the key of `secretKey` (32 bytes). */
export function createBenchKey(secretKey: Uint8Array = p256.utils.randomSecretKey()): BenchKey {
  return {
    secretKey,
    publicKey: p256.getPublicKey(secretKey, false),
    sign: async (message) =>
      p256.sign(sha256(message), secretKey, { prehash: false, lowS: false, format: 'compact' }),
  }
}
