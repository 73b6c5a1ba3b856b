// Fuzzing the verifying core from real answers: a DeviceRegistry on anvil gives valid responses
// (per-signer and one BLS aggregate); fast-check mutates them (random JSON, wrong types, huge
// arrays, non-hex strings, bytes changed in proofs and headers, truncated headers, another
// chain, another block's parts, duplicated or untrusted signers). A mutated answer is never
// accepted with anything but the true values, and every refusal is a VeriotError whose code
// is one of the documented verified-read codes.

import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { RLP } from '@ethereumjs/rlp'
import { bls12_381 } from '@noble/curves/bls12-381.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { type ErrorCode, ErrorCodes, isVeriotError } from '@veriot/core'
import fc from 'fast-check'
import { type Address, bytesToHex, type Hex, hexToBytes } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import {
  attestationDigest,
  BLS_ATTESTATION_DST,
  deviceRegistrySlots,
  type VerifiedReadPolicy,
  verifyAccountProof,
  verifyAggregateAttestation,
  verifyAttestations,
  verifyBlockHeader,
  verifyStorageProof,
  verifyVerifiedRead,
} from '../../src/index.ts'
import {
  AUTHORITY_REGISTRY,
  createRegistryFixture,
  type RegistryFixture,
  type TestResponse,
  UNLOCK,
} from './support/createRegistryFixture.ts'

/** The codes a refused response may carry (docs/errors.md, "verified reads"). */
const READ_CODES = new Set<ErrorCode>([
  'READ_MALFORMED',
  'READ_MISMATCH',
  'HEADER_INVALID',
  'ATTESTATION_QUORUM_MISSING',
  'ATTESTATION_SIGNER_DUPLICATE',
  'ATTESTATION_BLS_KEY_MISSING',
  'ATTESTATION_AGGREGATE_INVALID',
  'READ_STALE',
  'STATE_PROOF_INVALID',
  'READ_CONTRACT_MISSING',
])

let fx: RegistryFixture
let slots: Hex[]
let valid: TestResponse
/** The same slots one block earlier: a valid answer for another block. */
let older: TestResponse
let aggregated: TestResponse & { aggregate: { signers: Address[]; signature: Hex } }
let policy: VerifiedReadPolicy
let truth: Map<Hex, bigint>
const L = bls12_381.longSignatures
const blsSecretKeys = [1, 2, 3].map((i) => {
  const sk = new Uint8Array(32)
  sk[31] = i
  sk[7] = 0x5a
  return sk
})

before(async () => {
  fx = await createRegistryFixture()
  const id = fx.deviceId
  slots = [
    deviceRegistrySlots.device(id),
    deviceRegistrySlots.capability(id, UNLOCK),
    deviceRegistrySlots.deviceCount(),
  ]
  valid = await fx.createResponse(slots, { signWith: fx.authorities })
  older = await fx.createResponse(slots, {
    blockNumber: BigInt(valid.block.number) - 1n,
    signWith: fx.authorities,
  })
  const trustedBlsKeys = new Map(
    fx.authorities.map((a, i) => [
      a.address.toLowerCase() as Address,
      bytesToHex(L.getPublicKey(blsSecretKeys[i] as Uint8Array).toBytes(false)),
    ]),
  )
  policy = {
    chainId: 31337,
    registry: AUTHORITY_REGISTRY,
    trustedSigners: fx.trustedSigners,
    trustedBlsKeys,
    k: 2,
    address: fx.registry,
    slots,
  }
  const digest = attestationDigest({
    chainId: 31337,
    registry: AUTHORITY_REGISTRY,
    blockNumber: BigInt(valid.block.number),
    blockHash: valid.block.hash,
  })
  aggregated = {
    ...structuredClone(valid),
    signatures: [],
    aggregate: {
      signers: fx.authorities.map((a) => a.address),
      signature: bytesToHex(
        L.aggregateSignatures(
          blsSecretKeys.map((sk) => L.sign(L.hash(digest, BLS_ATTESTATION_DST), sk)),
        ).toBytes(false),
      ),
    },
  }
  const read = await verifyVerifiedRead(valid, policy)
  truth = new Map(read.values)
  // The untampered twins pass; the fuzz below only ever mutates them.
  await verifyVerifiedRead(aggregated, policy)
  await verifyVerifiedRead(older, policy)
})

