// The slot of a Solidity mapping entry: keccak256(key ‖ slot), both as 32-byte words.

import { bytesToHex, concatBytes } from '@noble/hashes/utils.js'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import { keccak256 } from './keccak256.ts'
import { type StorageSlot, storageSlotToWord } from './storageSlotToWord.ts'

/**
 * Storage slot of `mapping[key]` for a mapping declared at `slot`: keccak256(key ‖ slot).
 * `key` is the key as its 32-byte ABI word: bytes32 as is, uintN/enums big-endian, an address
 * left-padded with zeros. (Not for string or bytes keys, which Solidity hashes unpadded.)
 * Nested mappings chain: mappingSlot(k2, mappingSlot(k1, slot)).
 *
 * @throws INVALID_ARGUMENT
 * @example
 * mappingSlot(deviceId, 1n) // DeviceRegistry._devices[deviceId]
 */
export function mappingSlot(key: Hex, slot: StorageSlot): Hex {
  const word = storageSlotToWord('key', key)
  return `0x${bytesToHex(keccak256(concatBytes(word, storageSlotToWord('slot', slot))))}`
}
