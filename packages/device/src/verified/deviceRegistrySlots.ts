// Where DeviceRegistry keeps what a device may need to verify about itself or a peer, so it can
// ask for exactly those storage words with proofs (verifyVerifiedRead).
//
// Storage layout of DeviceRegistry (solc 0.8.30, OpenZeppelin 5.7; from
// `forge inspect DeviceRegistry storageLayout`, checked against a live chain by the tests):
//
//   slot 0  _roles          mapping(bytes32 => AccessControl.RoleData)    (AccessControl)
//   slot 1  _devices        mapping(bytes32 id => Device)                 7 words per device
//   slot 2  _capabilities   mapping(bytes32 id => EnumerableSet.Bytes32Set)
//   slot 3  nonces          mapping(bytes32 id => uint256)
//   slot 4  statusCount     mapping(Status => uint256)
//   slot 5  _deviceIds      bytes32[]
//   slot 6  modelPaused     mapping(bytes32 model => bool)                model breaker
//
//   Device word 0: owner (bytes 0..19) | status (20) | suite (21) | firmwareVersion (22..29),
//                  counted from the low-order end (see decodeDeviceWord)
//   Device word 1: manufacturer (0..19) | registeredAt (20..27)
//   Device words 2..6: pubKeyX, pubKeyY, model, metadataHash, auxKeyHash
//   Bytes32Set: _inner.Set { _values bytes32[] at +0, _positions mapping(bytes32 => uint256) at +1 }

import { type DeviceStatus, deviceStatuses, VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import { arrayElementSlot } from './arrayElementSlot.ts'
import { mappingSlot } from './mappingSlot.ts'
import { structFieldSlot } from './structFieldSlot.ts'

/** Declaration slots of DeviceRegistry's state variables. */
export const DEVICE_REGISTRY_LAYOUT = Object.freeze({
  roles: 0n,
  devices: 1n,
  capabilities: 2n,
  nonces: 3n,
  statusCount: 4n,
  deviceIds: 5n,
  modelPaused: 6n,
})

/** Word offsets inside a Device record. */
export const DEVICE_RECORD_WORDS = Object.freeze({
  /** owner | status | suite | firmwareVersion, see decodeDeviceWord. */
  head: 0n,
  /** manufacturer (low 20 bytes) | registeredAt (next 8 bytes). */
  manufacturer: 1n,
  pubKeyX: 2n,
  pubKeyY: 3n,
  model: 4n,
  metadataHash: 5n,
  auxKeyHash: 6n,
})

/**
 * Storage slots of DeviceRegistry, to ask a verified read for. Every id and capability is a
 * bytes32 (0x + 64 hex digits; capabilityToBytes32 from @veriot/core makes one from a name).
 *
 * @throws INVALID_ARGUMENT for a malformed id, capability, status or index
 * @example
 * // Is device `id` active, who owns it, and may it unlock?
 * const head = deviceRegistrySlots.device(id)
 * const unlock = deviceRegistrySlots.capability(id, capabilityToBytes32('command:unlock'))
 * const read = await verifyVerifiedRead(response, { ...policy, address: registry, slots: [head, unlock] })
 * const { status, owner } = decodeDeviceWord(read.values.get(head) ?? 0n)
 * const mayUnlock = status === 'active' && read.values.get(unlock) !== 0n
 */
export const deviceRegistrySlots = Object.freeze({
  /** Word 0 of `_devices[id]`: owner | status | suite | firmwareVersion (decodeDeviceWord). */
  device: (id: Hex): Hex => mappingSlot(id, DEVICE_REGISTRY_LAYOUT.devices),

  /** Any word of `_devices[id]`, by name (DEVICE_RECORD_WORDS). */
  deviceWord: (id: Hex, word: keyof typeof DEVICE_RECORD_WORDS): Hex => {
    const offset = DEVICE_RECORD_WORDS[word]
    if (offset === undefined) {
      throw new VeriotError('INVALID_ARGUMENT', `"word" expected a Device field name`)
    }
    return structFieldSlot(mappingSlot(id, DEVICE_REGISTRY_LAYOUT.devices), offset)
  },

  /**
   * `_capabilities[id]._inner._positions[capability]`: nonzero exactly when the device holds
   * the capability (it is the 1-based index into `_values`; 0 means absent).
   */
  capability: (id: Hex, capability: Hex): Hex =>
    mappingSlot(
      capability,
      structFieldSlot(mappingSlot(id, DEVICE_REGISTRY_LAYOUT.capabilities), 1n),
    ),

  /** `_capabilities[id]._inner._values.length`: how many capabilities the device holds. */
  capabilityCount: (id: Hex): Hex => mappingSlot(id, DEVICE_REGISTRY_LAYOUT.capabilities),

  /** `nonces[id]`: registrations of this key so far (0 or 1). */
  nonce: (id: Hex): Hex => mappingSlot(id, DEVICE_REGISTRY_LAYOUT.nonces),

  /** `statusCount[status]`: how many devices are in `status`. */
  statusCount: (status: DeviceStatus): Hex => {
    const index = deviceStatuses.indexOf(status)
    if (index < 0) throw new VeriotError('INVALID_ARGUMENT', '"status" expected a device status')
    return mappingSlot(
      `0x${index.toString(16).padStart(64, '0')}`,
      DEVICE_REGISTRY_LAYOUT.statusCount,
    )
  },

  /** `_deviceIds.length`: how many devices were ever registered. */
  deviceCount: (): Hex => `0x${DEVICE_REGISTRY_LAYOUT.deviceIds.toString(16).padStart(64, '0')}`,

  /** `_deviceIds[index]`: the id of the index-th registered device. */
  deviceIdAt: (index: bigint): Hex => arrayElementSlot(DEVICE_REGISTRY_LAYOUT.deviceIds, index),

  /**
   * `modelPaused[model]`: nonzero while the model's breaker is tripped. A device that trusts a
   * peer only when it is operational reads this beside the peer's status word (the model is
   * the `model` word of the record, a bytes32 short string).
   */
  modelPaused: (model: Hex): Hex => mappingSlot(model, DEVICE_REGISTRY_LAYOUT.modelPaused),
})
