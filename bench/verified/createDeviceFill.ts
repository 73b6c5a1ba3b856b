// The storage words DeviceRegistry would hold after `count` more P-256 devices were registered
// (no metadata), provisioned to an owner each, activated and granted one capability — at the
// slots deviceRegistrySlots names (the helpers a device uses to ask for them), to be written
// straight into a state file instead of sending 5 transactions per device.

import { createCipheriv, createHash } from 'node:crypto'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js'
import { arrayElementSlot, deviceRegistrySlots } from '@veriot/device'
import type { Hex } from 'viem'

export type DeviceFill = {
  /** `"0x<slot>":"0x<word>"` pairs, ready to join into a state file's storage object. */
  storageEntries: string[]
  /** Owner addresses (one per device, lowercase 0x hex), to exist as funded accounts. */
  owners: string[]
  /** Ids in order (index `firstIndex + i` of `_deviceIds`). */
  ids: Hex[]
}

const WORD_MASK = (1n << 256n) - 1n
const word = (value: bigint) => `0x${(value & WORD_MASK).toString(16).padStart(64, '0')}`

/**
 * @param firstIndex index in `_deviceIds` of the first new device (devices already there)
 * @param manufacturer the account that registered them (lowercase)
 * @param capability the bytes32 capability each holds
 * @param registeredAt block timestamp written as their registration time
 */
export function createDeviceFill(options: {
  count: number
  firstIndex: number
  manufacturer: Hex
  capability: Hex
  model: Hex
  firmwareVersion: bigint
  registeredAt: bigint
}): DeviceFill {
  const { count, firstIndex } = options
  const capability = hexToBytes(options.capability.slice(2))
  const storageEntries: string[] = []
  const owners: string[] = []
  const ids: Hex[] = []
  // Deterministic (AES-256-CTR of zeros under a fixed key): every run builds the same tries, so
  // proof depths and sizes compare between runs.
  const entropy = createCipheriv(
    'aes-256-ctr',
    createHash('sha256').update('veriot bench verified fill').digest(),
    Buffer.alloc(16),
  ).update(Buffer.alloc(count * 84))
  const manufacturerWord = word((options.registeredAt << 160n) | BigInt(options.manufacturer))
  const modelWord = options.model.toLowerCase()
  const one = word(1n)
  const deviceIdsBase = BigInt(deviceRegistrySlots.deviceIdAt(0n))
  const put = (slot: string, value: string) => storageEntries.push(`"${slot}":"${value}"`)
  // The slot arithmetic of deviceRegistrySlots on bytes (keccak256(key ‖ slot), base + offset),
  // about 30 times faster than its validating hex API; the first devices are checked against it.
  const pair = new Uint8Array(64)
  const mapping = (key: Uint8Array, slot: Uint8Array | number) => {
    pair.set(key, 0)
    if (typeof slot === 'number') {
      pair.fill(0, 32)
      pair[63] = slot
    } else pair.set(slot, 32)
    return keccak_256(pair)
  }
  for (let i = 0; i < count; i++) {
    const x = entropy.subarray(i * 84, i * 84 + 32)
    const y = entropy.subarray(i * 84 + 32, i * 84 + 64)
    const owner = `0x${bytesToHex(entropy.subarray(i * 84 + 64, i * 84 + 84))}` as Hex
    // DeviceRegistry.deviceIdOf: keccak256(x ‖ y).
    const idBytes = keccak_256(concatBytes(x, y))
    const id = `0x${bytesToHex(idBytes)}` as Hex
    const record = BigInt(`0x${bytesToHex(mapping(idBytes, 1))}`)
    const values = mapping(idBytes, 2) // _capabilities[id]: _values.length, then _positions
    const valuesSlot = BigInt(`0x${bytesToHex(values)}`)
    const slots = {
      head: word(record),
      manufacturer: word(record + 1n),
      pubKeyX: word(record + 2n),
      pubKeyY: word(record + 3n),
      model: word(record + 4n),
      nonce: `0x${bytesToHex(mapping(idBytes, 3))}`,
      deviceIdAt: word(deviceIdsBase + BigInt(firstIndex + i)),
      capabilityCount: `0x${bytesToHex(values)}`,
      firstCapability: `0x${bytesToHex(keccak_256(values))}`,
      capability: `0x${bytesToHex(mapping(capability, hexToBytes(word(valuesSlot + 1n).slice(2))))}`,
    }
    if (i < 20) assertSameSlots(id, BigInt(firstIndex + i), options.capability, slots)
    // Word 0: owner | status Active (3) << 160 | suite P-256 (1) << 168 | firmware << 176.
    const head = BigInt(owner) | (3n << 160n) | (1n << 168n) | (options.firmwareVersion << 176n)
    put(slots.head, word(head))
    put(slots.manufacturer, manufacturerWord)
    put(slots.pubKeyX, `0x${bytesToHex(x)}`)
    put(slots.pubKeyY, `0x${bytesToHex(y)}`)
    put(slots.model, modelWord)
    put(slots.nonce, one)
    put(slots.deviceIdAt, id)
    // EnumerableSet with one member: _values.length = 1, _values[0] = capability,
    // _positions[capability] = 1.
    put(slots.capabilityCount, one)
    put(slots.firstCapability, options.capability.toLowerCase())
    put(slots.capability, one)
    owners.push(owner)
    ids.push(id)
  }
  return { storageEntries, owners, ids }
}

function assertSameSlots(id: Hex, index: bigint, capability: Hex, slots: Record<string, string>) {
  const expected: Record<string, string> = {
    head: deviceRegistrySlots.device(id),
    manufacturer: deviceRegistrySlots.deviceWord(id, 'manufacturer'),
    pubKeyX: deviceRegistrySlots.deviceWord(id, 'pubKeyX'),
    pubKeyY: deviceRegistrySlots.deviceWord(id, 'pubKeyY'),
    model: deviceRegistrySlots.deviceWord(id, 'model'),
    nonce: deviceRegistrySlots.nonce(id),
    deviceIdAt: deviceRegistrySlots.deviceIdAt(index),
    capabilityCount: deviceRegistrySlots.capabilityCount(id),
    firstCapability: arrayElementSlot(deviceRegistrySlots.capabilityCount(id), 0n),
    capability: deviceRegistrySlots.capability(id, capability),
  }
  for (const [name, slot] of Object.entries(expected)) {
    if (slots[name] !== slot.toLowerCase()) {
      throw new Error(
        `fill slot ${name} of ${id}: computed ${slots[name]}, deviceRegistrySlots ${slot}`,
      )
    }
  }
}
