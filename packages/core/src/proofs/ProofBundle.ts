// The proof bundle: everything a third party needs to check that a reading existed,
// unchanged, signed by a registered device key, in a batch whose root is anchored on chain.
// Validated with a schema at the boundary (parseProofBundle); fields are hex strings.

import { z } from 'zod'
import { VeriotError } from '../errors/VeriotError.ts'

export const PROOF_BUNDLE_FORMAT = 'veriot.proof-bundle.v1'

const hex = (bytes?: number) =>
  z
    .string()
    .regex(
      bytes === undefined ? /^0x([0-9a-f]{2})*$/ : new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`),
      bytes === undefined
        ? 'expected lowercase 0x hex'
        : `expected 0x + ${bytes * 2} lowercase hex digits`,
    )
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x address')
const uint = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
const decimal = z.string().regex(/^\d{1,30}$/, 'expected a decimal integer string')

const schema = z.strictObject({
  format: z.literal(PROOF_BUNDLE_FORMAT),
  reading: z.strictObject({ id: hex(32), message: hex() }),
  device: z.strictObject({
    id: hex(32),
    publicKey: hex(65),
    suite: z.enum(['p256', 'ed25519', 'mldsa44P256']),
    auxKeyHash: hex(32),
    auxPublicKey: hex().optional(),
    /** Status when the batch was anchored, read from the registry at that block. */
    status: z.enum(['manufactured', 'provisioned', 'active', 'suspended', 'decommissioned']),
    registry: address,
    registrationTx: hex(32),
  }),
  inclusion: z.strictObject({ leafIndex: uint, treeSize: uint, path: z.array(hex(32)).max(64) }),
  batch: z.strictObject({
    gateway: address,
    id: uint,
    root: hex(32),
    count: uint,
    firstTimestamp: uint,
    lastTimestamp: uint,
  }),
  anchor: z.strictObject({
    chainId: uint,
    contract: address,
    txHash: hex(32),
    blockNumber: decimal,
    blockHash: hex(32),
  }),
})

export type ProofBundle = z.infer<typeof schema>

/**
 * Validates an untrusted proof bundle (parsed JSON).
 * @throws BUNDLE_MALFORMED naming the first wrong field
 */
export function parseProofBundle(value: unknown): ProofBundle {
  const result = schema.safeParse(value)
  if (!result.success) {
    const issue = result.error.issues[0]
    const field = issue?.path.join('.') || '(root)'
    throw new VeriotError('BUNDLE_MALFORMED', `"${field}" ${issue?.message ?? 'is invalid'}`, {
      context: { field },
    })
  }
  return Object.freeze(result.data)
}
