// An in-memory ML-DSA-44 key, the post-quantum half of a simulated hybrid (mldsa44P256) device.

import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js'
import type { AuxKey } from './AuxKey.ts'
import { assertSeed } from './assertSeed.ts'

/**
 * An ML-DSA-44 key held in memory (FIPS 204 ML-DSA.KeyGen from a 32-byte `seed`, or a random
 * one). Signing is FIPS 204's default hedged mode with an empty context, so two signatures of
 * the same bytes differ. For simulations and tests; a real device keeps its key in hardware.
 *
 * @throws KEY_MALFORMED when `seed` is given and is not 32 bytes.
 * @example
 * const signer = createTelemetrySigner('mldsa44P256', { p256: deviceKey, mlDsa44: createMlDsa44Key() })
 */
export function createMlDsa44Key(seed?: Uint8Array): AuxKey {
  assertSeed('seed', seed, 32)
  const { publicKey, secretKey } = ml_dsa44.keygen(seed?.slice())
  return Object.freeze({
    algorithm: 'mlDsa44' as const,
    get publicKey() {
      return publicKey.slice()
    },
    async sign(message: Uint8Array): Promise<Uint8Array> {
      return ml_dsa44.sign(message, secretKey)
    },
  })
}
