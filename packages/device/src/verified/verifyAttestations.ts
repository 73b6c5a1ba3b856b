// Counts the authorities that signed a block: only trusted signers, each once, each with a
// valid low-s secp256k1 signature over this block's attestation digest.

import { VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import { assertQuorumPolicy } from './assertQuorumPolicy.ts'
import { type AttestationSubject, attestationDigest } from './attestationDigest.ts'
import type { Address } from './VerifiedRead.ts'
import { verifyAttestationSignature } from './verifyAttestationSignature.ts'

/** One authority's claim: "I, signer, signed this block". 65 bytes r ‖ s ‖ v, v ∈ {27, 28}. */
export type Attestation = { readonly signer: Address; readonly signature: Hex }

export type VerifyAttestationsParameters = AttestationSubject & {
  readonly signatures: readonly Attestation[]
  /** Trusted signer addresses, 0x + 40 lowercase hex digits. */
  readonly trustedSigners: ReadonlySet<Address>
  /** Distinct trusted signers needed: an integer ≥ 1 and ≤ trustedSigners.size. */
  readonly k: number
}

/**
 * Verifies that at least `k` distinct trusted authorities signed the attestation digest of
 * this block (see attestationDigest). Returns those signers (lowercase, in the order first
 * seen), frozen.
 *
 * A signature is not counted when its signer is not trusted, it recovers to another address
 * than the claimed signer, it is malformed or high-s (malleable), or its signer was counted
 * already. Such signatures are skipped rather than fatal, so one broken node cannot veto a
 * read that k others attest. Signatures are checked by public-key recovery on libsecp256k1
 * (WebAssembly) when it loads; otherwise on noble, where a signer's first accepted signature is
 * recovered and later ones are checked with its kept key — one rule either way
 * (verifyAttestationSignature). `k` comes from the caller only; nothing in a response lowers it.
 *
 * @throws ATTESTATION_QUORUM_MISSING when fewer than k distinct trusted signers verify;
 *   INVALID_ARGUMENT for a bad k, trusted set or subject
 * @example
 * const signers = verifyAttestations({ ...subject, signatures, trustedSigners, k: 2 })
 */
export function verifyAttestations(parameters: VerifyAttestationsParameters): readonly Address[] {
  const { signatures, trustedSigners, k } = parameters
  assertQuorumPolicy(trustedSigners, k)
  const digest = attestationDigest(parameters)
  const counted: Address[] = []
  if (Array.isArray(signatures)) {
    for (const attestation of signatures) {
      // Cheap filter first: the curve arithmetic only for a trusted signer not yet counted.
      const claimed = claimedSigner(attestation)
      if (claimed === undefined || !trustedSigners.has(claimed) || counted.includes(claimed)) {
        continue
      }
      if (verifyAttestationSignature(claimed, signatureOf(attestation), digest)) {
        counted.push(claimed)
      }
    }
  }
  if (counted.length < k) {
    throw new VeriotError(
      'ATTESTATION_QUORUM_MISSING',
      `block ${parameters.blockNumber} ${parameters.blockHash}: expected signatures of ${k} distinct trusted authorities, got ${counted.length}`,
      {
        context: {
          blockNumber: parameters.blockNumber,
          blockHash: parameters.blockHash,
          k,
          counted: counted.length,
        },
      },
    )
  }
  return Object.freeze(counted)
}

/** The signer an attestation names, lowercase, or undefined when it has no such field. */
function claimedSigner(attestation: unknown): Address | undefined {
  try {
    const signer = (attestation as Attestation).signer
    if (typeof signer !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(signer)) return undefined
    return signer.toLowerCase() as Address
  } catch {
    return undefined
  }
}

/** The signature an attestation carries, unchecked; undefined when reading it throws. */
function signatureOf(attestation: unknown): unknown {
  try {
    return (attestation as Attestation).signature
  } catch {
    return undefined
  }
}
