// The verifying client's decision for events: does this response prove this receipt (status
// and logs) at this index of a block that k trusted authorities signed? Pure, like
// verifyVerifiedRead: no network, no clock (the device's time comes in the policy).

import { RLP } from '@ethereumjs/rlp'
import { hexToBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import { assertAttestedBlockPolicy } from './assertAttestedBlockPolicy.ts'
import { decodeReceipt } from './decodeReceipt.ts'
import { loadKeccakWasm } from './keccak256.ts'
import {
  parseVerifiedReceiptResponse,
  type VerifiedReceiptResponse,
} from './parseVerifiedReceiptResponse.ts'
import { readProvenTrieValue } from './readProvenTrieValue.ts'
import type { AttestedBlockPolicy } from './VerifiedRead.ts'
import type { VerifiedReceipt } from './VerifiedReceipt.ts'
import { verifyAttestedBlock } from './verifyAttestedBlock.ts'

/**
 * Verifies a `veriot_verifiedReceipt` response against the device's own policy, in this order:
 * shape and limits (READ_MALFORMED); chain and registry (READ_MISMATCH); the header hashes to
 * the stated block hash and carries the stated number (HEADER_INVALID); k distinct trusted
 * authorities signed (chainId, registry, number, hash) (ATTESTATION_QUORUM_MISSING); the block
 * is at most maxAgeSeconds old (READ_STALE); the proof leads from the header's receiptsRoot
 * to a receipt under rlp(transactionIndex), and that receipt is a consensus receipt
 * (RECEIPT_PROOF_INVALID).
 *
 * What is proven is "block N's transaction at this index has this receipt". The receipt does
 * not name its transaction, so the transaction hash the device asked about is not proven:
 * judge by the logs (the emitting contract, the topics, the data), which is what an event
 * proof is for. A reverted transaction is returned with status 0 (and no logs), not refused.
 *
 * @returns the proven receipt, frozen
 * @throws READ_MALFORMED, READ_MISMATCH, HEADER_INVALID, ATTESTATION_QUORUM_MISSING,
 *   READ_STALE, RECEIPT_PROOF_INVALID; INVALID_ARGUMENT for a bad policy
 * @example
 * const receipt = await verifyVerifiedReceipt(answer.result, {
 *   chainId: 31337,
 *   registry: authorityRegistry,
 *   trustedSigners: new Set(authorities),
 *   k: 2,
 * })
 * const grant = findLog(receipt, { address: accessGrants, topic0: grantedTopic })
 */
export async function verifyVerifiedReceipt(
  response: unknown,
  policy: AttestedBlockPolicy,
): Promise<VerifiedReceipt> {
  assertAttestedBlockPolicy(policy)
  const parsed = parseVerifiedReceiptResponse(response)
  await loadKeccakWasm() // once per process; noble stays in use if it does not load
  try {
    return await verifyParsed(parsed, policy)
  } catch (cause) {
    if (cause instanceof VeriotError) throw cause
    // Every check reports its own code; anything else is a bug, and still a rejection.
    throw new VeriotError('INTERNAL', 'receipt proof could not be checked', { cause })
  }
}

async function verifyParsed(
  response: VerifiedReceiptResponse,
  policy: AttestedBlockPolicy,
): Promise<VerifiedReceipt> {
  const { header, signers } = verifyAttestedBlock(response, policy)
  const { transactionIndex } = response.receipt
  const context = { blockNumber: header.number, transactionIndex }
  let value: Uint8Array | null
  try {
    value = await readProvenTrieValue(
      hexToBytes(header.receiptsRoot.slice(2)),
      RLP.encode(transactionIndex),
      response.receipt.proof as Hex[],
    )
  } catch (cause) {
    throw new VeriotError(
      'RECEIPT_PROOF_INVALID',
      `receipt ${transactionIndex} of block ${header.number}: the proof does not lead to receiptsRoot ${header.receiptsRoot}`,
      { cause, context },
    )
  }
  if (value === null) {
    throw new VeriotError(
      'RECEIPT_PROOF_INVALID',
      `block ${header.number} has no receipt at index ${transactionIndex}`,
      { context },
    )
  }
  const receipt = decodeReceipt(value)
  return Object.freeze({
    blockNumber: header.number,
    blockHash: header.hash,
    timestamp: header.timestamp,
    signers,
    transactionIndex,
    type: receipt.type,
    status: receipt.status,
    logs: receipt.logs,
  })
}
