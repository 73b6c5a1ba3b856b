// Checks one BLS12-381 aggregate signature that stands for k authorities' attestations of a
// block: every named signer trusted, each once, each with a BLS key the device holds (read with
// a proof from AuthorityRegistry), and one pairing check under the sum of their keys.

import { bls12_381 } from '@noble/curves/bls12-381.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import { assertQuorumPolicy } from './assertQuorumPolicy.ts'
import { type AttestationSubject, attestationDigest } from './attestationDigest.ts'
import type { Address } from './VerifiedRead.ts'

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
type G1Point = ReturnType<typeof bls12_381.G1.Point.fromBytes>

/** Parsed keys by their hex (decoding checks the curve and subgroup: about 2 ms each). */
const parsedKeys = new Map<string, G1Point>()
const PARSED_KEYS_MAX = 256

/**
 * Verifies that the aggregate is a valid BLS signature over this block's attestation digest
 * (see attestationDigest) by exactly the named signers, and that they are at least `k`
 * distinct trusted authorities. Returns the signers (lowercase, in the order named), frozen.
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
  const points = keys.map((key, i) => parseKey(key, signers[i] as Address))
  let valid = false
  try {
    if (typeof signature === 'string' && G2_HEX.test(signature)) {
      const sigPoint = bls12_381.G2.Point.fromBytes(hexToBytes(signature.slice(2)))
      const publicKey = bls12_381.longSignatures.aggregatePublicKeys(points)
      // Infinity as key or signature satisfies or short-circuits the pairing: never accepted.
      valid =
        !sigPoint.is0() &&
        !publicKey.is0() &&
        bls12_381.longSignatures.verify(
          sigPoint,
          bls12_381.longSignatures.hash(digest, BLS_ATTESTATION_DST),
          publicKey,
        )
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

/** A trusted key as a G1 point (on the curve, in the subgroup, not infinity). */
function parseKey(key: Hex, signer: Address): G1Point {
  const hit = typeof key === 'string' ? parsedKeys.get(key.toLowerCase()) : undefined
  if (hit) return hit
  let point: G1Point | undefined
  try {
    if (typeof key === 'string' && G1_HEX.test(key)) {
      point = bls12_381.G1.Point.fromBytes(hexToBytes(key.slice(2)))
    }
  } catch {
    point = undefined
  }
  if (!point || point.is0()) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"trustedBlsKeys" key of ${signer} expected 96 bytes, an uncompressed G1 point`,
    )
  }
  if (parsedKeys.size >= PARSED_KEYS_MAX) parsedKeys.clear()
  parsedKeys.set(key.toLowerCase(), point)
  return point
}
