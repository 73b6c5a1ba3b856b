import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  assertDeviceId,
  capabilityFromBytes32,
  capabilityToBytes32,
  deviceIdFromPublicKey,
  deviceStatusOf,
  firmwareVersionFromUint64,
  firmwareVersionToUint64,
  isVeriotError,
  publicKeyToCoordinates,
  shortStringFromBytes32,
  shortStringToBytes32,
} from '../src/index.ts'

/** Inputs every string parser must reject without crashing (STYLE.md: hostile-input table). */
const hostileStrings = [
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '1e400',
  '9'.repeat(400),
  '\u0000',
  'é',
  '0x',
  `0x${'g'.repeat(64)}`,
  '__proto__',
  'a'.repeat(10_000),
]

describe('firmware versions', () => {
  test('default: semver packs so numeric order is semver order', () => {
    const versions = [
      '0.0.1',
      '0.1.0',
      '0.9.65535',
      '1.0.0',
      '1.2.3',
      '1.10.0',
      '4294967295.65535.65535',
    ]
    const packed = versions.map(firmwareVersionToUint64)
    for (let i = 1; i < packed.length; i++)
      assert.ok((packed[i] as bigint) > (packed[i - 1] as bigint))
    for (const v of versions) assert.equal(firmwareVersionFromUint64(firmwareVersionToUint64(v)), v)
    assert.equal(firmwareVersionToUint64('4294967295.65535.65535'), 2n ** 64n - 1n)
  })
  test('error: hostile and out-of-range versions', () => {
    for (const bad of [
      ...hostileStrings,
      '1.2',
      '1.2.3.4',
      '1.65536.0',
      '4294967296.0.0',
      '-1.0.0',
      '1.0.0-rc1',
      ' 1.0.0',
    ]) {
      assert.throws(
        () => firmwareVersionToUint64(bad),
        (e) => isVeriotError(e, 'INVALID_ARGUMENT'),
        bad,
      )
    }
  })
})

describe('short strings and capabilities', () => {
  test('default: round trip', () => {
    assert.equal(
      shortStringFromBytes32(shortStringToBytes32('model', 'coldchain-sensor')),
      'coldchain-sensor',
    )
    assert.equal(
      shortStringFromBytes32(shortStringToBytes32('model', 'x'.repeat(31))),
      'x'.repeat(31),
    )
    assert.equal(shortStringFromBytes32(shortStringToBytes32('reason', '')), '')
    assert.equal(
      capabilityFromBytes32(capabilityToBytes32('telemetry:temperature')),
      'telemetry:temperature',
    )
    assert.equal(capabilityFromBytes32(capabilityToBytes32('command:unlock')), 'command:unlock')
  })
  test('error: too long, non-ASCII, control characters', () => {
    for (const bad of ['x'.repeat(32), 'é', '\u0000', '\n', 'a'.repeat(10_000)]) {
      assert.throws(
        () => shortStringToBytes32('model', bad),
        (e) => isVeriotError(e, 'INVALID_ARGUMENT'),
      )
    }
  })
  test('error: malformed capabilities', () => {
    for (const bad of [
      ...hostileStrings,
      'telemetry:',
      'unlock',
      'Telemetry:x',
      'command:UNLOCK',
      `telemetry:${'a'.repeat(30)}`,
      'other:x',
    ]) {
      assert.throws(
        () => capabilityToBytes32(bad),
        (e) => isVeriotError(e, 'CAPABILITY_INVALID'),
        bad,
      )
    }
  })
})

describe('device ids and public keys', () => {
  const pub = new Uint8Array(65)
  pub[0] = 4
  test('default: id is keccak256(x ‖ y)', () => {
    assert.equal(
      deviceIdFromPublicKey(pub),
      // keccak256 of 64 zero bytes
      '0xad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5',
    )
    assert.equal(publicKeyToCoordinates(pub).x, `0x${'00'.repeat(32)}`)
  })
  test('error: wrong length or prefix', () => {
    for (const bad of [
      new Uint8Array(0),
      new Uint8Array(64),
      new Uint8Array(33),
      new Uint8Array(66),
      new Uint8Array(65),
    ]) {
      assert.throws(
        () => deviceIdFromPublicKey(bad),
        (e) => isVeriotError(e, 'KEY_MALFORMED'),
      )
    }
  })
  test('error: malformed device ids', () => {
    for (const bad of [
      ...hostileStrings,
      `0x${'a'.repeat(63)}`,
      `0x${'a'.repeat(65)}`,
      'a'.repeat(64),
    ]) {
      assert.throws(
        () => assertDeviceId(bad),
        (e) => isVeriotError(e, 'INVALID_DEVICE_ID'),
      )
    }
    assertDeviceId(`0x${'aB'.repeat(32)}`)
  })
  test('error: status out of range', () => {
    assert.equal(deviceStatusOf(5), 'decommissioned')
    for (const bad of [-1, 6, Number.NaN, 1.5]) assert.throws(() => deviceStatusOf(bad), RangeError)
  })
})
