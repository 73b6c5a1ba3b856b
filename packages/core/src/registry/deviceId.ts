// Device identity: keccak256 of the device's P-256 public key (x ‖ y), as DeviceRegistry computes it.

import { bytesToHex, type Hex, keccak256 } from 'viem'
import { VeriotError } from '../errors/VeriotError.ts'

/** Splits an uncompressed SEC1 P-256 public key (0x04 ‖ x ‖ y) into its coordinates. */
export function publicKeyToCoordinates(publicKey: Uint8Array): { x: Hex; y: Hex } {
  if (publicKey.length !== 65 || publicKey[0] !== 0x04) {
    throw new VeriotError(
      'KEY_MALFORMED',
      `"publicKey" expected 65 bytes starting 0x04 (uncompressed P-256), got ${publicKey.length} bytes starting 0x${(publicKey[0] ?? 0).toString(16)}`,
    )
  }
  return { x: bytesToHex(publicKey.subarray(1, 33)), y: bytesToHex(publicKey.subarray(33, 65)) }
}

/** The device id of a P-256 public key: keccak256(x ‖ y). */
export function deviceIdFromPublicKey(publicKey: Uint8Array): Hex {
  publicKeyToCoordinates(publicKey)
  return keccak256(publicKey.subarray(1, 65))
}

/** True when `value` is a 0x-prefixed 32-byte hex device id. */
export function isDeviceId(value: string): value is Hex {
  return /^0x[0-9a-fA-F]{64}$/.test(value)
}

/** Checks a device id typed by a user or read from a file. @throws INVALID_DEVICE_ID */
export function assertDeviceId(value: string): asserts value is Hex {
  if (!isDeviceId(value)) {
    throw new VeriotError(
      'INVALID_DEVICE_ID',
      `"device id" expected 0x followed by 64 hex digits, got ${JSON.stringify(value.slice(0, 80))}`,
    )
  }
}
