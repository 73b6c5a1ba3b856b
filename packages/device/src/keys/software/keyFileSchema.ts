// The on-disk format of an encrypted software key file, version 1, as a zod schema. The format
// is documented in docs/keys.md; change both together, and bump the version for any change.

import { p256 } from '@noble/curves/nist.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import * as z from 'zod'

export const KEY_FILE_FORMAT = 'veriot-device-key'
export const KEY_FILE_VERSION = 1
/** scrypt N written by createSoftwareKeyFile unless told otherwise (2^17, about 128 MiB). */
export const SCRYPT_N_DEFAULT = 2 ** 17
/** Lowest N accepted when writing or reading (2^14, the floor for tests). */
export const SCRYPT_N_MIN = 2 ** 14
/** Highest N accepted when reading, so a hostile file cannot demand more than 1 GiB. */
export const SCRYPT_N_MAX = 2 ** 20
export const SCRYPT_R = 8
export const SCRYPT_P = 1

/** True for the scrypt N values this format allows: powers of two from 2^14 to 2^20. */
export function isScryptN(n: number): boolean {
  return Number.isSafeInteger(n) && n >= SCRYPT_N_MIN && n <= SCRYPT_N_MAX && (n & (n - 1)) === 0
}

const hex = (bytes: number) =>
  z
    .string({ error: `a string of ${bytes * 2} lowercase hex digits` })
    .regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), {
      error: `${bytes * 2} lowercase hex digits`,
    })

function isP256Point(hexPoint: string): boolean {
  // Runs only after the 130-hex-digit check; isValidPublicKey(…, false) demands 04 ‖ x ‖ y on the curve.
  return p256.utils.isValidPublicKey(hexToBytes(hexPoint), false)
}

/** Checked first, so a file from a newer version is reported as such, not as extra fields. */
export const keyFileHeaderSchema = z.object(
  {
    format: z.literal(KEY_FILE_FORMAT, { error: `"${KEY_FILE_FORMAT}"` }),
    version: z.literal(KEY_FILE_VERSION, { error: String(KEY_FILE_VERSION) }),
  },
  { error: 'a JSON object' },
)

/** Every field of a version 1 key file; no other field is allowed. */
export const keyFileSchema = z.strictObject(
  {
    format: z.literal(KEY_FILE_FORMAT, { error: `"${KEY_FILE_FORMAT}"` }),
    version: z.literal(KEY_FILE_VERSION, { error: String(KEY_FILE_VERSION) }),
    curve: z.literal('P-256', { error: '"P-256"' }),
    publicKey: hex(65).refine(isP256Point, { error: 'an uncompressed P-256 point (04 ‖ x ‖ y)' }),
    kdf: z.strictObject(
      {
        name: z.literal('scrypt', { error: '"scrypt"' }),
        N: z
          .number({ error: 'a number' })
          .refine(isScryptN, { error: 'a power of two from 2^14 to 2^20' }),
        r: z.literal(SCRYPT_R, { error: String(SCRYPT_R) }),
        p: z.literal(SCRYPT_P, { error: String(SCRYPT_P) }),
        salt: hex(32),
      },
      { error: 'an object' },
    ),
    cipher: z.strictObject(
      {
        name: z.literal('aes-256-gcm', { error: '"aes-256-gcm"' }),
        nonce: hex(12),
      },
      { error: 'an object' },
    ),
    // 32-byte private scalar + 16-byte GCM tag.
    ciphertext: hex(48),
  },
  { error: 'a JSON object' },
)

export type KeyFile = z.infer<typeof keyFileSchema>
