// Checks one BLS12-381 aggregate signature that stands for k authorities' attestations of a
// block: every named signer trusted, each once, each with a BLS key the device holds (read with
// a proof from AuthorityRegistry), and one pairing check under the sum of their keys. The
// curve arithmetic runs on blst (native, @chainsafe/blst) when it loads, on noble otherwise.

import { bls12_381 } from '@noble/curves/bls12-381.js'
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import { assertQuorumPolicy } from './assertQuorumPolicy.ts'
import { type AttestationSubject, attestationDigest } from './attestationDigest.ts'
import type { Address } from './VerifiedRead.ts'
import {
  isBlstPublicKey,
  loadBlst,
  verifyBlsAggregateWithBlst,
} from './verifyBlsAggregateWithBlst.ts'

/**
 * Domain separation tag of authorities' BLS attestation signatures: the IETF BLS signature
 * draft's proof-of-possession scheme (draft-irtf-cfrg-bls-signature-05 §4.2.3), minimal
 * public-key size (G1 keys, G2 signatures). AuthorityRegistry uses the same (Bls12381.SIG_DST).
 */
export const BLS_ATTESTATION_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_'

/**
 * One signature for several authorities: the sum of each signer's BLS signature over the
 * 32-byte attestation digest. `signature` is 192 bytes, an uncompressed G2 point in ZCash order
 * (x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0), as AuthorityRegistry.revealAggregateConviction takes it.
 */
export type AggregateAttestation = {
  readonly signers: readonly Address[]
  readonly signature: Hex
}

