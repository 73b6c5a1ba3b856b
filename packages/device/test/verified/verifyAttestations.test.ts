// The attestation digest against viem's ABI encoder, and the quorum rules of verifyAttestations
// with real secp256k1 keys (viem accounts sign the digest raw, as authority nodes do).

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isVeriotError } from '@veriot/core'
import {
  type Address,
  encodeAbiParameters,
  getAddress,
  type Hex,
  keccak256,
  stringToHex,
  toHex,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { ATTESTATION_DOMAIN, attestationDigest, verifyAttestations } from '../../src/index.ts'

const subject = {
  chainId: 31337,
  // Checksummed, as configuration often spells it.
  registry: getAddress('0xa1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1'),
  blockNumber: 1234n,
  blockHash: keccak256('0x01'),
}
const nodes = [0, 1, 2].map(() => privateKeyToAccount(generatePrivateKey()))
const trustedSigners = new Set(nodes.map((n) => n.address.toLowerCase() as Address))

function viemDigest(s: {
  chainId: number | bigint
  registry: Address
  blockNumber: bigint
  blockHash: Hex
}) {
  return keccak256(
    encodeAbiParameters(
      [
        { type: 'bytes32' },
        { type: 'uint256' },
        { type: 'address' },
        { type: 'uint256' },
        { type: 'bytes32' },
      ],
      [ATTESTATION_DOMAIN, BigInt(s.chainId), s.registry, s.blockNumber, s.blockHash],
    ),
  )
}

const sign = async (i: number, s = subject) => ({
  signer: (nodes[i] as (typeof nodes)[0]).address,
  signature: await (nodes[i] as (typeof nodes)[0]).sign({ hash: toHex(attestationDigest(s)) }),
})

test('default: the digest is keccak256(abi.encode(domain, chainId, registry, number, hash))', () => {
  assert.equal(ATTESTATION_DOMAIN, stringToHex('VERIOT/attest-block/v1', { size: 32 }))
  const max = (1n << 256n) - 1n
  const vectors = [
    subject,
    { ...subject, chainId: 0, blockNumber: 0n },
    { ...subject, chainId: max, blockNumber: max, blockHash: `0x${'ff'.repeat(32)}` as Hex },
    { ...subject, registry: '0xffffffffffffffffffffffffffffffffffffffff' as Address },
  ]
  for (const v of vectors) assert.equal(toHex(attestationDigest(v)), viemDigest(v))
})

test('error: the digest refuses values outside their ABI types', () => {
  const bad = [
    { ...subject, chainId: -1 },
    { ...subject, chainId: 1.5 },
    { ...subject, chainId: Number.NaN },
    { ...subject, blockNumber: 1n << 256n },
    { ...subject, blockNumber: -1n },
    { ...subject, registry: '0x1234' as Address },
    { ...subject, blockHash: '0x12' as Hex },
    { ...subject, blockHash: 5 as unknown as Hex },
  ]
  for (const v of bad) {
    assert.throws(
      () => attestationDigest(v),
      (e: unknown) => isVeriotError(e, 'INVALID_ARGUMENT'),
    )
  }
})

test('default: counts distinct trusted signers, in the order first seen, frozen', async () => {
  const signatures = [await sign(1), await sign(0), await sign(1)]
  const signers = verifyAttestations({ ...subject, signatures, trustedSigners, k: 2 })
  assert.deepEqual(signers, [nodes[1]?.address.toLowerCase(), nodes[0]?.address.toLowerCase()])
  assert.ok(Object.isFrozen(signers))
  // A checksummed or upper-case claimed signer is the same signer.
  const upper = {
    ...(await sign(2)),
    signer: (nodes[2]?.address.toUpperCase().replace('0X', '0x') ?? '') as Address,
  }
  assert.equal(
    verifyAttestations({ ...subject, signatures: [upper], trustedSigners, k: 1 }).length,
    1,
  )
})

test('error: fewer than k distinct trusted signers', async () => {
  const stranger = privateKeyToAccount(generatePrivateKey())
  const strangerSig = {
    signer: stranger.address,
    signature: await stranger.sign({ hash: toHex(attestationDigest(subject)) }),
  }
  const cases: [string, { signer: Address; signature: Hex }[]][] = [
    ['the same signer three times', [await sign(0), await sign(0), await sign(0)]],
    ['an untrusted signer', [await sign(0), strangerSig]],
    ['over another block', [await sign(0), await sign(1, { ...subject, blockNumber: 1235n })]],
    [
      'a claimed signer that did not sign',
      [await sign(0), { ...(await sign(1)), signer: nodes[2]?.address as Address }],
    ],
    ['garbage', [await sign(0), { signer: nodes[1]?.address as Address, signature: '0xzz' }]],
  ]
  for (const [name, signatures] of cases) {
    assert.throws(
      () => verifyAttestations({ ...subject, signatures, trustedSigners, k: 2 }),
      (e: unknown) => {
        assert.ok(isVeriotError(e, 'ATTESTATION_QUORUM_MISSING'), `${name}: ${String(e)}`)
        assert.equal(e.context.counted, 1, name)
        assert.equal(e.context.k, 2, name)
        return true
      },
    )
  }
  for (const signatures of [null, 'x', [null, 1, {}, { signer: 5 }]]) {
    assert.throws(
      () =>
        verifyAttestations({ ...subject, signatures: signatures as never, trustedSigners, k: 1 }),
      (e: unknown) => isVeriotError(e, 'ATTESTATION_QUORUM_MISSING'),
    )
  }
})

test('error: k and the trusted set are checked, never taken from signatures', async () => {
  const signatures = [await sign(0), await sign(1), await sign(2)]
  for (const k of [0, -1, 4, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => verifyAttestations({ ...subject, signatures, trustedSigners, k }),
      (e: unknown) => isVeriotError(e, 'INVALID_ARGUMENT'),
      `k = ${k}`,
    )
  }
  const checksummed = new Set(nodes.map((n) => n.address))
  assert.throws(
    () => verifyAttestations({ ...subject, signatures, trustedSigners: checksummed, k: 1 }),
    (e: unknown) => isVeriotError(e, 'INVALID_ARGUMENT'),
  )
  assert.throws(
    () =>
      verifyAttestations({
        ...subject,
        signatures,
        trustedSigners: [...trustedSigners] as never,
        k: 1,
      }),
    (e: unknown) => isVeriotError(e, 'INVALID_ARGUMENT'),
  )
})
