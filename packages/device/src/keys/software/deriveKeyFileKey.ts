// Derives the AES-256-GCM key of a key file from its passphrase with scrypt.

import { scryptAsync } from '@noble/hashes/scrypt.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'

/**
 * scrypt(NFKC(passphrase), salt, N, r, p) → 32 bytes. NFKC so that the same passphrase typed
 * on systems that compose accents differently derives the same key. The async variant yields
 * to the event loop while it works (about a second at N = 2^17).
 */
export async function deriveKeyFileKey(
  passphrase: string,
  kdf: { readonly N: number; readonly r: number; readonly p: number; readonly salt: Uint8Array },
): Promise<Uint8Array> {
  const password = utf8ToBytes(passphrase.normalize('NFKC'))
  try {
    return await scryptAsync(password, kdf.salt, { N: kdf.N, r: kdf.r, p: kdf.p, dkLen: 32 })
  } finally {
    password.fill(0)
  }
}
