// One BLS12-381 aggregate for k authorities: real noble-curves keys sign the attestation digest
// with the IETF PoP-scheme tag; every valid aggregate has tampered twins, and every way a signer
// list can be wrong is refused with its own code.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { isVeriotError } from '@veriot/core'
import { type Address, bytesToHex, getAddress, type Hex, hexToBytes, keccak256 } from 'viem'
import {
  attestationDigest,
  BLS_ATTESTATION_DST,
  parseVerifiedReadResponse,
  verifyAggregateAttestation,
} from '../../src/index.ts'

const L = bls12_381.longSignatures
const subject = {
  chainId: 31337,
  registry: getAddress('0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1'),
  blockNumber: 1234n,
  blockHash: keccak256('0x01'),
}
// Four authorities with fixed keys; the fourth has no BLS key registered.
const nodes = [1, 2, 3, 4].map((i) => {
  const secretKey = hexToBytes(keccak256(`0x0${i}`))
  secretKey[0] = 0 // below the group order
  return {
    signer: `0x${String(i).repeat(40)}` as Address,
    secretKey,
    publicKey: bytesToHex(L.getPublicKey(secretKey).toBytes(false)),
  }
})
const trustedSigners = new Set(nodes.map((n) => n.signer))
const trustedBlsKeys = new Map(nodes.slice(0, 3).map((n) => [n.signer, n.publicKey as Hex]))

type Subject = typeof subject
const signOne = (i: number, s: Subject = subject) =>
  L.sign(
    L.hash(attestationDigest(s), BLS_ATTESTATION_DST),
    (nodes[i] as (typeof nodes)[0]).secretKey,
  )
const aggregateOf = (signerIdx: number[], s: Subject = subject): Hex =>
  bytesToHex(L.aggregateSignatures(signerIdx.map((i) => signOne(i, s))).toBytes(false))
const signersOf = (idx: number[]) => idx.map((i) => (nodes[i] as (typeof nodes)[0]).signer)

const verify = (aggregate: { signers: readonly Address[]; signature: Hex }, k = 2, extra = {}) =>
  verifyAggregateAttestation({
    ...subject,
    aggregate,
    trustedSigners,
    trustedBlsKeys,
    k,
    ...extra,
  })

const rejects = (name: string, code: string, run: () => unknown) =>
  assert.throws(run, (e: unknown) => {
    assert.ok(isVeriotError(e), `${name}: ${String(e)}`)
    assert.equal(e.code, code, `${name}: ${e.message}`)
    return true
  })

test('default: an aggregate of 3 trusted signers verifies and names them, frozen', () => {
  const signature = aggregateOf([0, 1, 2])
  const signers = verify({ signers: signersOf([0, 1, 2]), signature }, 3)
  assert.deepEqual(signers, signersOf([0, 1, 2]))
  assert.ok(Object.isFrozen(signers))
  // The order of the list does not matter, nor the case of the addresses.
  const shuffled = signersOf([2, 0, 1]).map((s) => getAddress(s))
  assert.equal(verify({ signers: shuffled, signature }, 2).length, 3)
  // k signers of a larger trusted set are enough.
  assert.equal(verify({ signers: signersOf([1, 2]), signature: aggregateOf([1, 2]) }).length, 2)
})

