// The part every attested answer shares: it is about the device's chain and registry, its
// header is the block with the stated hash and number, k trusted authorities signed that block,
// and the block is young enough. What the block then proves (storage, a receipt) is the
// caller's to check against the roots in the returned header.

import { hexToBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import type { Address, AttestedBlockPolicy } from './VerifiedRead.ts'
import { verifyAggregateAttestation } from './verifyAggregateAttestation.ts'
import { type Attestation, verifyAttestations } from './verifyAttestations.ts'
import { type VerifiedBlockHeader, verifyBlockHeader } from './verifyBlockHeader.ts'

/** The attested part of a response, already through its schema (shape and sizes). */
export type AttestedBlockResponse = {
  readonly chainId: number
  readonly registry: string
  readonly block: { readonly number: string; readonly hash: string; readonly header: string }
  readonly signatures: readonly { readonly signer: string; readonly signature: string }[]
  readonly aggregate?:
    | { readonly signers: readonly string[]; readonly signature: string }
    | undefined
}

export type AttestedBlock = {
  readonly header: VerifiedBlockHeader
  /** The distinct trusted authorities whose signatures over the block were counted. */
  readonly signers: readonly Address[]
}

/**
 * Checks, in order: chain id and registry are the policy's (READ_MISMATCH); keccak256(header)
 * is the stated hash, the header decodes and carries the stated number (HEADER_INVALID); k
 * distinct trusted authorities signed (chainId, registry, number, hash), per signer or in one
 * BLS aggregate (ATTESTATION_QUORUM_MISSING, ATTESTATION_SIGNER_DUPLICATE,
 * ATTESTATION_BLS_KEY_MISSING, ATTESTATION_AGGREGATE_INVALID); the block is at most
 * `maxAgeSeconds` old by the device's clock (READ_STALE). The policy is assumed checked
 * (assertAttestedBlockPolicy).
 *
 * @throws READ_MISMATCH, HEADER_INVALID, ATTESTATION_QUORUM_MISSING,
 *   ATTESTATION_SIGNER_DUPLICATE, ATTESTATION_BLS_KEY_MISSING, ATTESTATION_AGGREGATE_INVALID,
 *   READ_STALE
 */
export function verifyAttestedBlock(
  response: AttestedBlockResponse,
  policy: AttestedBlockPolicy,
): AttestedBlock {
  if (response.chainId !== policy.chainId) {
    throw new VeriotError(
      'READ_MISMATCH',
      `"chainId" expected ${policy.chainId}, got ${response.chainId}`,
      { context: { field: 'chainId' } },
    )
  }
  if (response.registry.toLowerCase() !== policy.registry.toLowerCase()) {
    throw new VeriotError(
      'READ_MISMATCH',
      `"registry" expected ${policy.registry}, got ${response.registry}`,
      { context: { field: 'registry' } },
    )
  }
  const { block } = response
  const header = verifyBlockHeader(hexToBytes(block.header.slice(2)), block.hash as Hex)
  if (header.number !== BigInt(block.number)) {
    throw new VeriotError(
      'HEADER_INVALID',
      `"block.number" expected ${header.number} (the header's), got ${block.number}`,
      { context: { blockHash: header.hash } },
    )
  }
  const subject = {
    chainId: policy.chainId,
    registry: policy.registry,
    blockNumber: header.number,
    blockHash: header.hash,
    trustedSigners: policy.trustedSigners,
    k: policy.k,
  }
  const signers = response.aggregate
    ? verifyAggregateAttestation({
        ...subject,
        aggregate: response.aggregate as { signers: Hex[]; signature: Hex },
        trustedBlsKeys: policy.trustedBlsKeys ?? new Map(),
      })
    : verifyAttestations({ ...subject, signatures: response.signatures as readonly Attestation[] })
  if (policy.maxAgeSeconds !== undefined) {
    const ageMs = BigInt(policy.now as number) - header.timestamp * 1000n
    if (ageMs > BigInt(policy.maxAgeSeconds) * 1000n) {
      throw new VeriotError(
        'READ_STALE',
        `block ${header.number} is ${ageMs / 1000n} s old, more than the allowed ${policy.maxAgeSeconds} s`,
        {
          context: {
            blockNumber: header.number,
            timestamp: header.timestamp,
            maxAgeSeconds: policy.maxAgeSeconds,
          },
        },
      )
    }
  }
  return Object.freeze({ header, signers })
}
