// The compact binary form of verified-read responses: a real answer from anvil survives the
// round trip and still verifies, random answers round-trip exactly, fields the codec does not
// know travel as they are, and hostile bytes only ever give READ_MALFORMED.

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { RLP } from '@ethereumjs/rlp'
import { capabilityToBytes32, type ErrorCode, isVeriotError } from '@veriot/core'
import { decode, encode, rfc8949EncodeOptions } from 'cborg'
import fc from 'fast-check'
import { bytesToHex } from 'viem'
import {
  decodeVerifiedReadBinary,
  deviceRegistrySlots,
  encodeVerifiedReadBinary,
  VERIFIED_READ_BINARY_KEYS,
  VERIFIED_READ_BINARY_MAX_BYTES,
  type VerifiedReadPolicy,
  type VerifiedReadResponse,
  verifyVerifiedRead,
} from '../../src/index.ts'
import { verifiedReadBinaryNodeLength } from '../../src/verified/verifiedReadBinaryNodeLength.ts'
import {
  AUTHORITY_REGISTRY,
  createRegistryFixture,
  type RegistryFixture,
  type TestResponse,
  UNLOCK,
} from './support/createRegistryFixture.ts'

let fx: RegistryFixture
let response: TestResponse
let policy: VerifiedReadPolicy
let valid: Uint8Array

before(async () => {
  fx = await createRegistryFixture()
  const slots = [
    deviceRegistrySlots.device(fx.deviceId),
    deviceRegistrySlots.capability(fx.deviceId, UNLOCK),
    deviceRegistrySlots.capability(fx.deviceId, capabilityToBytes32('command:open-trunk')),
  ]
  response = await fx.createResponse(slots, { signWith: fx.authorities })
  policy = {
    chainId: 31337,
    registry: AUTHORITY_REGISTRY,
    trustedSigners: fx.trustedSigners,
    k: 3,
    address: fx.registry,
    slots,
  }
  valid = encodeVerifiedReadBinary(response as VerifiedReadResponse)
})

after(async () => {
  await fx?.anvil.stop()
})

/** The JSON form with every 0x-hex byte string in lowercase, as the binary form returns it. */
function lowercaseHex<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_k, v) =>
      typeof v === 'string' && /^0x(?:[0-9a-fA-F]{2})*$/.test(v) ? v.toLowerCase() : v,
    ),
  )
}

/** The response as decoded CBOR (Maps with integer keys, bytes), for hand-built encodings. */
function toCborData(value: unknown): Map<number | string, unknown> {
  return decode(encodeVerifiedReadBinary(value as VerifiedReadResponse), { useMaps: true })
}

/** The integer key of a field name. */
const K = (name: (typeof VERIFIED_READ_BINARY_KEYS)[number]) =>
  VERIFIED_READ_BINARY_KEYS.indexOf(name) + 1

/** A copy of `map` with `key` set to `value` (deleted when undefined). */
function withField(map: Map<number | string, unknown>, key: number | string, value: unknown) {
  const copy = new Map(map)
  if (value === undefined) copy.delete(key)
  else copy.set(key, value)
  return copy
}

function throwsCode(run: () => unknown, code: ErrorCode, label: string) {
  assert.throws(
    run,
    (err: unknown) => {
      assert.ok(isVeriotError(err), `${label}: expected a VeriotError, got ${String(err)}`)
      assert.equal(err.code, code, `${label}: ${err.message}`)
      return true
    },
    label,
  )
}

test('default: a real answer round-trips, still verifies, and is at most half the JSON', async () => {
  const decoded = decodeVerifiedReadBinary(valid)
  assert.deepEqual(decoded, lowercaseHex(response))
  const fromJson = await verifyVerifiedRead(JSON.parse(JSON.stringify(response)), policy)
  const fromBinary = await verifyVerifiedRead(decoded, policy)
  assert.deepEqual([...fromBinary.values], [...fromJson.values])
  assert.equal(fromBinary.blockHash, fromJson.blockHash)
  assert.deepEqual(fromBinary.signers, fromJson.signers)
  const jsonBytes = Buffer.byteLength(JSON.stringify(response))
  assert.ok(valid.length * 2 <= jsonBytes, `binary ${valid.length} B, JSON ${jsonBytes} B`)
  // Deterministic: encoding the decoded answer again gives the same bytes.
  assert.deepEqual(encodeVerifiedReadBinary(decoded), valid)
})

