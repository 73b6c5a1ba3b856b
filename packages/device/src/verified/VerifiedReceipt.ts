// What a device believes after a receipt proof: a transaction's receipt (status and logs) at
// an index of a block that k authorities signed.

import type { Hex } from '../telemetry/TelemetryDevice.ts'
import type { Address } from './VerifiedRead.ts'

/** One event log of a proven receipt. Frozen; hex is lowercase. */
export type ProvenLog = {
  /** The contract that emitted the event. */
  readonly address: Address
  /** 0 to 4 topics, each 0x + 64 hex digits; topics[0] is the event signature's hash. */
  readonly topics: readonly Hex[]
  /** ABI-encoded non-indexed arguments, 0x hex. */
  readonly data: Hex
}

/** A proven receipt. Frozen. */
export type VerifiedReceipt = {
  readonly blockNumber: bigint
  /** 0x + 64 lowercase hex digits. */
  readonly blockHash: Hex
  /** The header's timestamp, seconds since the Unix epoch. */
  readonly timestamp: bigint
  /** The distinct trusted authorities whose signatures over this block were counted. */
  readonly signers: readonly Address[]
  /** The transaction's position in the block (the receipts-trie key is its RLP). */
  readonly transactionIndex: number
  /** 0 for legacy, else the EIP-2718 type byte (1–4). */
  readonly type: number
  /** 1: executed; 0: reverted (a reverted transaction has no logs). */
  readonly status: 0 | 1
  readonly logs: readonly ProvenLog[]
}
