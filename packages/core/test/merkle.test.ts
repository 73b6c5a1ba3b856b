// RFC 6962 Merkle trees: reference roots, one test per rejection reason, and fast-check
// properties (every built proof verifies; a flipped bit anywhere makes it fail).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import {
  isMerkleInclusionValid,
  isVeriotError,
  type MerkleInclusion,
  merkleInclusionProof,
  merkleLeafHash,
  merkleNodeHash,
  merkleRoot,
  verifyMerkleInclusion,
} from '../src/index.ts'

// The RFC 6962 reference tree (certificate-transparency's merkle_tree_test) and its roots for
// 1 to 8 leaves, as published with it.
const REFERENCE_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((hex) => merkleLeafHash(Uint8Array.from(Buffer.from(hex, 'hex'))))
const REFERENCE_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
]

/** n distinct leaf hashes (distinct leaves keep equal subtrees, which would hide a bug, out). */
function leavesOf(seed: number, n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) =>
    merkleLeafHash(new TextEncoder().encode(`${seed}/${i}`)),
  )
}

/** MTH straight from RFC 6962 §2.1, recursively, as an independent reference. */
function referenceRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256(new Uint8Array(0))
  if (leaves.length === 1) return leaves[0] as Uint8Array
  let k = 1
  while (k * 2 < leaves.length) k *= 2
  return merkleNodeHash(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)))
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice()
  const i = (bit >> 3) % copy.length
  copy[i] = (copy[i] as number) ^ (1 << (bit & 7))
  return copy
}

/** Bit length of a XOR b, in bigint: JavaScript's ^ on numbers cuts to 32 bits. */
function xorBitLength(a: number, b: number): number {
  const x = BigInt(a) ^ BigInt(b)
  return x === 0n ? 0 : x.toString(2).length
}

function proofFor(leaves: Uint8Array[], index: number): MerkleInclusion {
  return {
    leafHash: leaves[index] as Uint8Array,
    index,
    treeSize: leaves.length,
    proof: merkleInclusionProof(leaves, index),
    root: merkleRoot(leaves),
  }
}

function rejects(inclusion: MerkleInclusion, reason: RegExp): void {
  assert.throws(
    () => verifyMerkleInclusion(inclusion),
    (err: unknown) => isVeriotError(err, 'MERKLE_PROOF_INVALID') && reason.test(err.message),
  )
  assert.equal(isMerkleInclusionValid(inclusion), false)
}

test('default: reference roots for 1 to 8 leaves, and every proof in them verifies', () => {
  for (let n = 1; n <= REFERENCE_LEAVES.length; n++) {
    const leaves = REFERENCE_LEAVES.slice(0, n)
    assert.equal(bytesToHex(merkleRoot(leaves)), REFERENCE_ROOTS[n - 1], `${n} leaves`)
    for (let i = 0; i < n; i++) verifyMerkleInclusion(proofFor(leaves, i))
  }
})

test('behavior: the empty tree has the root SHA-256("")', () => {
  assert.equal(
    bytesToHex(merkleRoot([])),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  )
})

test('behavior: leaf and node hashes carry the 0x00 and 0x01 prefixes', () => {
  const a = new Uint8Array(32).fill(1)
  const b = new Uint8Array(32).fill(2)
  assert.deepEqual(merkleLeafHash(a), sha256(Uint8Array.of(0, ...a)))
  assert.deepEqual(merkleNodeHash(a, b), sha256(Uint8Array.of(1, ...a, ...b)))
  assert.deepEqual(merkleRoot([a, b]), merkleNodeHash(a, b))
})

test('behavior: a tree of one leaf has the leaf as root and an empty proof', () => {
  const [leaf] = leavesOf(1, 1) as [Uint8Array]
  assert.deepEqual(merkleRoot([leaf]), leaf)
  assert.deepEqual(merkleInclusionProof([leaf], 0), [])
  verifyMerkleInclusion({ leafHash: leaf, index: 0, treeSize: 1, proof: [], root: leaf })
})

const leaves = leavesOf(7, 7)
const valid = proofFor(leaves, 5)
const hash = new Uint8Array(32)

test('error: index ≥ treeSize', () => {
  rejects({ ...valid, index: 7 }, /"index" expected < treeSize 7, got 7/)
  rejects({ ...valid, treeSize: 0, index: 0 }, /"index" expected < treeSize 0/)
})

test('error: a proof of the wrong length, one hash too many or too few', () => {
  rejects(
    { ...valid, proof: [...valid.proof, hash] },
    /"proof" expected 3 hashes for index 5 in a tree of 7, got 4/,
  )
  rejects({ ...valid, proof: valid.proof.slice(1) }, /"proof" expected 3 hashes .* got 2/)
})

test('error: a proof that leads to another root', () => {
  rejects({ ...valid, root: flipBit(valid.root, 0) }, /"root" expected the root the proof leads to/)
  rejects({ ...valid, leafHash: leaves[4] as Uint8Array }, /"root" expected/)
})

