// Opens a passphrase-encrypted key file written by createSoftwareKeyFile.

import { readFile } from 'node:fs/promises'
import { gcm } from '@noble/ciphers/aes.js'
import { p256 } from '@noble/curves/nist.js'
import { equalBytes } from '@noble/curves/utils.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'
import type * as z from 'zod'
import { assertKeySecret } from '../assertKeySecret.ts'
import type { DeviceKey } from '../DeviceKey.ts'
import { createSoftwareKey } from './createSoftwareKey.ts'
import { deriveKeyFileKey } from './deriveKeyFileKey.ts'
import { getKeyFileAad } from './getKeyFileAad.ts'
import { keyFileHeaderSchema, keyFileSchema } from './keyFileSchema.ts'

/** A version 1 key file is about 600 bytes; anything far larger is not one. */
const MAX_KEY_FILE_BYTES = 64 * 1024

/**
 * Reads, validates and decrypts a key file. The file is checked field by field before any key
 * derivation; a GCM tag failure means the passphrase is wrong (or the file was altered, which
 * the tag cannot tell apart); the decrypted secret must reproduce the stored public key.
 *
 * @throws KEY_PASSPHRASE_MISSING, KEY_FILE_NOT_FOUND, KEY_FILE_MALFORMED (context.field names the
 *   field), KEY_PASSPHRASE_WRONG
 * @example
 * const key = await openSoftwareKeyFile('./device.key', process.env.VERIOT_KEY_PASSPHRASE)
 */
export async function openSoftwareKeyFile(path: string, passphrase: string): Promise<DeviceKey> {
  assertKeySecret(passphrase, 'passphrase')
  const file = parseKeyFile(path, await readKeyFile(path))
  const publicKey = hexToBytes(file.publicKey)

  const aesKey = await deriveKeyFileKey(passphrase, {
    ...file.kdf,
    salt: hexToBytes(file.kdf.salt),
  })
  let secretKey: Uint8Array
  try {
    const aad = getKeyFileAad(file.version, publicKey)
    secretKey = gcm(aesKey, hexToBytes(file.cipher.nonce), aad).decrypt(hexToBytes(file.ciphertext))
  } catch (err) {
    throw new VeriotError(
      'KEY_PASSPHRASE_WRONG',
      `"passphrase" expected the one the key file was encrypted with, got another (or the file was altered): ${path}`,
      { context: { path }, cause: err },
    )
  } finally {
    aesKey.fill(0)
  }

  try {
    // The schema fixes the ciphertext length, so the secret is 32 bytes; it must also be a valid
    // scalar whose public key is the stored one.
    const matches =
      p256.utils.isValidSecretKey(secretKey) &&
      equalBytes(p256.getPublicKey(secretKey, false), publicKey)
    if (!matches) {
      throw malformed(path, 'ciphertext', 'the private key of "publicKey"', 'a different key')
    }
    return createSoftwareKey(secretKey)
  } finally {
    secretKey.fill(0)
  }
}

async function readKeyFile(path: string): Promise<string> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'an error'
    throw new VeriotError(
      'KEY_FILE_NOT_FOUND',
      `"path" expected a readable key file, got ${code}: ${path}`,
      {
        context: { path, errno: code },
        cause: err,
      },
    )
  }
  if (bytes.length > MAX_KEY_FILE_BYTES) {
    throw malformed(path, 'file', `at most ${MAX_KEY_FILE_BYTES} bytes`, `${bytes.length} bytes`)
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch (err) {
    throw malformed(path, 'file', 'UTF-8 text', 'invalid UTF-8', err)
  }
}

function parseKeyFile(path: string, text: string): z.infer<typeof keyFileSchema> {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw malformed(
      path,
      'file',
      'JSON',
      text.trim() === '' ? 'an empty file' : 'invalid JSON',
      err,
    )
  }
  const header = keyFileHeaderSchema.safeParse(json, { reportInput: true })
  if (!header.success) throw issueToError(path, header.error.issues)
  const full = keyFileSchema.safeParse(json, { reportInput: true })
  if (!full.success) throw issueToError(path, full.error.issues)
  return full.data
}

function issueToError(path: string, issues: readonly z.core.$ZodIssue[]): VeriotError {
  // Issues are never empty on failure; report the first, in schema order.
  const issue = issues[0] as z.core.$ZodIssue
  const field = issue.path.length === 0 ? 'file' : issue.path.join('.')
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => JSON.stringify(k.slice(0, 32))).join(', ')
    return malformed(path, field, 'no other fields', keys)
  }
  return malformed(path, field, issue.message, describeInput(issue.input))
}

function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing'
  if (input === null) return 'null'
  if (typeof input === 'string')
    return input.length > 40 ? `a string of ${input.length} characters` : JSON.stringify(input)
  if (typeof input === 'number' || typeof input === 'boolean') return String(input)
  return Array.isArray(input) ? 'an array' : `a ${typeof input}`
}

function malformed(
  path: string,
  field: string,
  expected: string,
  got: string,
  cause?: unknown,
): VeriotError {
  return new VeriotError(
    'KEY_FILE_MALFORMED',
    `"${field}" expected ${expected}, got ${got}: ${path}`,
    {
      context: { path, field },
      ...(cause === undefined ? {} : { cause }),
    },
  )
}
