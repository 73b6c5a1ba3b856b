// The shape of a verified-read response as it arrives from a gateway or RPC proxy (untrusted),
// checked once at the boundary. Sizes are bounded so a hostile response cannot make a small
// device parse or hash without limit.

import { VeriotError } from '@veriot/core'
import { z } from 'zod'
import { address, boundedArray, hexBytes, hexWord, parseUntrusted } from './parseUntrusted.ts'

/** Most storage slots one response may answer. */
export const VERIFIED_READ_MAX_SLOTS = 32
/** Most attestation signatures one response may carry. */
export const VERIFIED_READ_MAX_SIGNATURES = 64
/**
 * Most nodes in one trie proof. A path through a hexary trie of 32-byte keys visits at most
 * 64 branches; real state tries are about 10 deep.
 */
export const VERIFIED_READ_MAX_PROOF_NODES = 64
/** Largest trie node accepted: a full branch node is 532 bytes, a leaf far less. */
export const VERIFIED_READ_MAX_NODE_BYTES = 1024
/** Largest RLP block header accepted (consortium chains put validator seals in extraData). */
export const VERIFIED_READ_MAX_HEADER_BYTES = 16 * 1024

const proof = boundedArray(
  hexBytes(VERIFIED_READ_MAX_NODE_BYTES).min(4, 'expected a trie node'),
  VERIFIED_READ_MAX_PROOF_NODES,
)

const schema = z.strictObject({
  chainId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  registry: address,
  block: z.strictObject({
    number: z.string().regex(/^(?:0|[1-9][0-9]{0,19})$/, 'expected a decimal block number'),
    hash: hexWord(32, '0x + 64 hex digits'),
    header: hexBytes(VERIFIED_READ_MAX_HEADER_BYTES),
  }),
  account: z.strictObject({ address, proof }),
  storage: boundedArray(
    z.strictObject({
      slot: hexWord(32, 'a 32-byte slot (0x + 64 hex digits)'),
      proof,
      /** EIP-1186's claimed value; never trusted, only compared with what the proof gives. */
      value: z
        .string()
        .regex(/^0x(?:0|[1-9a-fA-F][0-9a-fA-F]{0,63})$/, 'expected a 0x quantity')
        .optional(),
    }),
    VERIFIED_READ_MAX_SLOTS,
  ),
  signatures: boundedArray(
    z.strictObject({ signer: address, signature: hexWord(65, '65 bytes r ‖ s ‖ v') }),
    VERIFIED_READ_MAX_SIGNATURES,
  ),
  /** One BLS12-381 aggregate for all signers instead of `signatures` (then empty). */
  aggregate: z
    .strictObject({
      signers: boundedArray(address, VERIFIED_READ_MAX_SIGNATURES),
      signature: hexWord(192, '192 bytes, an uncompressed G2 point'),
    })
    .optional(),
})

/** A response that has the right shape; nothing in it is verified yet. */
export type VerifiedReadResponse = z.infer<typeof schema>

/**
 * Checks the shape of an untrusted verified-read response (parsed JSON). Proves nothing: the
 * result still goes through verifyVerifiedRead.
 * @throws READ_MALFORMED naming the first wrong field
 */
export function parseVerifiedReadResponse(value: unknown): VerifiedReadResponse {
  const data = parseUntrusted(schema, value)
  if (data.aggregate !== undefined && data.signatures.length > 0) {
    throw new VeriotError(
      'READ_MALFORMED',
      '"aggregate" expected either "signatures" or "aggregate", not both',
      { context: { field: 'aggregate' } },
    )
  }
  return data
}
