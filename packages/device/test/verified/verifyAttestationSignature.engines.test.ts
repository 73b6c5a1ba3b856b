// The secp256k1 attestation check is held to one rule on every path: recovery on noble (which
// defines it) and on libsecp256k1 (WebAssembly, tiny-secp256k1), noble's verify and the
// precomputed-table verify under the signer's key, and the path verifyAttestations takes.
// Valid, high-s, wrong-v, tampered, another signer's, out-of-range, malformed and random cases
// give the same answer on all of them. verifyAttestationSignature.fallback.test.ts runs this
// file again with tiny-secp256k1 hidden, so that noble's fallback (recovery, then kept keys) is
// the path verifyAttestations takes there.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { numberToBytesBE } from '@noble/curves/utils.js'
import fc from 'fast-check'
import { type Address, bytesToHex, type Hex, hexToBytes, keccak256, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import {
  type AttestationSignatureEngine,
  verifyAttestationSignature,
  verifyAttestationSignatureWith,
} from '../../src/index.ts'
import { getAttestationSignatureEngine } from '../../src/verified/verifyAttestationSignature.ts'

// Set by the fallback test, which preloads support/hideTinySecp256k1.cjs.
const HIDDEN = process.env.VERIOT_TEST_TINY_SECP256K1_HIDDEN === '1'
const ENGINES: readonly AttestationSignatureEngine[] = HIDDEN
  ? ['recovery', 'noble', 'noble-precomputed']
  : ['recovery', 'libsecp256k1', 'noble', 'noble-precomputed']
const N = secp256k1.Point.CURVE().n
const nodes = [1, 2, 3].map((i) => {
  const secretKey = keccak256(`0x5ec${i}`)
  return {
    secretKey,
    account: privateKeyToAccount(secretKey),
    address: privateKeyToAccount(secretKey).address.toLowerCase() as Address,
    publicKey: secp256k1.getPublicKey(hexToBytes(secretKey), false),
  }
})
const node = (i: number) => nodes[i] as (typeof nodes)[number]
const digest = hexToBytes(keccak256('0xd1'))

/**
 * The answer of every engine, and of verifyAttestationSignature's own path (libsecp256k1 here;
 * on noble, the first call would prime the signer's kept key).
 */
function answers(
  i: number,
  signature: unknown,
  message: Uint8Array,
): { engines: boolean[]; cached: boolean } {
  const { address, publicKey } = node(i)
  const engines = ENGINES.map((engine) =>
    verifyAttestationSignatureWith(engine, {
      signer: address,
      signature,
      digest: message,
      publicKey,
    }),
  )
  return { engines, cached: verifyAttestationSignature(address, signature, message) }
}

function assertAll(i: number, signature: unknown, message: Uint8Array, expected: boolean) {
  const { engines, cached } = answers(i, signature, message)
  assert.deepEqual(
    engines,
    ENGINES.map(() => expected),
    `engines on ${String(signature)}`,
  )
  assert.equal(cached, expected, `verifyAttestationSignature on ${String(signature)}`)
}

const signDigest = (i: number, message: Uint8Array) =>
  node(i).account.sign({ hash: toHex(message) })

/** (r, n − s, v flipped): the same key recovers from it, but it is the malleable twin. */
function highSTwin(signature: Hex): Hex {
  const bytes = hexToBytes(signature)
  const s = BigInt(bytesToHex(bytes.subarray(32, 64)))
  bytes.set(numberToBytesBE(N - s, 32), 32)
  bytes[64] = bytes[64] === 27 ? 28 : 27
  return bytesToHex(bytes)
}

test('default: verifyAttestations runs on libsecp256k1 where it loads, on noble where it does not', () => {
  // tiny-secp256k1 is a dependency of the device package: not loading it here is a defect.
  assert.equal(getAttestationSignatureEngine(), HIDDEN ? 'noble-precomputed' : 'libsecp256k1')
  if (HIDDEN) {
    // A hidden module is no engine: the check fails closed rather than skip it.
    const { address, publicKey } = node(0)
    assert.equal(
      verifyAttestationSignatureWith('libsecp256k1', {
        signer: address,
        signature: `0x${'11'.repeat(64)}1b`,
        digest,
        publicKey,
      }),
      false,
    )
  }
})

test('default: a valid low-s signature is accepted by every engine, before and after caching', async () => {
  for (const i of [0, 1, 2]) {
    const signature = await signDigest(i, digest)
    // Twice: the first cached-path call recovers and keeps the key, the second uses it.
    assertAll(i, signature, digest, true)
    assertAll(i, signature, digest, true)
    // Uppercase hex digits are the same bytes.
    assertAll(i, `0x${signature.slice(2).toUpperCase()}`, digest, true)
  }
})

test('behavior: the high-s twin of a valid signature is refused everywhere', async () => {
  const signature = await signDigest(0, digest)
  assertAll(0, signature, digest, true) // key cached
  const twin = highSTwin(signature)
  // The twin is a valid ECDSA signature: only the low-s rule refuses it.
  const bytes = hexToBytes(twin)
  assert.equal(
    secp256k1.verify(bytes.subarray(0, 64), digest, node(0).publicKey, {
      prehash: false,
      lowS: false,
    }),
    true,
  )
  assertAll(0, twin, digest, false)
})

test('error: a wrong v is refused everywhere (it recovers another key)', async () => {
  const signature = await signDigest(1, digest)
  assertAll(1, signature, digest, true)
  const bytes = hexToBytes(signature)
  for (const v of [bytes[64] === 27 ? 28 : 27, 0, 1, 26, 29, 255]) {
    const wrong = new Uint8Array(bytes)
    wrong[64] = v
    assertAll(1, bytesToHex(wrong), digest, false)
  }
})

test('error: tampered r, s, digest, another signer and malformed input are refused everywhere', async () => {
  const signature = await signDigest(2, digest)
  assertAll(2, signature, digest, true)
  const bytes = hexToBytes(signature)
  for (const at of [0, 31, 32, 63]) {
    const tampered = new Uint8Array(bytes)
    tampered[at] = (tampered[at] as number) ^ 1
    assertAll(2, bytesToHex(tampered), digest, false)
  }
  const other = new Uint8Array(digest)
  other[0] = (other[0] as number) ^ 1
  assertAll(2, signature, other, false)
  // Signed by node 0, claimed by node 2 (whose key is cached): refused.
  assertAll(2, await signDigest(0, digest), digest, false)
  // r = 0, s = 0, r = n, s = n: out of range.
  const zeroR = new Uint8Array(bytes)
  zeroR.fill(0, 0, 32)
  const zeroS = new Uint8Array(bytes)
  zeroS.fill(0, 32, 64)
  const nR = new Uint8Array(bytes)
  nR.set(numberToBytesBE(N, 32), 0)
  const nS = new Uint8Array(bytes)
  nS.set(numberToBytesBE(N, 32), 32)
  for (const bad of [zeroR, zeroS, nR, nS]) assertAll(2, bytesToHex(bad), digest, false)
  for (const bad of [
    undefined,
    null,
    42,
    {},
    bytes,
    signature.slice(0, -2),
    `${signature}00`,
    signature.slice(2),
    `0x${'zz'.repeat(65)}`,
    `0x${'00'.repeat(65)}`,
  ]) {
    assertAll(2, bad, digest, false)
  }
  // A digest that is not 32 bytes.
  assertAll(2, signature, digest.subarray(0, 31), false)
})

test('error: a key engine is refused a key that is not the signer’s', async () => {
  const signature = await signDigest(0, digest)
  for (const engine of ['noble', 'noble-precomputed'] as const) {
    assert.equal(
      verifyAttestationSignatureWith(engine, {
        signer: node(0).address,
        signature,
        digest,
        publicKey: node(1).publicKey,
      }),
      false,
    )
    assert.equal(
      verifyAttestationSignatureWith(engine, { signer: node(0).address, signature, digest }),
      false,
    )
  }
})

test('behavior: engines agree on random signatures, digests and mutations (fast-check)', async () => {
  const signatures = await Promise.all([0, 1, 2].map((i) => signDigest(i, digest)))
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 }),
      fc.oneof(
        // Random bytes with a plausible v.
        fc
          .tuple(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.constantFrom(27, 28))
          .map(([rs, v]) => bytesToHex(new Uint8Array([...rs, v]))),
        // A real signature with one byte changed.
        fc
          .tuple(
            fc.integer({ min: 0, max: 2 }),
            fc.integer({ min: 0, max: 64 }),
            fc.integer({ min: 1, max: 255 }),
          )
          .map(([j, at, x]) => {
            const bytes = hexToBytes(signatures[j] as Hex)
            bytes[at] = (bytes[at] as number) ^ x
            return bytesToHex(bytes)
          }),
        // A real signature, unchanged (valid only for its own signer).
        fc.integer({ min: 0, max: 2 }).map((j) => signatures[j] as Hex),
      ),
      fc.boolean(),
      (i, signature, otherDigest) => {
        const message = otherDigest ? hexToBytes(keccak256(signature)) : digest
        const { engines, cached } = answers(i, signature, message)
        const expected = !otherDigest && signature === signatures[i]
        assert.deepEqual(
          engines,
          ENGINES.map(() => expected),
        )
        assert.equal(cached, expected)
      },
    ),
    { numRuns: 300 },
  )
})

