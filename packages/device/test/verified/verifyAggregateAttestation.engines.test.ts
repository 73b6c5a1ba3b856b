// Both BLS engines (blst through @chainsafe/blst, and noble) are held to one rule: on valid and
// tampered aggregates, points off the subgroup, infinity and random cases they give the same
// answer, or refuse with the same code.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { numberToBytesBE } from '@noble/curves/utils.js'
import { isVeriotError } from '@veriot/core'
import fc from 'fast-check'
import {
  type Address,
  bytesToHex,
  concatHex,
  getAddress,
  type Hex,
  hexToBytes,
  keccak256,
} from 'viem'
import {
  attestationDigest,
  BLS_ATTESTATION_DST,
  type BlsEngine,
  getBlsEngine,
  type VerifyAggregateAttestationParameters,
  verifyAggregateAttestationWith,
} from '../../src/index.ts'

const L = bls12_381.longSignatures
const { Fp, Fp2 } = bls12_381.fields
const subject = {
  chainId: 31337,
  registry: getAddress('0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1'),
  blockNumber: 99n,
  blockHash: keccak256('0x99'),
}
type Subject = typeof subject
const nodes = [1, 2, 3, 4, 5].map((i) => {
  const secretKey = hexToBytes(keccak256(`0x1${i}`))
  secretKey[0] = 0
  return {
    signer: `0x${String(i).repeat(40)}` as Address,
    secretKey,
    publicKey: bytesToHex(L.getPublicKey(secretKey).toBytes(false)),
  }
})
const node = (i: number) => nodes[i] as (typeof nodes)[number]
const trustedSigners = new Set(nodes.map((n) => n.signer))
const trustedBlsKeys = new Map(nodes.map((n) => [n.signer, n.publicKey as Hex]))
const signOne = (i: number, s: Subject = subject) =>
  L.sign(L.hash(attestationDigest(s), BLS_ATTESTATION_DST), node(i).secretKey)
const aggregateOf = (idx: number[], s: Subject = subject): Hex =>
  bytesToHex(L.aggregateSignatures(idx.map((i) => signOne(i, s))).toBytes(false))
const signersOf = (idx: number[]) => idx.map((i) => node(i).signer)

/** 'ok' or the error code, per engine; anything but a VeriotError fails the test. */
function outcome(engine: BlsEngine, p: VerifyAggregateAttestationParameters): string {
  try {
    verifyAggregateAttestationWith(engine, p)
    return 'ok'
  } catch (e) {
    assert.ok(isVeriotError(e), `${engine}: ${String(e)}`)
    return e.code
  }
}
function agree(p: VerifyAggregateAttestationParameters, expected?: string): string {
  const blst = outcome('blst', p)
  const noble = outcome('noble', p)
  assert.equal(blst, noble, 'blst and noble disagree')
  if (expected !== undefined) assert.equal(blst, expected)
  return blst
}
const params = (
  signers: readonly Address[],
  signature: Hex,
  extra: Partial<VerifyAggregateAttestationParameters> = {},
): VerifyAggregateAttestationParameters => ({
  ...subject,
  aggregate: { signers, signature },
  trustedSigners,
  trustedBlsKeys,
  k: 1,
  ...extra,
})

/** A point on the curve but outside the prime-order subgroup, uncompressed (ZCash order). */
function offSubgroupG2(): Hex {
  for (let n = 1n; ; n++) {
    const x = Fp2.create({ c0: n, c1: 1n })
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), Fp2.create({ c0: 4n, c1: 4n }))
    try {
      const y = Fp2.sqrt(rhs)
      const w = (v: bigint) => numberToBytesBE(v, 48)
      return bytesToHex(new Uint8Array([...w(x.c1), ...w(x.c0), ...w(y.c1), ...w(y.c0)]))
    } catch {
      // not a square: next x
    }
  }
}
function offSubgroupG1(): Hex {
  for (let x = 1n; ; x++) {
    try {
      const y = Fp.sqrt(Fp.add(Fp.mul(Fp.sqr(x), x), 4n))
      return concatHex([bytesToHex(numberToBytesBE(x, 48)), bytesToHex(numberToBytesBE(y, 48))])
    } catch {
      // not a square
    }
  }
}

test('default: blst loads on this platform and is the engine chosen', () => {
  if (process.platform === 'linux' && process.arch === 'x64') assert.equal(getBlsEngine(), 'blst')
  else assert.ok(['blst', 'noble'].includes(getBlsEngine()))
})

