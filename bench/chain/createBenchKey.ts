// A P-256 key held in memory, with its secret exposed so pre-signing can be spread over
// worker threads. Signs like every DeviceKey: ECDSA over SHA-256(message), r ‖ s, any s; with
// OpenSSL (node:crypto), so that signing the ingest benchmark's fleet before timing is quick.

import { createPrivateKey, sign } from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import type { RegistrationSigner } from '@veriot/node'

export type BenchKey = RegistrationSigner & { readonly secretKey: Uint8Array }

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')

/** A fresh key, or the key of `secretKey` (32 bytes). */
export function createBenchKey(secretKey: Uint8Array = p256.utils.randomSecretKey()): BenchKey {
  const publicKey = p256.getPublicKey(secretKey, false)
  const key = createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: base64url(secretKey),
      x: base64url(publicKey.subarray(1, 33)),
      y: base64url(publicKey.subarray(33, 65)),
    },
    format: 'jwk',
  })
  return {
    secretKey,
    publicKey,
    sign: async (message) =>
      new Uint8Array(sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' })),
  }
}