test('behavior: a tampered twin decodes but does not verify', async () => {
  const data = toCborData(response)
  const signatures = data.get(K('signatures')) as Map<number, Uint8Array>[]
  const signature = signatures[0]?.get(K('signature')) as Uint8Array
  signature[5] = (signature[5] as number) ^ 1
  const tampered = decodeVerifiedReadBinary(encode(data, rfc8949EncodeOptions))
  await assert.rejects(verifyVerifiedRead(tampered, policy), (err: unknown) => {
    assert.ok(isVeriotError(err))
    assert.equal(err.code, 'ATTESTATION_QUORUM_MISSING')
    return true
  })
})

const hexOf = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((b) => bytesToHex(b))
// Trie nodes are RLP lists; the binary form relies on that to split its node table.
const nodeArb = fc
  .array(fc.uint8Array({ minLength: 2, maxLength: 40 }), { minLength: 2, maxLength: 17 })
  .map((items) => bytesToHex(RLP.encode(items)))
const proofArb = fc.array(nodeArb, { maxLength: 6 })
const responseArb = fc.record({
  chainId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  registry: hexOf(20, 20),
  block: fc.record({
    number: fc.bigInt({ min: 0n, max: 10n ** 20n - 1n }).map(String),
    hash: hexOf(32, 32),
    header: hexOf(0, 700),
  }),
  account: fc.record({ address: hexOf(20, 20), proof: proofArb }),
  storage: fc.array(
    fc.record(
      {
        slot: hexOf(32, 32),
        proof: proofArb,
        value: fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }).map((v) => `0x${v.toString(16)}`),
      },
      { requiredKeys: ['slot', 'proof'] },
    ),
    { maxLength: 4 },
  ),
  signatures: fc.array(fc.record({ signer: hexOf(20, 20), signature: hexOf(65, 65) }), {
    maxLength: 5,
  }),
})

test('behavior: random answers round-trip exactly (odd-length quantities stay text)', () => {
  fc.assert(
    fc.property(responseArb, (r) => {
      const bytes = encodeVerifiedReadBinary(r as VerifiedReadResponse)
      // fast-check builds objects without a prototype; the decoder builds plain ones.
      assert.deepEqual(decodeVerifiedReadBinary(bytes), JSON.parse(JSON.stringify(r)))
    }),
    { numRuns: 300 },
  )
})

test('behavior: hex in upper or mixed case comes back lowercase (checksums do not survive)', () => {
  const upper = { ...response, registry: response.registry.toUpperCase().replace('0X', '0x') }
  const decoded = decodeVerifiedReadBinary(encodeVerifiedReadBinary(upper as VerifiedReadResponse))
  assert.equal(decoded.registry, response.registry.toLowerCase())
  assert.equal(decoded.account.address, response.account.address.toLowerCase())
})

test('behavior: fields the codec does not know travel as bytes (a BLS aggregate)', () => {
  const aggregate = {
    signers: fx.authorities.map((a) => a.address),
    signature: bytesToHex(new Uint8Array(96).fill(7)),
  }
  const bytes = encodeVerifiedReadBinary({ ...response, aggregate } as VerifiedReadResponse)
  const raw = decode(bytes, { useMaps: true }).get(K('aggregate')) as Map<number, unknown>
  assert.equal((raw.get(K('signature')) as Uint8Array).length, 96)
  assert.deepEqual(
    (raw.get(K('signers')) as Uint8Array[]).map((s) => s.length),
    fx.authorities.map(() => 20),
  )
  // Whether the response schema accepts an aggregate is parseVerifiedReadResponse's decision:
  // either it comes back as it went in, or the answer is refused naming the field.
  let decoded: unknown
  try {
    decoded = decodeVerifiedReadBinary(bytes)
  } catch (err) {
    assert.ok(isVeriotError(err))
    assert.equal(err.code, 'READ_MALFORMED')
    assert.match(err.message, /aggregate/)
    return
  }
  assert.deepEqual((decoded as { aggregate: unknown }).aggregate, lowercaseHex(aggregate))
})

test('error: values JSON-RPC cannot carry are INVALID_ARGUMENT when encoding', () => {
  const cases: Array<[string, unknown]> = [
    ['fraction', { ...response, chainId: 1.5 }],
    ['NaN', { ...response, chainId: Number.NaN }],
    ['Infinity', { ...response, chainId: Number.POSITIVE_INFINITY }],
    ['unsafe integer', { ...response, chainId: 2 ** 53 }],
    ['bigint', { ...response, chainId: 1n }],
    ['null', { ...response, registry: null }],
    ['boolean', { ...response, registry: true }],
    ['Map', { ...response, block: new Map() }],
    ['Uint8Array', { ...response, registry: new Uint8Array(20) }],
    ['too deep', { ...response, extra: [[[[[[[[[1]]]]]]]]] }],
  ]
  for (const [label, value] of cases) {
    throwsCode(
      () => encodeVerifiedReadBinary(value as VerifiedReadResponse),
      'INVALID_ARGUMENT',
      label,
    )
  }
})