test('default: both engines accept valid aggregates of 1 to 5 signers', () => {
  for (let n = 1; n <= 5; n++) {
    const idx = [...Array(n).keys()]
    agree(params(signersOf(idx), aggregateOf(idx), { k: n }), 'ok')
  }
})

test('error: both engines refuse tampered aggregates, off-subgroup points and infinity alike', () => {
  const idx = [0, 1, 2]
  const good = aggregateOf(idx)
  const flip = (hex: Hex, at: number, bit = 1) => {
    const b = hexToBytes(hex)
    b[at] = (b[at] as number) ^ bit
    return bytesToHex(b)
  }
  const infinity = new Uint8Array(192)
  infinity[0] = 0x40
  const cases: [string, Hex][] = [
    ['a flipped bit in x', flip(good, 40)],
    ['a flipped bit in y', flip(good, 150)],
    ['the compression flag set', flip(good, 0, 0x80)],
    ['the sort flag set', flip(good, 0, 0x20)],
    ['the point at infinity', bytesToHex(infinity)],
    ['all zeros', bytesToHex(new Uint8Array(192))],
    ['a point outside the subgroup', offSubgroupG2()],
    ['over another block', aggregateOf(idx, { ...subject, blockNumber: 100n })],
    ['for another chain', aggregateOf(idx, { ...subject, chainId: 1 })],
    ['a signer missing', aggregateOf([0, 1])],
    ['one signature too many', aggregateOf([0, 1, 2, 3])],
  ]
  for (const [name, signature] of cases) {
    assert.equal(agree(params(signersOf(idx), signature)), 'ATTESTATION_AGGREGATE_INVALID', name)
  }
  // A signature that is valid but made with noble's default G2 DST for PoP (another tag).
  const popTag = bytesToHex(
    L.sign(
      L.hash(attestationDigest(subject), 'BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_'),
      node(0).secretKey,
    ).toBytes(false),
  )
  agree(params(signersOf([0]), popTag), 'ATTESTATION_AGGREGATE_INVALID')
})

test('error: both engines refuse bad trusted keys and keys that sum to infinity alike', () => {
  const signature = aggregateOf([0])
  const withKey = (key: Hex) =>
    params(signersOf([0]), signature, {
      trustedBlsKeys: new Map([[node(0).signer, key]]),
    })
  const flagged = hexToBytes(node(0).publicKey as Hex)
  flagged[0] = (flagged[0] as number) | 0x20
  for (const key of [
    offSubgroupG1(),
    bytesToHex(flagged),
    `0x40${'00'.repeat(95)}` as Hex, // infinity
    bytesToHex(L.getPublicKey(node(0).secretKey).toBytes(true)), // compressed
  ]) {
    agree(withKey(key), 'INVALID_ARGUMENT')
  }
  // Two keys that cancel out: their sum is infinity, and infinity verifies nothing.
  const p = bls12_381.G1.Point.fromBytes(hexToBytes(node(0).publicKey as Hex))
  const pair = new Map<Address, Hex>([
    [node(0).signer, node(0).publicKey as Hex],
    [node(1).signer, bytesToHex(p.negate().toBytes(false))],
  ])
  // Against the zero sum, the matching signature is infinity too (refused by its flag first).
  for (const sig of [`0x40${'00'.repeat(191)}` as Hex, signature]) {
    agree(params(signersOf([0, 1]), sig, { trustedBlsKeys: pair }), 'ATTESTATION_AGGREGATE_INVALID')
  }
})

test('behavior: both engines agree on random signer sets, subjects and mutations', () => {
  fc.assert(
    fc.property(
      fc.subarray([0, 1, 2, 3, 4], { minLength: 1 }),
      fc.subarray([0, 1, 2, 3, 4], { minLength: 1 }),
      fc.boolean(),
      fc.option(fc.record({ at: fc.nat({ max: 191 }), xor: fc.integer({ min: 1, max: 255 }) })),
      fc.option(fc.uint8Array({ minLength: 192, maxLength: 192 })),
      (named, signed, sameBlock, mutation, random) => {
        const s = sameBlock ? subject : { ...subject, blockNumber: 98n }
        let sig = hexToBytes(aggregateOf(signed, s))
        if (mutation) sig[mutation.at] = (sig[mutation.at] as number) ^ mutation.xor
        if (random) sig = random
        const expected =
          sameBlock && !mutation && !random && named.join() === signed.join() ? 'ok' : undefined
        const got = agree(params(signersOf(named), bytesToHex(sig)))
        if (expected) assert.equal(got, 'ok')
        else assert.equal(got, 'ATTESTATION_AGGREGATE_INVALID')
      },
    ),
    { numRuns: 25 },
  )
})
