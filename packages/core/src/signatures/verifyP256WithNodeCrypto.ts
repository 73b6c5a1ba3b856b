// The fast engine behind verifyP256: ECDSA P-256/SHA-256 through node:crypto (OpenSSL in Node,
// about 25× faster than noble), with each distinct public key checked and imported once.

import type * as NodeCrypto from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import { bytesToHex } from '@noble/hashes/utils.js'

// Looked up, not imported, so that @veriot/core still loads where node:crypto does not exist
// (browsers, some device runtimes); verifyP256 then uses noble. Node has it from 20.16.
const nodeCrypto: typeof NodeCrypto | undefined =
  globalThis.process?.getBuiltinModule?.('node:crypto')

// Enough for every device a gateway serves at once; an evicted key costs one re-import (~0.1 ms).
const KEY_CACHE_SIZE = 1024
// Public key (hex) → imported key. A Map iterates in insertion order, so the first entry is
// the least recently used one: a hit moves its entry to the end.
const keyObjects = new Map<string, NodeCrypto.KeyObject>()

/** True when this runtime has node:crypto, so {@link verifyP256WithNodeCrypto} can run. */
export const hasNodeCrypto = nodeCrypto !== undefined

/**
 * ECDSA P-256 verification of SHA-256(`message`) by node:crypto, for `verifyP256`, which has
 * already checked the lengths, the `0x04` prefix and 0 < r, s < n.
 *
 * The public key is checked with noble before its first import (coordinates < p, point on the
 * curve), so the key rule does not rest on OpenSSL's import checks, though these agree.
 *
 * @throws when node:crypto is absent or the key is not a valid point; `verifyP256` reads any
 * throw as "invalid".
 */
export function verifyP256WithNodeCrypto(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  if (nodeCrypto === undefined) throw new Error('node:crypto is not available')
  const key = keyObjectOf(nodeCrypto, publicKey)
  return nodeCrypto.verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature)
}

function keyObjectOf(crypto: typeof NodeCrypto, publicKey: Uint8Array): NodeCrypto.KeyObject {
  const id = bytesToHex(publicKey)
  const cached = keyObjects.get(id)
  if (cached !== undefined) {
    keyObjects.delete(id)
    keyObjects.set(id, cached)
    return cached
  }
  // Throws unless 0x04 ‖ x ‖ y with x, y < p and the point on the curve.
  p256.Point.fromBytes(publicKey)
  const key = crypto.createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: Buffer.from(publicKey.subarray(1, 33)).toString('base64url'),
      y: Buffer.from(publicKey.subarray(33, 65)).toString('base64url'),
    },
    format: 'jwk',
  })
  if (keyObjects.size >= KEY_CACHE_SIZE) {
    const oldest = keyObjects.keys().next()
    if (oldest.done !== true) keyObjects.delete(oldest.value)
  }
  keyObjects.set(id, key)
  return key
}