test('error: hostile bytes give READ_MALFORMED', () => {
  const data = toCborData(response)
  const cbor = (value: unknown) => encode(value, rfc8949EncodeOptions)
  const set = (key: number | string, value: unknown) => cbor(withField(data, key, value))
  const block = data.get(K('block')) as Map<number, unknown>
  const account = data.get(K('account')) as Map<number, unknown>
  const storage = data.get(K('storage')) as Map<number, unknown>[]
  const table = data.get(0) as Uint8Array
  let deep: unknown = 1
  for (let i = 0; i < 2000; i++) deep = [deep]
  const cases: Array<[string, unknown]> = [
    ['a string', bytesToHex(valid)],
    ['an array of numbers', [...valid]],
    ['null', null],
    ['an ArrayBuffer', valid.buffer],
    ['empty', new Uint8Array(0)],
    ['one byte', new Uint8Array([0xa6])],
    ['trailing byte', new Uint8Array([...valid, 0])],
    ['two items', new Uint8Array([...valid, ...valid])],
    ['too large', new Uint8Array(VERIFIED_READ_BINARY_MAX_BYTES + 1)],
    ['too deep (2000 nested arrays)', cbor(deep)],
    ['nine levels', set('extra', [[[[[[[[1]]]]]]]])],
    ['not a map', cbor([data])],
    ['indefinite-length map', new Uint8Array([0xbf, 0xff])],
    ['RFC 7049 key order', encode(withField(data, 'zz', 'x'))],
    [
      'a known field under its text name',
      cbor(withField(withField(data, K('registry'), undefined), 'registry', new Uint8Array(20))),
    ],
    ['a field twice (number and name)', set('registry', new Uint8Array(20))],
    ['an unknown integer key', set(99, 1)],
    ['hex carried as text', set(K('registry'), response.registry.toLowerCase())],
    ['block number as bytes', set(K('block'), withField(block, K('number'), new Uint8Array([1])))],
    ['chainId as a float', floatChainId(data)],
    ['chainId as a bigint', set(K('chainId'), 2n ** 64n - 1n)],
    ['negative chainId', set(K('chainId'), -1)],
    ['unknown field', set('extra', 'x')],
    ['__proto__ field', set('__proto__', 'x')],
    ['missing field', set(K('signatures'), undefined)],
    ['address of 19 bytes', set(K('registry'), new Uint8Array(19))],
    [
      'signature of 64 bytes',
      set(K('signatures'), [
        new Map([
          [K('signer'), new Uint8Array(20)],
          [K('signature'), new Uint8Array(64)],
        ]),
      ]),
    ],
    ['33 storage entries', set(K('storage'), Array(33).fill(storage[0]))],
    ['a proof index outside the table', set(K('account'), withField(account, K('proof'), [999]))],
    ['a negative proof index', set(K('account'), withField(account, K('proof'), [-1]))],
    [
      'a proof as hex bytes',
      set(K('account'), withField(account, K('proof'), [new Uint8Array(40)])),
    ],
    ['no node table', set(0, undefined)],
    ['an empty node table', set(0, new Uint8Array(0))],
    ['a node table with an unused node', set(0, new Uint8Array([...table, 0xc0]))],
    ['a node table cut short', set(0, table.subarray(0, table.length - 1))],
    ['a node table that is not RLP', set(0, new Uint8Array([0xf9, 0xff, 0xff, 1]))],
    ['a node table in a nested map', set(K('block'), withField(block, 0, table))],
    ['a tag', new Uint8Array([0xc2, ...valid])],
    ['undefined', new Uint8Array([0xf7])],
    ['NaN', new Uint8Array([0xf9, 0x7e, 0x00])],
    [
      'non-minimal map head',
      new Uint8Array([0xb8, valid[0] as number & 0x1f, ...valid.subarray(1)]),
    ],
    ['a map claiming 2^32 entries', new Uint8Array([0xba, 0xff, 0xff, 0xff, 0xff, 0x60])],
    ['a byte string longer than the input', new Uint8Array([0x5a, 0x00, 0x10, 0x00, 0x00, 0x01])],
    ['invalid UTF-8 key', new Uint8Array([0xa1, 0x61, 0xff, 0x01])],
    ['a byte-string key', new Uint8Array([0xa1, 0x41, 0x00, 0x01])],
  ]
  for (const [label, input] of cases) {
    throwsCode(() => decodeVerifiedReadBinary(input as Uint8Array), 'READ_MALFORMED', label)
  }
  // Every proper prefix of a valid answer.
  for (let n = 0; n < valid.length; n += 7) {
    throwsCode(
      () => decodeVerifiedReadBinary(valid.subarray(0, n)),
      'READ_MALFORMED',
      `prefix ${n}`,
    )
  }
})

