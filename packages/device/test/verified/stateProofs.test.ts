// Account and storage proofs on tries built here with @ethereumjs/mpt, so leaves a real chain
// never writes (non-canonical words, malformed accounts) can be proven and must be refused.
// Proofs from a live chain are in verifyVerifiedRead.test.ts.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createMerkleProof, createMPT } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { isVeriotError } from '@veriot/core'
import { verifyAccountProof, verifyStorageProof } from '../../src/index.ts'
import type { Hex } from '../../src/telemetry/TelemetryDevice.ts'

const hex = (b: Uint8Array): Hex => `0x${bytesToHex(b)}`
const EMPTY_TRIE_ROOT = hex(keccak_256(RLP.encode(new Uint8Array(0))))
const slotOf = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`
const ADDRESS: Hex = '0x5fbdb2315678afecb367f032d93f642f64180aa3'

/** A trie holding `entries` (key → RLP value) under keccak256(key), with proofs for `prove`. */
async function trieWith(entries: [Hex, Uint8Array][], prove: Hex) {
  const trie = await createMPT({ useKeyHashing: false })
  for (const [key, value] of entries) await trie.put(keccak_256(hexToBytes(key.slice(2))), value)
  const proof = await createMerkleProof(trie, keccak_256(hexToBytes(prove.slice(2))))
  return { root: hex(trie.root()), proof: proof.map(hex) }
}

const filler: [Hex, Uint8Array][] = Array.from({ length: 20 }, (_, i) => [
  slotOf(100 + i),
  RLP.encode(Uint8Array.of(i + 1)),
])

async function rejects(promise: Promise<unknown>, which: 'account' | 'storage', name: string) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isVeriotError(err, 'STATE_PROOF_INVALID'), `${name}: ${String(err)}`)
    assert.equal(err.context.proof, which, name)
    return true
  })
}

test('default: storage words are proven, and an absent slot reads 0', async () => {
  const max = new Uint8Array(32).fill(0xff)
  const entries: [Hex, Uint8Array][] = [
    ...filler,
    [slotOf(1), RLP.encode(Uint8Array.of(1))],
    [slotOf(2), RLP.encode(max)],
  ]
  for (const [slot, expected] of [
    [slotOf(1), 1n],
    [slotOf(2), (1n << 256n) - 1n],
    [slotOf(3), 0n],
  ] as const) {
    const { root, proof } = await trieWith(entries, slot)
    assert.equal(await verifyStorageProof(root, slot, proof), expected, slot)
  }
  // An account without storage: the empty trie, proven by no nodes at all.
  assert.equal(await verifyStorageProof(EMPTY_TRIE_ROOT, slotOf(1), []), 0n)
})

test('behavior: a zeroed slot kept as an empty leaf (as anvil does) proves 0', async () => {
  const { root, proof } = await trieWith(
    [...filler, [slotOf(1), RLP.encode(new Uint8Array(0))]],
    slotOf(1),
  )
  assert.equal(await verifyStorageProof(root, slotOf(1), proof), 0n)
})

test('error: storage leaves that are not canonical words', async () => {
  const leaves: [string, Uint8Array][] = [
    ['a leading zero', RLP.encode(Uint8Array.of(0, 1))],
    ['33 bytes', RLP.encode(new Uint8Array(33).fill(1))],
    ['a list', RLP.encode([Uint8Array.of(1)])],
    ['not RLP', Uint8Array.of(0x85, 1)],
  ]
  for (const [name, leaf] of leaves) {
    const { root, proof } = await trieWith([...filler, [slotOf(1), leaf]], slotOf(1))
    await rejects(verifyStorageProof(root, slotOf(1), proof), 'storage', name)
  }
})

test('error: storage proofs that do not lead to the root', async () => {
  const { root, proof } = await trieWith([...filler, [slotOf(1), RLP.encode(7)]], slotOf(1))
  const other = await trieWith([[slotOf(1), RLP.encode(8)]], slotOf(1))
  const cases: [string, Promise<bigint>][] = [
    ['another root', verifyStorageProof(other.root, slotOf(1), proof)],
    ['a proof from another trie', verifyStorageProof(root, slotOf(1), other.proof)],
    ['no nodes', verifyStorageProof(root, slotOf(1), [])],
    ['a node left out', verifyStorageProof(root, slotOf(1), proof.slice(0, 1))],
    // The walk would ignore the padding; the size bound refuses it before any hashing.
    [
      '65 nodes',
      verifyStorageProof(root, slotOf(1), [...proof, ...Array(65 - proof.length).fill('0xc0')]),
    ],
    ['a short root', verifyStorageProof('0x12' as Hex, slotOf(1), proof)],
    ['a short slot', verifyStorageProof(root, '0x01' as Hex, proof)],
    ['odd hex node', verifyStorageProof(root, slotOf(1), [`${proof[0]}0` as Hex])],
    ['a proof that is not an array', verifyStorageProof(root, slotOf(1), 'x' as never)],
  ]
  for (const [name, promise] of cases) await rejects(promise, 'storage', name)
})

test('default: an account is proven, and an absent one is a proof of absence', async () => {
  const storageRoot = keccak_256(Uint8Array.of(1))
  const codeHash = keccak_256(Uint8Array.of(2))
  const account = RLP.encode([1, 10n ** 18n, storageRoot, codeHash])
  const others: [Hex, Uint8Array][] = filler.map(([k]) => [
    `0x${k.slice(26)}` as Hex,
    RLP.encode([0, 1, storageRoot, codeHash]),
  ])
  const { root, proof } = await trieWith([...others, [ADDRESS, account]], ADDRESS)
  const proven = await verifyAccountProof(root, ADDRESS, proof)
  assert.deepEqual(proven, {
    exists: true,
    nonce: 1n,
    balance: 10n ** 18n,
    storageRoot: hex(storageRoot),
    codeHash: hex(codeHash),
  })
  assert.ok(Object.isFrozen(proven))
  const absent = '0x00000000000000000000000000000000000000aa' as Hex
  const absence = await trieWith([...others, [ADDRESS, account]], absent)
  assert.deepEqual(await verifyAccountProof(absence.root, absent, absence.proof), { exists: false })
  assert.deepEqual(await verifyAccountProof(EMPTY_TRIE_ROOT, ADDRESS, []), { exists: false })
})

test('error: account leaves that are not [nonce, balance, storageRoot, codeHash]', async () => {
  const h = new Uint8Array(32).fill(3)
  const leaves: [string, Uint8Array][] = [
    ['3 fields', RLP.encode([1, 2, h])],
    ['5 fields', RLP.encode([1, 2, h, h, h])],
    ['a nonce with a leading zero', RLP.encode([Uint8Array.of(0, 1), 2, h, h])],
    ['a 9-byte nonce', RLP.encode([new Uint8Array(9).fill(1), 2, h, h])],
    ['a 33-byte balance', RLP.encode([1, new Uint8Array(33).fill(1), h, h])],
    ['a 31-byte storage root', RLP.encode([1, 2, h.subarray(1), h])],
    ['a nested code hash', RLP.encode([1, 2, h, [h]])],
    ['a byte string', RLP.encode(h)],
  ]
  for (const [name, leaf] of leaves) {
    const { root, proof } = await trieWith([[ADDRESS, leaf]], ADDRESS)
    await rejects(verifyAccountProof(root, ADDRESS, proof), 'account', name)
  }
  await rejects(
    verifyAccountProof(EMPTY_TRIE_ROOT, '0x12' as Hex, []),
    'account',
    'a short address',
  )
})

test('behavior: the empty trie proves every key absent, with no nodes or the empty node', async () => {
  assert.equal(await verifyStorageProof(EMPTY_TRIE_ROOT, slotOf(9), ['0x80']), 0n)
  assert.deepEqual(await verifyAccountProof(EMPTY_TRIE_ROOT, ADDRESS, ['0x80']), { exists: false })
  const { proof } = await trieWith(filler, slotOf(100))
  await rejects(verifyStorageProof(EMPTY_TRIE_ROOT, slotOf(100), proof), 'storage', 'extra nodes')
  await rejects(verifyStorageProof(EMPTY_TRIE_ROOT, slotOf(1), ['0x80', '0x80']), 'storage', 'two')
})