test('behavior: engines agree on signatures by random keys over random digests', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.boolean(),
      (seed, message, highS) => {
        const secretKey = hexToBytes(keccak256(seed))
        const publicKey = secp256k1.getPublicKey(secretKey, false)
        const signer = `0x${keccak256(publicKey.subarray(1)).slice(-40)}` as Address
        const rec = secp256k1.sign(message, secretKey, { prehash: false, format: 'recovered' })
        const low = bytesToHex(new Uint8Array([...rec.subarray(1), (rec[0] as number) + 27]))
        const signature = highS ? highSTwin(low) : low
        const engines = ENGINES.map((engine) =>
          verifyAttestationSignatureWith(engine, { signer, signature, digest: message, publicKey }),
        )
        assert.deepEqual(
          engines,
          ENGINES.map(() => !highS),
        )
        // verifyAttestationSignature on keys it has not seen: on noble, the recovery branch
        // (another signer's claim first, so nothing is kept for it), then the kept key.
        const stranger = `0x${keccak256(seed).slice(-40)}` as Address
        assert.equal(verifyAttestationSignature(stranger, signature, message), false)
        assert.equal(verifyAttestationSignature(signer, signature, message), !highS)
        assert.equal(verifyAttestationSignature(signer, signature, message), !highS)
        assert.equal(verifyAttestationSignature(signer, low, message), true)
      },
    ),
    { numRuns: 40 },
  )
})
