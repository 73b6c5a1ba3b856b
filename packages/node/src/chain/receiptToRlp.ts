// Re-encodes a JSON-RPC transaction receipt (eth_getTransactionReceipt, eth_getBlockReceipts)
// in its consensus form, the bytes the block's receipts trie holds: legacy
// rlp([status, cumulativeGasUsed, logsBloom, logs]), or for a typed transaction the EIP-2718
// envelope, its type byte followed by that list.

import { RLP } from '@ethereumjs/rlp'
import { VeriotError } from '@veriot/core'
import { type Hex, hexToBytes } from 'viem'

/** The fields of a JSON-RPC receipt that its consensus encoding holds. */
export type RpcReceipt = {
  type?: Hex
  status?: Hex | null
  cumulativeGasUsed: Hex
  logsBloom: Hex
  logs: readonly { address: Hex; topics: readonly Hex[]; data: Hex }[]
  transactionIndex: Hex
}

/**
 * The consensus bytes of `receipt`. Receipt types 1–4 (access list, EIP-1559, blob, EIP-7702)
 * share the legacy field list.
 * @throws INVALID_ARGUMENT for a pre-Byzantium receipt (a state root instead of a status) or
 *   a type this encoder does not know
 */
export function receiptToRlp(receipt: RpcReceipt): Uint8Array {
  const type = receipt.type === undefined ? 0 : Number(BigInt(receipt.type))
  if (receipt.status !== '0x0' && receipt.status !== '0x1') {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `receipt ${receipt.transactionIndex}: "status" expected 0x0 or 0x1, got ${String(receipt.status)} (pre-Byzantium receipts are not encoded)`,
    )
  }
  if (!Number.isInteger(type) || type < 0 || type > 4) {
    throw new VeriotError('INVALID_ARGUMENT', `receipt type ${receipt.type} is not known`)
  }
  const body = RLP.encode([
    BigInt(receipt.status),
    BigInt(receipt.cumulativeGasUsed),
    hexToBytes(receipt.logsBloom),
    receipt.logs.map((log) => [
      hexToBytes(log.address),
      log.topics.map((topic) => hexToBytes(topic)),
      hexToBytes(log.data),
    ]),
  ])
  if (type === 0) return body
  const typed = new Uint8Array(body.length + 1)
  typed[0] = type
  typed.set(body, 1)
  return typed
}