test('behavior: random mutations give READ_MALFORMED or a valid answer in canonical form', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), {
        minLength: 1,
        maxLength: 4,
      }),
      (edits) => {
        const bytes = valid.slice()
        for (const { at, byte } of edits) bytes[at % bytes.length] = byte
        let decoded: VerifiedReadResponse
        try {
          decoded = decodeVerifiedReadBinary(bytes)
        } catch (err) {
          assert.ok(isVeriotError(err), String(err))
          assert.equal(err.code, 'READ_MALFORMED')
          return
        }
        assert.deepEqual(encodeVerifiedReadBinary(decoded), bytes)
      },
    ),
    { numRuns: 500 },
  )
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      try {
        decodeVerifiedReadBinary(bytes)
      } catch (err) {
        assert.ok(isVeriotError(err), String(err))
        assert.equal(err.code, 'READ_MALFORMED')
        return
      }
      assert.fail('random bytes decoded as an answer')
    }),
    { numRuns: 500 },
  )
})

test('behavior: the node table splits where RLP says, for any RLP item', () => {
  const itemArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    item: fc.oneof(
      { depthSize: 'small' },
      fc.uint8Array({ maxLength: 300 }),
      fc.array(tie('item'), { maxLength: 5 }),
    ),
  })).item
  fc.assert(
    fc.property(itemArb, fc.uint8Array({ maxLength: 3 }), (item, tail) => {
      const encoded = RLP.encode(item as Uint8Array)
      const withTail = new Uint8Array([...encoded, ...tail])
      assert.equal(verifiedReadBinaryNodeLength(withTail, 0), encoded.length)
    }),
    { numRuns: 300 },
  )
})

test('error: RLP headers that are cut short, not canonical or too long are refused', () => {
  const cases: Array<[string, number[]]> = [
    ['empty', []],
    ['string past the end', [0x83, 1, 2]],
    ['list past the end', [0xc3, 0x01]],
    ['long string, length cut', [0xb9, 0x01]],
    ['long list, length cut', [0xf8]],
    ['long form for 5 bytes', [0xb8, 0x05, 1, 2, 3, 4, 5]],
    ['long list form for 3 bytes', [0xf8, 0x03, 1, 2, 3]],
    ['length with a leading zero', [0xb9, 0x00, 0x40, ...new Array(64).fill(1)]],
    ['length of 5 bytes', [0xbc, 1, 0, 0, 0, 0]],
    ['list claiming 4 GiB', [0xfb, 0xff, 0xff, 0xff, 0xff]],
  ]
  for (const [label, bytes] of cases) {
    assert.throws(() => verifiedReadBinaryNodeLength(new Uint8Array(bytes), 0), RangeError, label)
  }
  assert.equal(verifiedReadBinaryNodeLength(new Uint8Array([0x7f]), 0), 1)
  assert.equal(
    verifiedReadBinaryNodeLength(new Uint8Array([0xb8, 56, ...new Array(56).fill(1)]), 0),
    58,
  )
})

/** The valid answer with chainId (key 1, 31337) written as a float64 of the same value. */
function floatChainId(data: Map<number | string, unknown>): Uint8Array {
  const bytes = encode(data, rfc8949EncodeOptions)
  // Keys sort bytewise: the map head, then key 0 (the node table) and its value, then key 1.
  const at = indexOf(bytes, new Uint8Array([0x01, 0x19, 0x7a, 0x69])) + 1
  const float = new Uint8Array(9)
  float[0] = 0xfb
  new DataView(float.buffer).setFloat64(1, 31337)
  return new Uint8Array([...bytes.subarray(0, at), ...float, ...bytes.subarray(at + 3)])
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return i
  }
  throw new Error('needle not found')
}
