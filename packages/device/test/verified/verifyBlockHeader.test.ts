// verifyBlockHeader on a real Osaka header (an anvil 1.7.1 block, fixtures/) and on strictly
// wrong encodings whose hash is recomputed, so only the decoding rules can reject them.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js'
import { isVeriotError } from '@veriot/core'
import type { Hex } from '../../src/telemetry/TelemetryDevice.ts'
import { verifyBlockHeader } from '../../src/verified/verifyBlockHeader.ts'
import type { RawBlock } from './support/createRegistryFixture.ts'
import { headerFieldsFromRpcBlock, rlpHeaderFromRpcBlock } from './support/rlpHeaderFromRpcBlock.ts'

const block = JSON.parse(
  readFileSync(new URL('./fixtures/anvil-1.7.1-osaka-block.json', import.meta.url), 'utf8'),
) as RawBlock
const rlp = rlpHeaderFromRpcBlock(block)
const fields = headerFieldsFromRpcBlock(block)

const hashOf = (bytes: Uint8Array): Hex => `0x${bytesToHex(keccak_256(bytes))}`

/** An RLP list around already-encoded items, with a chosen length-of-length prefix. */
function rlpList(items: Uint8Array[], extraLengthBytes = 0): Uint8Array {
  const payload = concatBytes(...items)
  let length = payload.length.toString(16)
  if (length.length % 2 === 1) length = `0${length}`
  const lengthBytes = concatBytes(
    new Uint8Array(extraLengthBytes),
    Uint8Array.from(length.match(/../g) as string[], (b) => Number.parseInt(b, 16)),
  )
  return concatBytes(Uint8Array.of(0xf7 + lengthBytes.length), lengthBytes, payload)
}

function rejects(bytes: Uint8Array, expectedHash: Hex, detail: RegExp, name: string) {
  assert.throws(
    () => verifyBlockHeader(bytes, expectedHash),
    (err: unknown) => {
      assert.ok(isVeriotError(err, 'HEADER_INVALID'), `${name}: ${String(err)}`)
      assert.match(err.message, detail, name)
      return true
    },
  )
}

test('default: reads number, hash, parent hash, state root, receipts root and timestamp of an Osaka header', () => {
  assert.equal(fields.length, 21)
  const header = verifyBlockHeader(rlp, block.hash)
  assert.deepEqual(header, {
    number: BigInt(block.number),
    hash: block.hash,
    parentHash: block.parentHash,
    stateRoot: block.stateRoot,
    receiptsRoot: block.receiptsRoot,
    timestamp: BigInt(block.timestamp),
  })
  assert.ok(Object.isFrozen(header))
  // The expected hash may be spelled in upper case; the result is lowercase.
  assert.equal(verifyBlockHeader(rlp, `0x${block.hash.slice(2).toUpperCase()}`).hash, block.hash)
})

test('behavior: a Frontier-length header (15 fields) is accepted', () => {
  const frontier = RLP.encode(fields.slice(0, 15))
  assert.equal(verifyBlockHeader(frontier, hashOf(frontier)).number, BigInt(block.number))
})

test('error: a header that is not the block with that hash', () => {
  rejects(rlp, block.parentHash, /hash to/, 'another hash')
  const flipped = rlp.slice()
  flipped[100] = (flipped[100] as number) ^ 1
  rejects(flipped, block.hash, /hash to/, 'a flipped byte')
  rejects(rlp, '0x1234' as Hex, /expectedHash/, 'a short hash')
  rejects(rlp, `${block.hash.slice(0, -1)}g` as Hex, /expectedHash/, 'a non-hex hash')
  rejects('0xf9' as unknown as Uint8Array, block.hash, /bytes/, 'a string instead of bytes')
})

test('error: strict decoding, even when the bytes hash to the expected value', () => {
  const encoded = fields.map((f) => RLP.encode(f))
  const withField = (index: number, item: Uint8Array) => {
    const items = encoded.slice()
    items[index] = item
    return rlpList(items)
  }
  const cases: [string, Uint8Array, RegExp][] = [
    ['truncated', rlp.subarray(0, rlp.length - 1), /not valid RLP/],
    ['a trailing byte', concatBytes(rlp, Uint8Array.of(0)), /not valid RLP/],
    ['a byte string, not a list', RLP.encode(rlp), /RLP list/],
    ['14 fields', RLP.encode(fields.slice(0, 14)), /15\.\.32 fields, got 14/],
    ['33 fields', RLP.encode([...fields, ...fields.slice(0, 12)]), /got 33/],
    ['a nested list', RLP.encode([...fields.slice(0, 20), [fields[20] as Uint8Array]]), /nested/],
    ['a list length with a leading zero', rlpList(encoded, 1), /not valid RLP/],
    [
      'a single byte < 0x80 with a prefix',
      withField(8, Uint8Array.of(0x81, 0x06)),
      /not valid RLP/,
    ],
    ['a 31-byte state root', withField(3, RLP.encode(new Uint8Array(31).fill(7))), /stateRoot/],
    ['a 33-byte parent hash', withField(0, RLP.encode(new Uint8Array(33).fill(7))), /parentHash/],
    ['a number with a leading zero', withField(8, RLP.encode(Uint8Array.of(0, 6))), /number/],
    ['a 9-byte number', withField(8, RLP.encode(new Uint8Array(9).fill(1))), /number/],
    [
      'a timestamp with a leading zero',
      withField(11, RLP.encode(Uint8Array.of(0, 1, 2))),
      /timestamp/,
    ],
  ]
  assert.equal(rlpList(encoded).length, rlp.length, 'rlpList re-encodes the header as is')
  for (const [name, bytes, detail] of cases) rejects(bytes, hashOf(bytes), detail, name)
  rejects(new Uint8Array(0), hashOf(new Uint8Array(0)), /RLP list/, 'empty')
})