const malformed: [string, Partial<Record<keyof MerkleInclusion, unknown>>, RegExp][] = [
  [
    'leafHash of 31 bytes',
    { leafHash: hash.subarray(1) },
    /"leafHash" expected 32 bytes, got 31 bytes/,
  ],
  ['root of 33 bytes', { root: new Uint8Array(33) }, /"root" expected 32 bytes, got 33 bytes/],
  [
    'proof element empty',
    { proof: [hash, new Uint8Array(0), hash] },
    /"proof\[1\]" expected 32 bytes, got 0 bytes/,
  ],
  ['proof not an array', { proof: 'abc' }, /"proof" expected an array/],
  ['index -1', { index: -1 }, /"index" expected an integer/],
  ['index 1.5', { index: 1.5 }, /"index" expected an integer/],
  ['index NaN', { index: Number.NaN }, /"index" expected an integer/],
  ['index 2^53', { index: 2 ** 53 }, /"index" expected an integer/],
  ['index as bigint', { index: 5n }, /"index" expected an integer/],
  ['treeSize Infinity', { treeSize: Number.POSITIVE_INFINITY }, /"treeSize" expected an integer/],
  [
    'leafHash a hex string',
    { leafHash: bytesToHex(hash) },
    /"leafHash" expected 32 bytes, got string/,
  ],
]
for (const [name, change, reason] of malformed) {
  test(`error: ${name}`, () => {
    rejects({ ...valid, ...change } as MerkleInclusion, reason)
  })
}

test('error: not an object', () => {
  rejects(null as unknown as MerkleInclusion, /"inclusion" expected an object/)
})

test('error: builders refuse bad leaf hashes and indexes with INVALID_ARGUMENT', () => {
  const invalidArgument = (err: unknown) => isVeriotError(err, 'INVALID_ARGUMENT')
  assert.throws(() => merkleRoot([hash, hash.subarray(1)]), invalidArgument)
  assert.throws(() => merkleRoot('x' as unknown as Uint8Array[]), invalidArgument)
  assert.throws(() => merkleInclusionProof(leaves, 7), invalidArgument)
  assert.throws(() => merkleInclusionProof(leaves, -1), invalidArgument)
  assert.throws(() => merkleInclusionProof([], 0), invalidArgument)
})

const tree = fc
  .record({ seed: fc.nat(), size: fc.integer({ min: 1, max: 80 }) })
  .chain(({ seed, size }) =>
    fc.record({ leaves: fc.constant(leavesOf(seed, size)), index: fc.nat(size - 1) }),
  )

test('property: merkleRoot equals the recursive RFC 6962 definition', () => {
  fc.assert(
    fc.property(fc.nat(), fc.integer({ min: 0, max: 130 }), (seed, size) => {
      const leaves = leavesOf(seed, size)
      assert.equal(bytesToHex(merkleRoot(leaves)), bytesToHex(referenceRoot(leaves)))
    }),
    { numRuns: 100 },
  )
})

test('property: every proof from merkleInclusionProof verifies against merkleRoot', () => {
  fc.assert(
    fc.property(tree, ({ leaves, index }) => {
      verifyMerkleInclusion(proofFor(leaves, index))
    }),
    { numRuns: 200 },
  )
})

test('property: flipping any bit of any proof hash, the leaf hash or the root fails', () => {
  fc.assert(
    fc.property(tree, fc.nat(), fc.nat(255), ({ leaves, index }, pick, bit) => {
      const inclusion = proofFor(leaves, index)
      const { proof } = inclusion
      const target = pick % (proof.length + 2)
      const changed =
        target < proof.length
          ? { ...inclusion, proof: proof.map((h, i) => (i === target ? flipBit(h, bit) : h)) }
          : target === proof.length
            ? { ...inclusion, root: flipBit(inclusion.root, bit) }
            : { ...inclusion, leafHash: flipBit(inclusion.leafHash, bit) }
      assert.equal(isMerkleInclusionValid(changed), false)
    }),
    { numRuns: 300 },
  )
})

test('property: flipping any bit of the index fails', () => {
  fc.assert(
    fc.property(tree, fc.nat(52), ({ leaves, index }, bit) => {
      const changed = {
        ...proofFor(leaves, index),
        index: Number(BigInt(index) ^ (1n << BigInt(bit))),
      }
      assert.equal(isMerkleInclusionValid(changed), false)
    }),
    { numRuns: 300 },
  )
})

// A proof does not bind the tree size by itself: the size only decides where the leaf's path
// meets the right border (the bit length of index XOR (size − 1)). A flipped size that keeps that
// point verifies the same proof; every other one must fail. Hence the rule that the size come
// from the same trusted record as the root (verifyMerkleInclusion's JSDoc).
test('property: a flipped tree size verifies exactly when it keeps the path shape', () => {
  fc.assert(
    fc.property(tree, fc.nat(52), ({ leaves, index }, bit) => {
      const inclusion = proofFor(leaves, index)
      const size = Number(BigInt(inclusion.treeSize) ^ (1n << BigInt(bit)))
      const sameShape =
        index < size &&
        xorBitLength(index, size - 1) === xorBitLength(index, inclusion.treeSize - 1)
      assert.equal(isMerkleInclusionValid({ ...inclusion, treeSize: size }), sameShape)
    }),
    { numRuns: 300 },
  )
})

test('behavior: the size ambiguity is real (leaf 0 of 3 leaves passes as leaf 0 of 4)', () => {
  const three = proofFor(leavesOf(3, 3), 0)
  verifyMerkleInclusion({ ...three, treeSize: 4 })
})
