// An in-memory Ed25519 key, for simulated devices of the ed25519 suite.

import { ed25519 } from '@noble/curves/ed25519.js'
import type { AuxKey } from './AuxKey.ts'
import { assertSeed } from './assertSeed.ts'

/**
 * An Ed25519 key held in memory: from `secretKey` (32 bytes, RFC 8032 private key; copied)
 * or a fresh random one. For simulations and tests; a real device keeps its key in hardware.
 * Signatures are deterministic (RFC 8032 §5.1.6).
 *
 * @throws KEY_MALFORMED when `secretKey` is given and is not 32 bytes.
 * @example
 * const aux = createEd25519Key()
 * const signer = createTelemetrySigner('ed25519', { ed25519: aux })
 */
export function createEd25519Key(secretKey?: Uint8Array): AuxKey {
  assertSeed('secretKey', secretKey, 32)
  const secret = secretKey === undefined ? ed25519.utils.randomSecretKey() : secretKey.slice()
  const publicKey = ed25519.getPublicKey(secret)
  return Object.freeze({
    algorithm: 'ed25519' as const,
    get publicKey() {
      return publicKey.slice()
    },
    async sign(message: Uint8Array): Promise<Uint8Array> {
      return ed25519.sign(message, secret)
    },
  })
}
