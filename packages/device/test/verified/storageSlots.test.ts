// Solidity storage-slot helpers against viem's keccak256/encodeAbiParameters, the packed Device
// word, and hostile inputs. The layout itself is checked on a live chain in
// verifyVerifiedRead.test.ts.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isVeriotError } from '@veriot/core'
import { encodeAbiParameters, type Hex, keccak256, numberToHex } from 'viem'
import {
  arrayElementSlot,
  DEVICE_REGISTRY_LAYOUT,
  decodeDeviceWord,
  deviceRegistrySlots,
  mappingSlot,
  structFieldSlot,
} from '../../src/index.ts'

const id = keccak256('0x0102')
const cap = keccak256('0x0304')
const word = (n: bigint) => numberToHex(n, { size: 32 })
const solidityMapping = (key: Hex, slot: bigint) =>
  keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }], [key, slot]))

test('default: mappingSlot is keccak256(key ‖ slot)', () => {
  for (const slot of [0n, 1n, 5n, (1n << 256n) - 1n]) {
    assert.equal(mappingSlot(id, slot), solidityMapping(id, slot))
    assert.equal(mappingSlot(id, word(slot)), solidityMapping(id, slot))
  }
  // Keys and slots may be spelled in upper case; results are lowercase.
  assert.equal(mappingSlot(`0x${id.slice(2).toUpperCase()}`, 1n), solidityMapping(id, 1n))
})

test('default: arrayElementSlot is keccak256(slot) + index, wrapping at 2^256', () => {
  const base = BigInt(keccak256(word(5n)))
  assert.equal(arrayElementSlot(5n, 0n), word(base))
  assert.equal(arrayElementSlot(5n, 7n), word(base + 7n))
  const wrapped = arrayElementSlot(5n, (1n << 256n) - base)
  assert.equal(wrapped, word(0n))
})

test('default: structFieldSlot is base + offset, and nests with mappings', () => {
  const base = mappingSlot(id, 2n)
  assert.equal(structFieldSlot(base, 1n), word(BigInt(base) + 1n))
  assert.equal(structFieldSlot((1n << 256n) - 1n, 1n), word(0n))
  assert.equal(
    deviceRegistrySlots.capability(id, cap),
    solidityMapping(cap, BigInt(solidityMapping(id, DEVICE_REGISTRY_LAYOUT.capabilities)) + 1n),
  )
  assert.equal(deviceRegistrySlots.device(id), solidityMapping(id, 1n))
  assert.equal(
    deviceRegistrySlots.deviceWord(id, 'auxKeyHash'),
    word(BigInt(solidityMapping(id, 1n)) + 6n),
  )
  assert.equal(deviceRegistrySlots.statusCount('suspended'), solidityMapping(word(4n), 4n))
  assert.equal(deviceRegistrySlots.deviceCount(), word(5n))
  // Slot 6, checked with vm.load in contracts/test/DeviceRegistryModelBreaker.t.sol.
  assert.equal(deviceRegistrySlots.modelPaused(cap), solidityMapping(cap, 6n))
})

test('error: slot helpers refuse malformed keys, slots and offsets', () => {
  const bad: [string, () => unknown][] = [
    ['short key', () => mappingSlot('0x01', 1n)],
    ['address-length key', () => mappingSlot(`0x${'11'.repeat(20)}`, 1n)],
    ['negative slot', () => mappingSlot(id, -1n)],
    ['slot 2^256', () => mappingSlot(id, 1n << 256n)],
    ['number slot', () => mappingSlot(id, 1 as unknown as bigint)],
    ['negative index', () => arrayElementSlot(5n, -1n)],
    ['number index', () => arrayElementSlot(5n, 1 as unknown as bigint)],
    ['offset 2^256', () => structFieldSlot(1n, 1n << 256n)],
    ['unknown status', () => deviceRegistrySlots.statusCount('lost' as never)],
    ['unknown word', () => deviceRegistrySlots.deviceWord(id, 'colour' as never)],
  ]
  for (const [name, run] of bad) {
    assert.throws(run, (e: unknown) => isVeriotError(e, 'INVALID_ARGUMENT'), name)
  }
})

test('default: decodeDeviceWord unpacks owner | status | suite | firmwareVersion', () => {
  const owner = 0x70997970c51812dc3a010c7d01b50e0d17dc79c8n
  const packed = (0x0001000200030000n << 176n) | (3n << 168n) | (4n << 160n) | owner
  const decoded = decodeDeviceWord(packed)
  assert.deepEqual(decoded, {
    owner: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
    status: 'suspended',
    suite: 3,
    firmwareVersion: 0x0001000200030000n,
  })
  assert.ok(Object.isFrozen(decoded))
  assert.deepEqual(decodeDeviceWord(0n), {
    owner: '0x0000000000000000000000000000000000000000',
    status: 'none',
    suite: 0,
    firmwareVersion: 0n,
  })
})

test('error: decodeDeviceWord refuses words no Device head can hold', () => {
  for (const value of [-1n, 6n << 160n, 1n << 240n, 1n << 256n, 5 as unknown as bigint]) {
    assert.throws(
      () => decodeDeviceWord(value),
      (e: unknown) => isVeriotError(e, 'INVALID_ARGUMENT'),
      String(value),
    )
  }
})
