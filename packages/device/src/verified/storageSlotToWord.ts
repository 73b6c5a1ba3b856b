// A storage slot as a 32-byte word and as a number, for the Solidity layout helpers.

import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'

/** A storage slot: a number 0..2^256-1, or its 32-byte word (0x + 64 hex digits). */
export type StorageSlot = bigint | Hex

const MODULUS = 1n << 256n

/** The 32 bytes of `slot`. @throws INVALID_ARGUMENT */
export function storageSlotToWord(name: string, slot: StorageSlot): Uint8Array {
  if (typeof slot === 'bigint') {
    if (slot < 0n || slot >= MODULUS) {
      throw new VeriotError('INVALID_ARGUMENT', `"${name}" expected 0..2^256-1, got ${slot}`)
    }
    return numberToBytesBE(slot, 32)
  }
  if (typeof slot === 'string' && /^0x[0-9a-fA-F]{64}$/.test(slot)) return hexToBytes(slot.slice(2))
  throw new VeriotError(
    'INVALID_ARGUMENT',
    `"${name}" expected a bigint or 0x + 64 hex digits, got ${String(slot).slice(0, 70)}`,
  )
}

/** (word + offset) mod 2^256 as 0x + 64 lowercase hex digits, as the EVM adds slots. */
export function addToStorageWord(word: Uint8Array, offset: bigint, name: string): Hex {
  if (typeof offset !== 'bigint' || offset < 0n || offset >= MODULUS) {
    throw new VeriotError('INVALID_ARGUMENT', `"${name}" expected a bigint 0..2^256-1`)
  }
  return `0x${bytesToHex(numberToBytesBE((bytesToNumberBE(word) + offset) % MODULUS, 32))}`
}
