// Generates a P-256 device key and stores it in a new passphrase-encrypted key file.

import { stat } from 'node:fs/promises'
import { gcm } from '@noble/ciphers/aes.js'
import { p256 } from '@noble/curves/nist.js'
import { bytesToHex, randomBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'
import { assertKeySecret } from '../assertKeySecret.ts'
import type { DeviceKey } from '../DeviceKey.ts'
import { createSoftwareKey } from './createSoftwareKey.ts'
import { deriveKeyFileKey } from './deriveKeyFileKey.ts'
import { getKeyFileAad } from './getKeyFileAad.ts'
import {
  isScryptN,
  KEY_FILE_FORMAT,
  KEY_FILE_VERSION,
  type KeyFile,
  SCRYPT_N_DEFAULT,
  SCRYPT_P,
  SCRYPT_R,
} from './keyFileSchema.ts'
import { writeNewFile } from './writeNewFile.ts'

export type CreateSoftwareKeyFileOptions = {
  /** scrypt cost N, a power of two from 2^14 to 2^20. Default 2^17; lower it only in tests. */
  readonly scryptN?: number
}

/**
 * Generates a P-256 key, encrypts its private half under `passphrase` (scrypt, then AES-256-GCM
 * with the format version and public key as associated data) and writes the key file atomically
 * with mode 0600. Never overwrites: an existing file at `path` is an error. Returns the new key,
 * open.
 *
 * @throws KEY_PASSPHRASE_MISSING, KEY_FILE_EXISTS, KEY_FILE_NOT_FOUND (directory missing),
 *   INVALID_ARGUMENT (scryptN out of range)
 * @example
 * const key = await createSoftwareKeyFile('./device.key', process.env.VERIOT_KEY_PASSPHRASE)
 * const signature = await key.sign(message)
 */
export async function createSoftwareKeyFile(
  path: string,
  passphrase: string,
  options: CreateSoftwareKeyFileOptions = {},
): Promise<DeviceKey> {
  assertKeySecret(passphrase, 'passphrase')
  const N = options.scryptN ?? SCRYPT_N_DEFAULT
  if (!isScryptN(N)) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"scryptN" expected a power of two from 2^14 to 2^20, got ${String(N)}`,
      { context: { scryptN: String(N) } },
    )
  }
  // Fail before the slow key derivation; writeNewFile still refuses atomically at the end.
  if ((await stat(path).catch(() => undefined)) !== undefined) {
    throw new VeriotError(
      'KEY_FILE_EXISTS',
      `"path" expected no existing file, got one at ${path}`,
      {
        context: { path },
      },
    )
  }

  const secretKey = p256.utils.randomSecretKey()
  // Uncompressed: keygen() and getPublicKey() default to the 33-byte compressed form.
  const publicKey = p256.getPublicKey(secretKey, false)
  const salt = randomBytes(32)
  const nonce = randomBytes(12)
  const aesKey = await deriveKeyFileKey(passphrase, { N, r: SCRYPT_R, p: SCRYPT_P, salt })
  let ciphertext: Uint8Array
  try {
    ciphertext = gcm(aesKey, nonce, getKeyFileAad(KEY_FILE_VERSION, publicKey)).encrypt(secretKey)
  } finally {
    aesKey.fill(0)
  }
  const file: KeyFile = {
    format: KEY_FILE_FORMAT,
    version: KEY_FILE_VERSION,
    curve: 'P-256',
    publicKey: bytesToHex(publicKey),
    kdf: { name: 'scrypt', N, r: SCRYPT_R, p: SCRYPT_P, salt: bytesToHex(salt) },
    cipher: { name: 'aes-256-gcm', nonce: bytesToHex(nonce) },
    ciphertext: bytesToHex(ciphertext),
  }
  try {
    await writeNewFile(path, `${JSON.stringify(file, null, 2)}\n`)
    return createSoftwareKey(secretKey)
  } finally {
    secretKey.fill(0)
  }
}
