// One authority's secp256k1 signature over an attestation digest, checked under one rule by
// recovery (which defines the rule): on libsecp256k1 (WebAssembly) when it loads, else on noble,
// which once a signer's key is known verifies with it on precomputed tables.

import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { keccak256 } from './keccak256.ts'
import {
  loadLibsecp256k1,
  recoverPublicKeyWithLibsecp256k1,
} from './recoverPublicKeyWithLibsecp256k1.ts'
import type { Address } from './VerifiedRead.ts'

/**
 * How a signature is checked:
 * - `recovery`: recover the public key from (r, s, v) with noble and compare its address with
 *   the signer's (what `ecrecover` and AuthorityRegistry do; needs no key, and defines the rule);
 * - `libsecp256k1`: the same recovery on bitcoin-core's libsecp256k1 compiled to WebAssembly
 *   (tiny-secp256k1), when it loads and passes its self-test;
 * - `noble`: noble's `secp256k1.verify` in its `recovered` format under the signer's key;
 * - `noble-precomputed`: the same equation with wNAF tables kept for the key and for G.
 *
 * All four accept exactly the same signatures (see the engines test). libsecp256k1's own
 * `verify` is not used: it ignores v, so it would accept a wrong v that recovers another key.
 * node:crypto is not an engine: OpenSSL verifies ECDSA only over a digest it computes itself
 * (`crypto.verify(null, …)` hashes with SHA-256 for EC keys), and OpenSSL 3.0, which Node 20
 * bundles, has no Keccak-256.
 */
export type AttestationSignatureEngine = 'recovery' | 'libsecp256k1' | 'noble' | 'noble-precomputed'

const { Point } = secp256k1
const { Fn } = Point
// Windows for the wNAF tables: 8 for G (one table, ~4 200 points, built once per process),
// 6 for each signer key (~1 400 points, ~20 ms to build); see docs/verified-reads.md.
const BASE_WINDOW = 8
const KEY_WINDOW = 6
// A trusted set holds a handful of signers; bounded so hostile churn cannot grow memory.
const KEY_CACHE_SIZE = 64
const SIGNATURE_HEX = /^0x[0-9a-fA-F]{130}$/

// Our own copy of G, so that its larger table does not change noble's shared BASE point.
let base: InstanceType<typeof Point> | undefined
// Signer address (lowercase) → public key, written only after a recovery gave that address.
// A Map iterates in insertion order: the first entry is the least recently used one.
const signerKeys = new Map<Address, InstanceType<typeof Point>>()
// Public key (hex, uncompressed) → point with its table, for verifyAttestationSignatureWith.
const keyPoints = new Map<string, InstanceType<typeof Point>>()

/**
 * True when `signature` (65 bytes r ‖ s ‖ v as 0x hex, v ∈ {27, 28}, low s) is `signer`'s over
 * `digest`. Where libsecp256k1 loads ({@link getAttestationSignatureEngine}), every signature
 * is checked by recovery on it. Otherwise, on noble, the first time a signer's signature is
 * accepted, by recovery, its public key is kept (bounded cache); later signatures of that
 * signer are checked with the key and precomputed tables, 2.6–2.8 times as fast. Same answer
 * every way; a signature that does not verify under a kept key is refused (a key belongs to
 * its address up to a Keccak-256 collision).
 *
 * Fails closed: anything malformed or unexpected gives false.
 */
export function verifyAttestationSignature(
  signer: Address,
  signature: unknown,
  digest: Uint8Array,
): boolean {
  try {
    const parsed = parseAttestationSignature(signature)
    if (parsed === undefined) return false
    if (getAttestationSignatureEngine() === 'libsecp256k1') {
      return recoversToSigner(parsed, digest, signer)
    }
    const key = signerKeys.get(signer)
    if (key !== undefined) {
      signerKeys.delete(signer)
      signerKeys.set(signer, key)
      return verifyWithTables(parsed, digest, key)
    }
    const recovered = parsed.recoverPublicKey(digest)
    if (publicKeyToAddress(recovered.toBytes(false)) !== signer) return false
    if (signerKeys.size >= KEY_CACHE_SIZE) {
      const oldest = signerKeys.keys().next()
      if (oldest.done !== true) signerKeys.delete(oldest.value)
    }
    signerKeys.set(signer, recovered.precompute(KEY_WINDOW))
    return true
  } catch {
    return false
  }
}

/**
 * {@link verifyAttestationSignature} on a given engine and without the signer cache, for the
 * tests that hold the engines to one rule and for the benchmark. `publicKey` (65 bytes,
 * uncompressed) is required by the key engines; its address must be `signer`.
 */