export type VerifyAggregateAttestationParameters = AttestationSubject & {
  readonly aggregate: AggregateAttestation
  /** Trusted signer addresses, 0x + 40 lowercase hex digits. */
  readonly trustedSigners: ReadonlySet<Address>
  /**
   * BLS public key of each trusted signer that has one (lowercase address → 0x + 192 hex
   * digits, an uncompressed G1 point x ‖ y), as registered in AuthorityRegistry with a proof
   * of possession. The proof of possession is what makes one same-message aggregate safe
   * against rogue keys, so keys must come from the registry, never from a response.
   */
  readonly trustedBlsKeys: ReadonlyMap<Address, Hex>
  /** Distinct trusted signers needed: an integer ≥ 1 and ≤ trustedSigners.size. */
  readonly k: number
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const G1_HEX = /^0x[0-9a-fA-F]{192}$/
const G2_HEX = /^0x[0-9a-fA-F]{384}$/

/** What computes the curve arithmetic: blst (native, through @chainsafe/blst) or noble. */
export type BlsEngine = 'blst' | 'noble'

/**
 * Verifies that the aggregate is a valid BLS signature over this block's attestation digest
 * (see attestationDigest) by exactly the named signers, and that they are at least `k`
 * distinct trusted authorities. Returns the signers (lowercase, in the order named), frozen.
 *
 * Runs on blst where @chainsafe/blst loads and passes a known-answer self-test, else on
 * noble ({@link getBlsEngine}); both engines apply one rule and agree on every input the
 * tests try.
 *
 * Unlike the per-signer path, which skips a bad signature, one bad part spoils an aggregate,
 * so every problem is fatal: the whole answer is refused. Any exception inside the check
 * counts as an invalid aggregate.
 *
 * @throws ATTESTATION_SIGNER_DUPLICATE when a signer is named twice;
 *   ATTESTATION_BLS_KEY_MISSING when a named signer is not trusted or has no trusted BLS key;
 *   ATTESTATION_QUORUM_MISSING when fewer than k signers are named;
 *   ATTESTATION_AGGREGATE_INVALID when the signature is malformed, the point at infinity, or
 *   fails the pairing check; INVALID_ARGUMENT for a bad k, trusted set, key or subject
 * @example
 * const signers = verifyAggregateAttestation({
 *   chainId: 31337, registry, blockNumber, blockHash,
 *   aggregate: { signers: [a, b], signature },
 *   trustedSigners, trustedBlsKeys, k: 2,
 * })
 */
export function verifyAggregateAttestation(
  parameters: VerifyAggregateAttestationParameters,
): readonly Address[] {
  return verifyAggregateAttestationWith(getBlsEngine(), parameters)
}

/**
 * {@link verifyAggregateAttestation} on a given engine, for the tests that hold the two
 * engines to one rule. Everything but the curve arithmetic runs here, before either engine.
 * @throws as verifyAggregateAttestation
 */
export function verifyAggregateAttestationWith(
  engine: BlsEngine,
  parameters: VerifyAggregateAttestationParameters,
): readonly Address[] {
  const { aggregate, trustedSigners, trustedBlsKeys, k, blockNumber, blockHash } = parameters
  assertQuorumPolicy(trustedSigners, k)
  if (!(trustedBlsKeys instanceof Map)) {
    throw new VeriotError('INVALID_ARGUMENT', '"trustedBlsKeys" expected a Map of signer → key')
  }
  const digest = attestationDigest(parameters)
  const context = { blockNumber, blockHash, k }
  let named: unknown
  let signature: unknown
  try {
    // Read once: a getter or proxy must not answer differently to a second look.
    named = aggregate?.signers
    signature = aggregate?.signature
    if (Array.isArray(named)) named = [...named]
  } catch {
    named = undefined
  }
  if (!Array.isArray(named)) {
    throw new VeriotError('ATTESTATION_AGGREGATE_INVALID', '"aggregate.signers" expected a list', {
      context,
    })
  }
  const signers: Address[] = []
  const keys: Hex[] = []
  for (const entry of named as unknown[]) {
    if (typeof entry !== 'string' || !ADDRESS.test(entry)) {
      throw new VeriotError(
        'ATTESTATION_AGGREGATE_INVALID',
        `"aggregate.signers" expected addresses, got ${String(entry).slice(0, 50)}`,
        { context },
      )
    }
    const signer = entry.toLowerCase() as Address
    if (signers.includes(signer)) {
      throw new VeriotError(
        'ATTESTATION_SIGNER_DUPLICATE',
        `"aggregate.signers" names ${signer} twice (a signer counts once)`,
        { context: { ...context, signer } },
      )
    }
    const key = trustedSigners.has(signer) ? trustedBlsKeys.get(signer) : undefined
    if (key === undefined) {
      throw new VeriotError(
        'ATTESTATION_BLS_KEY_MISSING',
        `"aggregate.signers" names ${signer}, which is ${trustedSigners.has(signer) ? 'trusted but has no BLS key' : 'not a trusted signer'}`,
        { context: { ...context, signer } },
      )
    }
    signers.push(signer)
    keys.push(key)
  }
  if (signers.length < k) {
    throw new VeriotError(
      'ATTESTATION_QUORUM_MISSING',
      `block ${blockNumber} ${blockHash}: expected an aggregate of ${k} distinct trusted authorities, got ${signers.length}`,
      { context: { ...context, counted: signers.length } },
    )
  }
  const keyBytes = keys.map((key, i) => trustedKeyBytes(engine, key, signers[i] as Address))
  let valid = false
  try {
    // Uncompressed only, and no flag bits (compression, infinity, sort): the contract's form.
    if (typeof signature === 'string' && G2_HEX.test(signature)) {
      const bytes = hexToBytes(signature.slice(2))
      if (((bytes[0] as number) & FLAG_BITS) === 0) {
        valid =
          engine === 'blst'
            ? verifyBlsAggregateWithBlst(digest, keyBytes, bytes)
            : verifyWithNoble(digest, keyBytes, bytes)
      }
    }
  } catch {
    valid = false
  }
  if (!valid) {
    throw new VeriotError(
      'ATTESTATION_AGGREGATE_INVALID',
      `block ${blockNumber} ${blockHash}: the aggregate BLS signature of ${signers.length} signers does not verify`,
      { context: { ...context, counted: 0 } },
    )
  }
  return Object.freeze(signers)
}

/** The top three bits of an encoded point's first byte: compressed, infinity, sort (sign). */
const FLAG_BITS = 0xe0

type G1Point = ReturnType<typeof bls12_381.G1.Point.fromBytes>
/** Keys already checked, per engine, by their hex (decoding checks curve and subgroup). */
const checkedKeys = { blst: new Set<string>(), noble: new Map<string, G1Point>() }
const CHECKED_KEYS_MAX = 256

/**
 * A trusted key's bytes once the engine has found it a G1 point in the subgroup, not
 * infinity, uncompressed without flag bits. A bad key is the device's own configuration.
 * @throws INVALID_ARGUMENT
 */
function trustedKeyBytes(engine: BlsEngine, key: Hex, signer: Address): Uint8Array {
  const invalid = () =>
    new VeriotError(
      'INVALID_ARGUMENT',
      `"trustedBlsKeys" key of ${signer} expected 96 bytes, an uncompressed G1 point`,
    )
  if (typeof key !== 'string' || !G1_HEX.test(key)) throw invalid()
  const id = key.toLowerCase()
  const bytes = hexToBytes(id.slice(2))
  if (((bytes[0] as number) & FLAG_BITS) !== 0) throw invalid()
  if (engine === 'noble' ? checkedKeys.noble.has(id) : checkedKeys.blst.has(id)) return bytes
  try {
    if (engine === 'noble') {
      const point = bls12_381.G1.Point.fromBytes(bytes)
      if (point.is0()) throw invalid()
      if (checkedKeys.noble.size >= CHECKED_KEYS_MAX) checkedKeys.noble.clear()
      checkedKeys.noble.set(id, point)
    } else {
      if (!isBlstPublicKey(bytes)) throw invalid()
      if (checkedKeys.blst.size >= CHECKED_KEYS_MAX) checkedKeys.blst.clear()
      checkedKeys.blst.add(id)
    }
  } catch {
    throw invalid()
  }
  return bytes
}

function verifyWithNoble(
  digest: Uint8Array,
  keys: readonly Uint8Array[],
  signature: Uint8Array,
): boolean {
  const L = bls12_381.longSignatures
  const points = keys.map(
    (k) => checkedKeys.noble.get(`0x${bytesToHex(k)}`) ?? bls12_381.G1.Point.fromBytes(k),
  )
  // fromBytes checks that the point is on the curve and in G2's subgroup.
  const sigPoint = bls12_381.G2.Point.fromBytes(signature)
  const publicKey = L.aggregatePublicKeys(points)
  // Infinity as key or signature satisfies or short-circuits the pairing: never accepted.
  if (sigPoint.is0() || publicKey.is0()) return false
  return L.verify(sigPoint, L.hash(digest, BLS_ATTESTATION_DST), publicKey)
}

let engine: BlsEngine | undefined

/**
 * The engine {@link verifyAggregateAttestation} uses: blst when @chainsafe/blst and its binary
 * for this platform load and pass a known-answer self-test on first use, noble otherwise.
 * Chosen once per process (or worker).
 */
export function getBlsEngine(): BlsEngine {
  engine ??= loadBlst() !== null && isBlstSound() ? 'blst' : 'noble'
  return engine
}

// Known answer, made with noble: secret keys SHA-256("veriot bls self-test key 1" and "… 2"),
// message SHA-256("veriot bls self-test"), the sum of both signatures with BLS_ATTESTATION_DST.
const SELF_TEST_KEYS = [
  '18be6a1119212c19f2e75322c5cc70d3b9d4a82d08ae028b070efb590d7035be05799c454a25d5b6a3c6e8359d3baf8106b479370e582a3e4247490afb5bc8a03118a349309d895844cff2d8563d543da1747671ef65fd5794f671fb2a5a64d3',
  '195280da266b27750418c71b582763dfe0bf4e5f4ae6326582470c96308b9ea1a761ba3d292a1e609044399018aa2336026544535bb73ab47f000ac65f2d4c1cee58c9705cabbc1a3e9de067b7d3efec3b3ce0913abdd3c4cad867c2974a6420',
].map((k) => hexToBytes(k))
const SELF_TEST_SIGNATURE = hexToBytes(
  '0b2df90fca41db5c21296e2c160a9802db7cccf96a56a9a80ea7a25688aaede92f54c8d610dcf447ad1f67219e05c4e0' +
    '0a0e8afa79c2ecd38d89fdc2f40e9ee9e9b5355e52d8ff42852e07aa3acb1db392e964e806b8fcd293c037e1ea313b64' +
    '0eb0b43447785ee761337a8aab88e5c529c3cf59f3576ed88483b9368aeea6099457b250f031e7d8272719e7ed3a302d' +
    '0cd33bc10a711679bc3be0d46982868b7db903de0da3e18c95c53236270efe1c7ce8498955e2f1e7fca23ca379af123c',
)
const SELF_TEST_MESSAGE = hexToBytes(
  '2e0584cfaccdbd5b0bd0f02f56cc5a4c517144765c588edd7405b00ebe187cc7',
)

/**
 * True when blst gives the project's answers on a known aggregate: accepted under both keys,
 * refused under one key alone and over another message (so it uses the same DST as noble).
 */
function isBlstSound(): boolean {
  try {
    const other = utf8ToBytes('another message, 32 bytes long!!')
    return (
      verifyBlsAggregateWithBlst(SELF_TEST_MESSAGE, SELF_TEST_KEYS, SELF_TEST_SIGNATURE) &&
      !verifyBlsAggregateWithBlst(
        SELF_TEST_MESSAGE,
        SELF_TEST_KEYS.slice(1),
        SELF_TEST_SIGNATURE,
      ) &&
      !verifyBlsAggregateWithBlst(other, SELF_TEST_KEYS, SELF_TEST_SIGNATURE)
    )
  } catch {
    return false
  }
}
