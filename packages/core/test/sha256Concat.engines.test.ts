// The Merkle tree's SHA-256 on its two engines, node:crypto and noble: equal on random inputs
// (around the scratch-buffer size included), plain Uint8Array results, and the fallback to
// noble where node:crypto is absent or fails the self-test, with the same leaf, node and roots.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import { merkleLeafHash, merkleNodeHash, merkleRoot } from '../src/index.ts'
import {
  getSha256Engine,
  type Sha256Engine,
  sha256Concat,
  sha256ConcatWith,
} from '../src/merkle/sha256Concat.ts'

const ENGINES: readonly Sha256Engine[] = ['node-crypto', 'noble']
const SCRATCH_BYTES = 16 * 1024 + 1

test('default: under Node, the tree hashes with node:crypto', () => {
  assert.equal(getSha256Engine(), 'node-crypto')
})

test('property: both engines give SHA-256 of the concatenation, as plain Uint8Arrays', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }), (parts) => {
      const expected = bytesToHex(sha256(concatBytes(...parts)))
      for (const engine of ENGINES) {
        const digest = sha256ConcatWith(engine, parts)
        assert.equal(Object.getPrototypeOf(digest), Uint8Array.prototype, engine)
        assert.equal(bytesToHex(digest), expected, engine)
      }
    }),
    { numRuns: 1000 },
  )
})

test('property: the engines agree around the scratch-buffer size, in any order of calls', () => {
  // One part near the limit and a small one, so that inputs fall on both sides of it; a long
  // input between two short ones must leave nothing behind for the next.
  fc.assert(
    fc.property(
      fc.integer({ min: SCRATCH_BYTES - 3, max: SCRATCH_BYTES + 3 }),
      fc.nat(255),
      fc.uint8Array({ maxLength: 3 }),
      (length, fill, tail) => {
        const parts = [new Uint8Array(length - tail.length).fill(fill), tail]
        const expected = bytesToHex(sha256(concatBytes(...parts)))
        assert.equal(bytesToHex(sha256ConcatWith('node-crypto', parts)), expected)
        assert.equal(bytesToHex(sha256ConcatWith('node-crypto', [tail])), bytesToHex(sha256(tail)))
        assert.equal(bytesToHex(sha256ConcatWith('noble', parts)), expected)
      },
    ),
    { numRuns: 50 },
  )
})

test('behavior: the leaf, node and empty-tree hashes are the RFC 6962 ones on node:crypto', () => {
  const leaf = Uint8Array.of(1, 2, 3)
  assert.deepEqual(merkleLeafHash(leaf), sha256(Uint8Array.of(0x00, 1, 2, 3)))
  const [left, right] = [sha256(leaf), sha256(Uint8Array.of(4))]
  assert.deepEqual(
    merkleNodeHash(left, right),
    sha256(concatBytes(Uint8Array.of(0x01), left, right)),
  )
  assert.deepEqual(merkleRoot([]), sha256(new Uint8Array(0)))
  assert.deepEqual(sha256Concat([]), sha256(new Uint8Array(0)))
})

// A child process, so that node:crypto can be hidden, lack hash() or be broken before the module
// loads. It prints the engine and the hashes of a small tree.
const CHILD = `
const [mode, moduleUrl] = process.argv.slice(1)
const real = process.getBuiltinModule
if (mode === 'absent') delete process.getBuiltinModule
else if (mode === 'no-hash') process.getBuiltinModule = (id) =>
  id === 'node:crypto' ? { ...real(id), hash: undefined } : real(id)
else process.getBuiltinModule = (id) =>
  id === 'node:crypto' ? { ...real(id), hash: (a, d) => real(id).hash(a, Buffer.concat([d, Buffer.of(0)]), 'buffer') } : real(id)
const { merkleLeafHash, merkleNodeHash, merkleRoot } = await import(moduleUrl)
const { getSha256Engine } = await import(new URL('merkle/sha256Concat.ts', moduleUrl).href)
const hex = (b) => Buffer.from(b).toString('hex')
const leaves = [1, 2, 3, 4, 5].map((i) => merkleLeafHash(Uint8Array.of(i)))
console.log(JSON.stringify({
  engine: getSha256Engine(),
  leaf: hex(leaves[0]),
  node: hex(merkleNodeHash(leaves[0], leaves[1])),
  root: hex(merkleRoot(leaves)),
  empty: hex(merkleRoot([])),
}))
`
const expectedTree = (() => {
  const leaves = [1, 2, 3, 4, 5].map((i) => sha256(Uint8Array.of(0x00, i)))
  const node = (l: Uint8Array, r: Uint8Array) => sha256(concatBytes(Uint8Array.of(0x01), l, r))
  const [a, b, c, d, e] = leaves as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array]
  return {
    leaf: bytesToHex(a),
    node: bytesToHex(node(a, b)),
    root: bytesToHex(node(node(node(a, b), node(c, d)), e)),
    empty: bytesToHex(sha256(new Uint8Array(0))),
  }
})()
for (const [mode, engine, why] of [
  ['absent', 'noble', 'without node:crypto, the tree falls back to noble'],
  ['broken', 'noble', 'with a node:crypto whose hash() is wrong (fails the self-test), noble'],
  ['no-hash', 'node-crypto', 'with a node:crypto without hash(), createHash() is used'],
] as const) {
  test(`behavior: ${why}, with the same hashes`, () => {
    const moduleUrl = new URL('../src/index.ts', import.meta.url).href
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', CHILD, mode, moduleUrl],
      { encoding: 'utf8' },
    )
    assert.equal(child.status, 0, child.stderr)
    assert.deepEqual(JSON.parse(child.stdout), { engine, ...expectedTree })
  })
}
