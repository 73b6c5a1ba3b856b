// The slot of a field of a Solidity struct stored at a given slot.

import type { Hex } from '../telemetry/TelemetryDevice.ts'
import { addToStorageWord, type StorageSlot, storageSlotToWord } from './storageSlotToWord.ts'

/**
 * Storage slot of the struct word `offset` words after `base`: base + offset. Offsets come from
 * the compiler's storage layout (`forge inspect <Contract> storageLayout`); fields smaller than
 * a word are packed into one, low-order bytes first.
 *
 * @throws INVALID_ARGUMENT
 * @example
 * structFieldSlot(mappingSlot(deviceId, 1n), 2n) // _devices[deviceId].pubKeyX
 */
export function structFieldSlot(base: StorageSlot, offset: bigint): Hex {
  return addToStorageWord(storageSlotToWord('base', base), offset, 'offset')
}