test('error: a tampered aggregate is refused (ATTESTATION_AGGREGATE_INVALID)', () => {
  const signers = signersOf([0, 1, 2])
  const good = aggregateOf([0, 1, 2])
  const bytes = hexToBytes(good)
  const flip = (index: number) => {
    const copy = bytes.slice()
    copy[index] = (copy[index] as number) ^ 1
    return bytesToHex(copy)
  }
  const infinity = new Uint8Array(192)
  infinity[0] = 0x40
  const cases: [string, Hex][] = [
    ['a flipped bit in x', flip(40)],
    ['a flipped bit in y', flip(150)],
    ['all zeros', bytesToHex(new Uint8Array(192))],
    ['the point at infinity', bytesToHex(infinity)],
    ['over another block number', aggregateOf([0, 1, 2], { ...subject, blockNumber: 1235n })],
    [
      'over another block hash',
      aggregateOf([0, 1, 2], { ...subject, blockHash: keccak256('0x02') }),
    ],
    ['for another chain', aggregateOf([0, 1, 2], { ...subject, chainId: 1 })],
    [
      'for another registry',
      aggregateOf([0, 1, 2], { ...subject, registry: getAddress(`0x${'b2'.repeat(20)}`) }),
    ],
    ['one signature only', aggregateOf([0])],
    [
      'compressed (96 bytes)',
      bytesToHex(L.aggregateSignatures([signOne(0), signOne(1), signOne(2)]).toBytes(true)),
    ],
    ['not hex', `0x${'zz'.repeat(192)}` as Hex],
    ['193 bytes', `${good}00` as Hex],
  ]
  for (const [name, signature] of cases) {
    rejects(name, 'ATTESTATION_AGGREGATE_INVALID', () => verify({ signers, signature }, 3))
  }
  // Signed with another DST (the proof-of-possession tag): refused.
  const popTagged = bytesToHex(
    L.aggregateSignatures(
      [0, 1, 2].map((i) =>
        L.sign(
          L.hash(attestationDigest(subject), 'BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_'),
          (nodes[i] as (typeof nodes)[0]).secretKey,
        ),
      ),
    ).toBytes(false),
  )
  rejects('another DST', 'ATTESTATION_AGGREGATE_INVALID', () =>
    verify({ signers, signature: popTagged }, 3),
  )
})

test('error: a wrong signer list is refused (ATTESTATION_AGGREGATE_INVALID)', () => {
  const cases: [string, Address[], Hex][] = [
    ['a signer left out', signersOf([0, 1]), aggregateOf([0, 1, 2])],
    ['another trusted signer in place of one', signersOf([0, 2]), aggregateOf([0, 1])],
    ['a signer named who did not sign', signersOf([0, 1, 2]), aggregateOf([0, 1])],
  ]
  for (const [name, signers, signature] of cases) {
    rejects(name, 'ATTESTATION_AGGREGATE_INVALID', () => verify({ signers, signature }))
  }
})

test('error: a named signer without a trusted BLS key (ATTESTATION_BLS_KEY_MISSING)', () => {
  const signature = aggregateOf([0, 1])
  rejects('trusted, no BLS key', 'ATTESTATION_BLS_KEY_MISSING', () =>
    verify({ signers: signersOf([0, 1, 3]), signature }),
  )
  rejects('not trusted', 'ATTESTATION_BLS_KEY_MISSING', () =>
    verify({ signers: [...signersOf([0, 1]), `0x${'9'.repeat(40)}` as Address], signature }),
  )
  rejects('no keys at all', 'ATTESTATION_BLS_KEY_MISSING', () =>
    verify({ signers: signersOf([0, 1]), signature }, 2, { trustedBlsKeys: new Map() }),
  )
  // A key held for a signer that is no longer trusted does not count.
  const fewer = new Set(signersOf([0, 2]))
  rejects('key kept, signer dropped', 'ATTESTATION_BLS_KEY_MISSING', () =>
    verify({ signers: signersOf([0, 1]), signature }, 2, { trustedSigners: fewer }),
  )
})

test('error: a duplicated signer is refused (ATTESTATION_SIGNER_DUPLICATE)', () => {
  // The signature really is A + A + B, so only the signer rule can refuse it.
  const doubled = bytesToHex(
    L.aggregateSignatures([signOne(0), signOne(0), signOne(1)]).toBytes(false),
  )
  const a = (nodes[0] as (typeof nodes)[0]).signer
  rejects('same case', 'ATTESTATION_SIGNER_DUPLICATE', () =>
    verify({ signers: [a, a, signersOf([1])[0] as Address], signature: doubled }, 3),
  )
  rejects('another case', 'ATTESTATION_SIGNER_DUPLICATE', () =>
    verify({ signers: [a, getAddress(a), signersOf([1])[0] as Address], signature: doubled }, 3),
  )
})

test('error: fewer than k named signers (ATTESTATION_QUORUM_MISSING), before any pairing', () => {
  rejects('k = 3, two named', 'ATTESTATION_QUORUM_MISSING', () =>
    verify({ signers: signersOf([0, 1]), signature: aggregateOf([0, 1]) }, 3),
  )
  rejects('none named', 'ATTESTATION_QUORUM_MISSING', () =>
    verify({ signers: [], signature: aggregateOf([0]) }, 1),
  )
})

