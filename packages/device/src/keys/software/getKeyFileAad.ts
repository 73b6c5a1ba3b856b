// The associated data that binds a key file's ciphertext to its format version and public key.

import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { KEY_FILE_FORMAT } from './keyFileSchema.ts'

/**
 * AES-GCM associated data: UTF-8 "veriot-device-key" ‖ 0x00 ‖ version (1 byte) ‖ public key
 * (65 bytes). Swapping the public key, or replaying the ciphertext under another version, fails
 * the GCM tag.
 */
export function getKeyFileAad(version: number, publicKey: Uint8Array): Uint8Array {
  return concatBytes(utf8ToBytes(KEY_FILE_FORMAT), Uint8Array.of(0, version), publicKey)
}
