// Unpacks word 0 of a DeviceRegistry Device record, as a verified read returns it.

import { type DeviceStatus, deviceStatusOf, VeriotError } from '@veriot/core'
import type { Address } from './VerifiedRead.ts'

/** The packed head of a Device record. Frozen. */
export type DeviceWord = {
  /** Lowercase; the zero address before the device is provisioned. */
  readonly owner: Address
  /** 'none' when the id was never registered (the word is 0). */
  readonly status: DeviceStatus
  /** 1 p256, 2 ed25519, 3 mldsa44P256 (Suite in @veriot/core); 0 when not registered. */
  readonly suite: number
  /** major << 32 | minor << 16 | patch (firmwareVersionFromUint64 in @veriot/core). */
  readonly firmwareVersion: bigint
}

const MAX_WORD = (1n << 256n) - 1n

/**
 * Decodes `_devices[id]` word 0 (deviceRegistrySlots.device): Solidity packs the fields from the
 * low-order end, so owner is bits 0..159, status 160..167, suite 168..175 and firmwareVersion
 * 176..239; the top 16 bits are unused and must be zero.
 *
 * @throws INVALID_ARGUMENT when the word cannot be a Device head (status > 5, stray high bits)
 * @example
 * const { status, owner } = decodeDeviceWord(read.values.get(deviceRegistrySlots.device(id)) ?? 0n)
 */
export function decodeDeviceWord(word: bigint): DeviceWord {
  if (typeof word !== 'bigint' || word < 0n || word > MAX_WORD || word >> 240n !== 0n) {
    throw new VeriotError('INVALID_ARGUMENT', '"word" expected a Device head word (< 2^240)')
  }
  const statusValue = Number((word >> 160n) & 0xffn)
  if (statusValue > 5) {
    throw new VeriotError('INVALID_ARGUMENT', `"status" expected 0..5, got ${statusValue}`)
  }
  return Object.freeze({
    owner: `0x${(word & ((1n << 160n) - 1n)).toString(16).padStart(40, '0')}` as Address,
    status: deviceStatusOf(statusValue),
    suite: Number((word >> 168n) & 0xffn),
    firmwareVersion: (word >> 176n) & ((1n << 64n) - 1n),
  })
}