test('error: keys that sum to infinity never verify', () => {
  // A colluding pair registering pk and −pk: their sum is infinity, which with the infinity
  // signature would satisfy the pairing equation for every message.
  const pk = L.getPublicKey((nodes[0] as (typeof nodes)[0]).secretKey)
  const x = `0x${'7'.repeat(40)}` as Address
  const y = `0x${'8'.repeat(40)}` as Address
  const keys = new Map<Address, Hex>([
    [x, bytesToHex(pk.toBytes(false))],
    [y, bytesToHex(pk.negate().toBytes(false))],
  ])
  const infinity = new Uint8Array(192)
  infinity[0] = 0x40
  rejects('pk + (−pk)', 'ATTESTATION_AGGREGATE_INVALID', () =>
    verifyAggregateAttestation({
      ...subject,
      aggregate: { signers: [x, y], signature: bytesToHex(infinity) },
      trustedSigners: new Set([x, y]),
      trustedBlsKeys: keys,
      k: 2,
    }),
  )
})

test('error: hostile input never verifies and names a code', () => {
  const signature = aggregateOf([0, 1])
  const hostile: unknown[] = [
    undefined,
    null,
    {},
    { signers: 'x', signature },
    { signers: [null, 1], signature },
    { signers: [Number.NaN], signature },
    { signers: signersOf([0, 1]), signature: 5 },
    { signers: signersOf([0, 1]), signature: -1n },
    { signers: signersOf([0, 1]), signature: '0x' },
    { signers: signersOf([0, 1]) },
    {
      get signers() {
        throw new Error('getter')
      },
      signature,
    },
  ]
  for (const aggregate of hostile) {
    assert.throws(
      () => verify(aggregate as never),
      (e: unknown) =>
        isVeriotError(e) &&
        ['ATTESTATION_AGGREGATE_INVALID', 'ATTESTATION_QUORUM_MISSING'].includes(e.code),
      String(aggregate),
    )
  }
})

test('error: the policy is checked (INVALID_ARGUMENT)', () => {
  const aggregate = { signers: signersOf([0, 1]), signature: aggregateOf([0, 1]) }
  for (const k of [0, -1, 5, 1.5, Number.NaN]) {
    rejects(`k = ${k}`, 'INVALID_ARGUMENT', () => verify(aggregate, k))
  }
  rejects('keys not a Map', 'INVALID_ARGUMENT', () =>
    verify(aggregate, 2, { trustedBlsKeys: Object.fromEntries(trustedBlsKeys) }),
  )
  const broken = new Map(trustedBlsKeys)
  broken.set(nodes[0]?.signer as Address, `0x${'00'.repeat(96)}`)
  rejects('a trusted key that is not a G1 point', 'INVALID_ARGUMENT', () =>
    verify(aggregate, 2, { trustedBlsKeys: broken }),
  )
})

test('error: a response carrying both signatures and an aggregate is malformed', () => {
  const base = {
    chainId: 31337,
    registry: subject.registry,
    block: { number: '1234', hash: subject.blockHash, header: '0x00' },
    account: { address: subject.registry, proof: [] },
    storage: [],
    signatures: [],
    aggregate: { signers: signersOf([0, 1]), signature: aggregateOf([0, 1]) },
  }
  assert.ok(parseVerifiedReadResponse(base).aggregate)
  const both = {
    ...base,
    signatures: [{ signer: nodes[0]?.signer, signature: `0x${'11'.repeat(65)}` }],
  }
  assert.throws(
    () => parseVerifiedReadResponse(both),
    (e: unknown) => isVeriotError(e, 'READ_MALFORMED'),
  )
  for (const aggregate of [
    { signers: signersOf([0]), signature: '0x1234' },
    { signers: signersOf([0]), signature: aggregateOf([0]), extra: 1 },
    { signers: Array(65).fill(nodes[0]?.signer), signature: aggregateOf([0]) },
    { signers: ['0x12'], signature: aggregateOf([0]) },
  ]) {
    assert.throws(
      () => parseVerifiedReadResponse({ ...base, aggregate }),
      (e: unknown) => isVeriotError(e, 'READ_MALFORMED'),
    )
  }
})