after(async () => {
  await fx?.anvil.stop()
})

/** Refused with a documented code, or accepted with exactly the true values of this block. */
async function neverAcceptedWrongly(
  response: unknown,
  p: VerifiedReadPolicy = policy,
  mustRefuse = false,
): Promise<void> {
  let read: Awaited<ReturnType<typeof verifyVerifiedRead>>
  try {
    read = await verifyVerifiedRead(response, p)
  } catch (e) {
    assert.ok(isVeriotError(e), `expected a VeriotError, got ${String(e)}`)
    assert.ok(READ_CODES.has(e.code), `undocumented code for a response: ${e.code} ${e.message}`)
    assert.ok(e.code in ErrorCodes)
    return
  }
  assert.ok(!mustRefuse, 'a mutated response was accepted')
  assert.equal(read.blockHash, valid.block.hash.toLowerCase())
  assert.deepEqual(new Map(read.values), truth)
}

const hexOf = (bytes: fc.Arbitrary<Uint8Array>) => bytes.map((b) => bytesToHex(b))
/** Values of every type a JSON (or a hostile object) may hold at any place. */
const hostile = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 2 ** 53, -0, 1e308, '', '0x', '0xzz', '0x0'),
  fc.string({ maxLength: 80 }),
  hexOf(fc.uint8Array({ maxLength: 80 })),
  fc.constant('0x'.padEnd(200_000, 'ab')),
  fc.constant(new Array(100_000).fill('0x00')),
)

/** Places in a response, as paths, where a value can be replaced. */
const PATHS: readonly (readonly (string | number)[])[] = [
  [],
  ['chainId'],
  ['registry'],
  ['block'],
  ['block', 'number'],
  ['block', 'hash'],
  ['block', 'header'],
  ['account'],
  ['account', 'address'],
  ['account', 'proof'],
  ['account', 'proof', 0],
  ['account', 'proof', 3],
  ['storage'],
  ['storage', 0],
  ['storage', 0, 'slot'],
  ['storage', 0, 'proof'],
  ['storage', 1, 'proof', 0],
  ['storage', 2, 'value'],
  ['signatures'],
  ['signatures', 0],
  ['signatures', 0, 'signer'],
  ['signatures', 1, 'signature'],
  ['aggregate'],
  ['extra'],
]

function setAt(target: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value
  let at = target as Record<string | number, unknown>
  for (const key of path.slice(0, -1)) {
    const next = at[key]
    if (typeof next !== 'object' || next === null) return target
    at = next as Record<string | number, unknown>
  }
  at[path[path.length - 1] as string | number] = value
  return target
}

test('error: random JSON and hostile values anywhere in an answer are refused with documented codes', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...PATHS),
      hostile,
      fc.boolean(),
      async (path, value, aggregate) => {
        const base = structuredClone(aggregate ? aggregated : valid)
        await neverAcceptedWrongly(setAt(base, path, value))
      },
    ),
    { numRuns: 300 },
  )
})

/** Every hex field of a response, with a way to put a changed value back. */
function hexFields(r: TestResponse): { get(): Hex; set(v: Hex): void }[] {
  const fields: { get(): Hex; set(v: Hex): void }[] = [
    { get: () => r.block.header, set: (v) => (r.block.header = v) },
    { get: () => r.block.hash, set: (v) => (r.block.hash = v) },
  ]
  r.account.proof.forEach((_, i) => {
    fields.push({ get: () => r.account.proof[i] as Hex, set: (v) => (r.account.proof[i] = v) })
  })
  for (const entry of r.storage) {
    entry.proof.forEach((_, i) => {
      fields.push({ get: () => entry.proof[i] as Hex, set: (v) => (entry.proof[i] = v) })
    })
  }
  for (const s of r.signatures) {
    fields.push({ get: () => s.signature, set: (v) => (s.signature = v) })
  }
  return fields
}

