// Counts the authorities that signed a block: only trusted signers, each once, each with a
// valid low-s secp256k1 signature over this block's attestation digest.

import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import { assertQuorumPolicy } from './assertQuorumPolicy.ts'
import { type AttestationSubject, attestationDigest } from './attestationDigest.ts'
import type { Address } from './VerifiedRead.ts'

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
 * read that k others attest. `k` comes from the caller only; nothing in a response lowers it.
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
      // Cheap filter first: recovery (the costly part) only for a trusted signer not yet counted.
      const claimed = claimedSigner(attestation)
      if (claimed === undefined || !trustedSigners.has(claimed) || counted.includes(claimed)) {
        continue
      }
      if (recoveredSigner(attestation as Attestation, digest) === claimed) counted.push(claimed)
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

/** The address a valid low-s signature recovers to, lowercase; undefined when malformed. */
function recoveredSigner(attestation: Attestation, digest: Uint8Array): Address | undefined {
  try {
    const { signature } = attestation
    if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature)) return undefined
    const bytes = hexToBytes(signature.slice(2))
    const v = bytes[64] as number
    if (v !== 27 && v !== 28) return undefined
    // noble's 'recovered' format puts the recovery bit first; Ethereum puts v last.
    const recovered = new Uint8Array(65)
    recovered[0] = v - 27
    recovered.set(bytes.subarray(0, 64), 1)
    const sig = secp256k1.Signature.fromBytes(recovered, 'recovered')
    // Recovery alone accepts both s and n − s; only the low one is canonical (EIP-2).
    if (sig.hasHighS()) return undefined
    const publicKey = sig.recoverPublicKey(digest).toBytes(false)
    return `0x${bytesToHex(keccak_256(publicKey.subarray(1)).subarray(12))}` as Address
  } catch {
    return undefined
  }
}