export function verifyAttestationSignatureWith(
  engine: AttestationSignatureEngine,
  parameters: {
    readonly signer: Address
    readonly signature: unknown
    readonly digest: Uint8Array
    readonly publicKey?: Uint8Array
  },
): boolean {
  try {
    const { signer, signature, digest, publicKey } = parameters
    const parsed = parseAttestationSignature(signature)
    if (parsed === undefined) return false
    if (engine === 'recovery') {
      return publicKeyToAddress(parsed.recoverPublicKey(digest).toBytes(false)) === signer
    }
    if (engine === 'libsecp256k1') return recoversToSigner(parsed, digest, signer)
    if (!(publicKey instanceof Uint8Array) || publicKeyToAddress(publicKey) !== signer) {
      return false
    }
    if (engine === 'noble') {
      return secp256k1.verify(parsed.toBytes('recovered'), digest, publicKey, {
        prehash: false,
        lowS: true,
        format: 'recovered',
      })
    }
    if (engine === 'noble-precomputed') {
      return verifyWithTables(parsed, digest, keyPointOf(publicKey))
    }
    return false
  } catch {
    return false
  }
}

let engine: 'libsecp256k1' | 'noble-precomputed' | undefined

/**
 * The engine {@link verifyAttestationSignature} uses: `libsecp256k1` when tiny-secp256k1 and
 * its WebAssembly load and pass a known-answer self-test on first use, else noble (recovery
 * for a signer's first signature, `noble-precomputed` with its kept key after). Chosen once
 * per process (or worker).
 */
export function getAttestationSignatureEngine(): 'libsecp256k1' | 'noble-precomputed' {
  engine ??= loadLibsecp256k1() !== null ? 'libsecp256k1' : 'noble-precomputed'
  return engine
}

type RecoveredSignature = ReturnType<typeof secp256k1.Signature.fromBytes>

/**
 * Recovery on libsecp256k1: true when the key (r, s, v) recovers to over `digest` has the
 * signer's address. `sig` passed the rule's checks already (parseAttestationSignature).
 * @throws Error when libsecp256k1 is not loaded; callers fail closed
 */
function recoversToSigner(sig: RecoveredSignature, digest: Uint8Array, signer: Address): boolean {
  const recovery = sig.recovery
  if (recovery !== 0 && recovery !== 1) return false
  const key = recoverPublicKeyWithLibsecp256k1(digest, sig.toBytes('compact'), recovery)
  return key !== undefined && publicKeyToAddress(key) === signer
}

/**
 * The rule's checks on the bytes, before any engine runs: 65 bytes, v ∈ {27, 28}, 0 < r, s < n
 * (noble's parser), and low s — recovery alone accepts both s and n − s; only the low one is
 * canonical (EIP-2), and authorities sign low-s. Undefined when any fails.
 */
function parseAttestationSignature(signature: unknown): RecoveredSignature | undefined {
  if (typeof signature !== 'string' || !SIGNATURE_HEX.test(signature)) return undefined
  const bytes = hexToBytes(signature.slice(2))
  const v = bytes[64] as number
  if (v !== 27 && v !== 28) return undefined
  // noble's 'recovered' format puts the recovery bit first; Ethereum puts v last.
  const recovered = new Uint8Array(65)
  recovered[0] = v - 27
  recovered.set(bytes.subarray(0, 64), 1)
  const sig = secp256k1.Signature.fromBytes(recovered, 'recovered')
  return sig.hasHighS() ? undefined : sig
}

/**
 * ECDSA verification as noble's `verify` does it in its `recovered` format (R = u1·G + u2·Q,
 * R ≠ ∞, R.x = r exactly, R.y's parity = the recovery bit), with each product taken from a
 * precomputed table. R is the point recovery rebuilds from (r, v), so this accepts exactly when
 * recovery gives Q: sR = hG + rQ.
 */
function verifyWithTables(
  sig: RecoveredSignature,
  digest: Uint8Array,
  key: InstanceType<typeof Point>,
): boolean {
  if (digest.length !== 32) return false
  base ??= Point.fromAffine(Point.BASE.toAffine()).precompute(BASE_WINDOW)
  const { r, s, recovery } = sig
  const h = Fn.create(bytesToNumberBE(digest)) // a 32-byte digest is bits2int_modN's input as is
  const sInv = Fn.inv(s)
  const R = base.multiplyUnsafe(Fn.create(h * sInv)).add(key.multiplyUnsafe(Fn.create(r * sInv)))
  if (R.is0()) return false
  const { x, y } = R.toAffine()
  return x === r && Number(y & 1n) === recovery
}

/** The point of a 65-byte uncompressed key, checked on the curve, with its table (bounded). */
function keyPointOf(publicKey: Uint8Array): InstanceType<typeof Point> {
  const id = bytesToHex(publicKey)
  const hit = keyPoints.get(id)
  if (hit !== undefined) return hit
  if (publicKey.length !== 65) throw new Error('expected a 65-byte uncompressed key')
  const point = Point.fromBytes(publicKey) // throws unless on the curve and not ∞
  if (keyPoints.size >= KEY_CACHE_SIZE) {
    const oldest = keyPoints.keys().next()
    if (oldest.done !== true) keyPoints.delete(oldest.value)
  }
  keyPoints.set(id, point.precompute(KEY_WINDOW))
  return point
}

/** The Ethereum address of a 65-byte uncompressed key, lowercase. */
function publicKeyToAddress(publicKey: Uint8Array): Address {
  return `0x${bytesToHex(keccak256(publicKey.subarray(1)).subarray(12))}` as Address
}