test('error: changed, truncated or extended bytes in headers, proofs and signatures are refused', async () => {
  const count = hexFields(structuredClone(valid)).length
  await fc.assert(
    fc.asyncProperty(
      fc.nat({ max: count - 1 }),
      fc.oneof(
        fc.record({
          kind: fc.constant('xor'),
          at: fc.nat(),
          bits: fc.integer({ min: 1, max: 255 }),
        }),
        fc.record({ kind: fc.constant('truncate'), at: fc.nat() }),
        fc.record({
          kind: fc.constant('append'),
          bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
        }),
        fc.record({ kind: fc.constant('random'), bytes: fc.uint8Array({ maxLength: 600 }) }),
      ),
      async (index, change) => {
        const r = structuredClone(valid)
        const field = hexFields(r)[index] as ReturnType<typeof hexFields>[number]
        const bytes = hexToBytes(field.get())
        let changed: Uint8Array
        if (change.kind === 'xor') {
          changed = bytes.slice()
          const at = change.at % bytes.length
          changed[at] = (changed[at] as number) ^ change.bits
        } else if (change.kind === 'truncate') {
          changed = bytes.subarray(0, change.at % bytes.length)
        } else if (change.kind === 'append') {
          changed = new Uint8Array([...bytes, ...change.bytes])
        } else {
          changed = change.bytes
        }
        field.set(bytesToHex(changed))
        // A truncated header with a hash that matches it: parsing itself is fuzzed too.
        if (index === 0 && change.kind !== 'xor') r.block.hash = bytesToHex(keccak_256(changed))
        // A changed signature may still leave k = 2 of the 3 intact: then it is rightly
        // accepted with the true values; every other change must be refused.
        const mustRefuse = index < count - r.signatures.length
        await neverAcceptedWrongly(r, policy, mustRefuse)
      },
    ),
    { numRuns: 250 },
  )
})

test('error: parts of an answer for another block, chain or registry are refused', async () => {
  const parts = ['block', 'account', 'storage', 'signatures'] as const
  await fc.assert(
    fc.asyncProperty(
      fc.subarray([...parts], { minLength: 1, maxLength: 3 }),
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      fc.constantFrom('parts', 'chainId', 'registry', 'number'),
      async (fromOlder, chainId, what) => {
        const r = structuredClone(valid) as unknown as Record<string, unknown>
        if (what === 'parts') {
          for (const part of fromOlder) r[part] = structuredClone(older[part])
        } else if (what === 'chainId') {
          r.chainId = chainId === 31337 ? 1 : chainId
        } else if (what === 'registry') {
          r.registry = fx.registry
        } else {
          ;(r.block as { number: string }).number = older.block.number
        }
        await neverAcceptedWrongly(r, policy, true)
        // Signatures made for another chain, under an answer that names the right one.
        const signedElsewhere = structuredClone(valid)
        signedElsewhere.signatures = await Promise.all(
          fx.authorities.map(async (a) => ({
            signer: a.address,
            signature: await fx.attest(a, {
              blockNumber: BigInt(valid.block.number),
              blockHash: valid.block.hash,
              chainId: chainId === 31337 ? 1 : chainId,
            }),
          })),
        )
        await neverAcceptedWrongly(signedElsewhere, policy, true)
      },
    ),
    { numRuns: 15 },
  )
})

test('error: duplicated, untrusted and convicted signers never make up k', async () => {
  const outsiders = [0, 1, 2].map(() => privateKeyToAccount(generatePrivateKey()))
  const target = { blockNumber: BigInt(valid.block.number), blockHash: valid.block.hash }
  const honest = valid.signatures
  const foreign = await Promise.all(
    outsiders.map(async (a) => ({ signer: a.address, signature: await fx.attest(a, target) })),
  )
  // A "convicted" signer is one the device's authority set no longer lists.
  const convicted = (fx.authorities[2] as (typeof fx.authorities)[number]).address.toLowerCase()
  const withoutConvicted = new Set([...fx.trustedSigners].filter((s) => s !== convicted))
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom(...honest, ...foreign), { maxLength: 12 }),
      fc.boolean(),
      async (signatures, dropConvicted) => {
        const trusted = dropConvicted ? withoutConvicted : fx.trustedSigners
        const distinct = new Set(
          signatures.map((s) => s.signer.toLowerCase()).filter((s) => trusted.has(s as Address)),
        )
        const r = { ...structuredClone(valid), signatures }
        const p = { ...policy, trustedSigners: trusted }
        if (distinct.size >= 2)
          assert.deepEqual(new Map((await verifyVerifiedRead(r, p)).values), truth)
        else await neverAcceptedWrongly(r, p, true)
      },
    ),
    { numRuns: 60 },
  )
})

