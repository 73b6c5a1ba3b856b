// The slot of an element of a Solidity dynamic array of 32-byte elements.

import type { Hex } from '../telemetry/TelemetryDevice.ts'
import { keccak256 } from './keccak256.ts'
import { addToStorageWord, type StorageSlot, storageSlotToWord } from './storageSlotToWord.ts'

/**
 * Storage slot of `array[index]` for a dynamic array declared at `slot` whose elements take one
 * word each (bytes32, uint256, address…): keccak256(slot) + index. The array's length is at
 * `slot` itself. (Packed smaller elements share words; divide the index accordingly.)
 *
 * @throws INVALID_ARGUMENT
 * @example
 * arrayElementSlot(5n, 0n) // DeviceRegistry._deviceIds[0]
 */
export function arrayElementSlot(slot: StorageSlot, index: bigint): Hex {
  return addToStorageWord(keccak256(storageSlotToWord('slot', slot)), index, 'index')
}
