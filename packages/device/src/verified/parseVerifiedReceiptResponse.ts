// The shape of a receipt-proof response (veriot_verifiedReceipt) as it arrives from a node or
// gateway (untrusted), checked once at the boundary, with sizes bounded like a verified read's.

import { z } from 'zod'
import { address, boundedArray, hexBytes, hexWord, parseUntrusted } from './parseUntrusted.ts'
import {
  VERIFIED_READ_MAX_HEADER_BYTES,
  VERIFIED_READ_MAX_SIGNATURES,
} from './parseVerifiedReadResponse.ts'

/**
 * Most nodes in one receipt proof. The key is rlp(transactionIndex), at most 5 bytes for an
 * index below 2^32, so a path visits at most 10 branches and a leaf.
 */
export const VERIFIED_RECEIPT_MAX_PROOF_NODES = 16
/**
 * Largest trie node accepted. The leaf holds the whole receipt (a 256-byte bloom and every
 * log), so this bounds the receipts a device can be shown; branch nodes are ≤ 532 bytes.
 */
export const VERIFIED_RECEIPT_MAX_NODE_BYTES = 64 * 1024
/** Largest transaction index accepted (uint32). */
export const VERIFIED_RECEIPT_MAX_TRANSACTION_INDEX = 0xffff_ffff

const schema = z.strictObject({
  chainId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  registry: address,
  block: z.strictObject({
    number: z.string().regex(/^(?:0|[1-9][0-9]{0,19})$/, 'expected a decimal block number'),
    hash: hexWord(32, '0x + 64 hex digits'),
    header: hexBytes(VERIFIED_READ_MAX_HEADER_BYTES),
  }),
  receipt: z.strictObject({
    transactionIndex: z.number().int().min(0).max(VERIFIED_RECEIPT_MAX_TRANSACTION_INDEX),
    proof: boundedArray(
      hexBytes(VERIFIED_RECEIPT_MAX_NODE_BYTES).min(4, 'expected a trie node'),
      VERIFIED_RECEIPT_MAX_PROOF_NODES,
    ).pipe(z.array(z.string()).min(1, 'expected at least one trie node')),
  }),
  signatures: boundedArray(
    z.strictObject({ signer: address, signature: hexWord(65, '65 bytes r ‖ s ‖ v') }),
    VERIFIED_READ_MAX_SIGNATURES,
  ),
})

/** A receipt-proof response that has the right shape; nothing in it is verified yet. */
export type VerifiedReceiptResponse = z.infer<typeof schema>

/**
 * Checks the shape of an untrusted receipt-proof response (parsed JSON). Proves nothing: the
 * result still goes through verifyVerifiedReceipt.
 * @throws READ_MALFORMED naming the first wrong field
 */
export function parseVerifiedReceiptResponse(value: unknown): VerifiedReceiptResponse {
  return parseUntrusted(schema, value)
}