test('error: aggregates with duplicated, missing, unknown or random signers are refused', async () => {
  const good = aggregated.aggregate
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.oneof(
          fc.constantFrom(...good.signers),
          hexOf(fc.uint8Array({ minLength: 20, maxLength: 20 })),
        ),
        { maxLength: 8 },
      ),
      fc.option(fc.uint8Array({ minLength: 192, maxLength: 192 })),
      async (signers, signature) => {
        const same =
          signature === null &&
          signers.length === good.signers.length &&
          new Set(signers).size === signers.length &&
          signers.every((s) => good.signers.includes(s as Address))
        const r = {
          ...structuredClone(aggregated),
          aggregate: { signers, signature: signature ? bytesToHex(signature) : good.signature },
        }
        await neverAcceptedWrongly(r, policy, !same)
      },
    ),
    { numRuns: 40 },
  )
})

test('error: huge arrays are refused as malformed before any work', async () => {
  const big = <T>(n: number, v: T) => new Array<T>(n).fill(v)
  for (const r of [
    { ...structuredClone(valid), signatures: big(100_000, valid.signatures[0]) },
    { ...structuredClone(valid), storage: big(10_000, valid.storage[0]) },
    { ...structuredClone(valid), account: { ...valid.account, proof: big(100_000, '0x00') } },
    {
      ...structuredClone(aggregated),
      aggregate: { ...aggregated.aggregate, signers: big(10_000, aggregated.aggregate.signers[0]) },
    },
  ]) {
    const started = performance.now()
    await assert.rejects(verifyVerifiedRead(r, policy), (e) => isVeriotError(e, 'READ_MALFORMED'))
    assert.ok(performance.now() - started < 2000)
  }
})

test('error: the pure checks alone throw only their own code on random input', async () => {
  const header = hexToBytes(valid.block.header)
  const fields = RLP.decode(header) as Uint8Array[]
  const subject = {
    chainId: 31337,
    registry: AUTHORITY_REGISTRY,
    blockNumber: 1n,
    blockHash: valid.block.hash,
  }
  const only = async (code: ErrorCode, run: () => unknown) => {
    try {
      await run()
    } catch (e) {
      assert.ok(isVeriotError(e), String(e))
      assert.equal(e.code, code, e.message)
    }
  }
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 700 }),
      fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constant(new Uint8Array(32))), {
        maxLength: 24,
      }),
      fc.array(hexOf(fc.uint8Array({ maxLength: 600 })), { maxLength: 10 }),
      fc.nat({ max: header.length }),
      async (random, list, proof, cut) => {
        // Random bytes, random RLP lists and a truncated real header, each with its own hash.
        for (const bytes of [
          random,
          RLP.encode(list),
          header.subarray(0, cut),
          RLP.encode([...fields.slice(0, 8), ...list]),
        ]) {
          await only('HEADER_INVALID', () =>
            verifyBlockHeader(bytes, bytesToHex(keccak_256(bytes))),
          )
        }
        const stateRoot = verifyBlockHeader(header, valid.block.hash).stateRoot
        await only('STATE_PROOF_INVALID', async () => {
          const account = await verifyAccountProof(stateRoot, fx.registry, proof as Hex[])
          assert.equal(account.exists, false) // random nodes never prove the real account
        })
        await only('STATE_PROOF_INVALID', () =>
          verifyStorageProof(bytesToHex(keccak_256(random)), slots[0] as Hex, proof as Hex[]),
        )
        await only('ATTESTATION_QUORUM_MISSING', () =>
          verifyAttestations({
            ...subject,
            signatures: proof.map((signature, i) => ({
              signer: valid.signatures[i % 3]?.signer as Address,
              signature: signature as Hex,
            })),
            trustedSigners: fx.trustedSigners,
            k: 1,
          }),
        )
        await only('ATTESTATION_AGGREGATE_INVALID', () =>
          verifyAggregateAttestation({
            ...subject,
            aggregate: {
              signers: [...policy.trustedSigners].slice(0, 1),
              signature: bytesToHex(random),
            },
            trustedSigners: policy.trustedSigners,
            trustedBlsKeys: policy.trustedBlsKeys as ReadonlyMap<Address, Hex>,
            k: 1,
          }),
        )
      },
    ),
    { numRuns: 100 },
  )
})
