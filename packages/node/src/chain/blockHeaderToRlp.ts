// Re-encodes a JSON-RPC block's header as RLP, the bytes whose keccak256 is the block hash,
// so a device can check the header it is given. Fields after the London base set are
// included when the node reports them (Shanghai, Cancun, Prague); the result is checked
// against the block's own hash, so an unknown header layout fails loudly instead of silently.

import { RLP } from '@ethereumjs/rlp'
import { VeriotError } from '@veriot/core'
import { type Hex, hexToBytes, keccak256 } from 'viem'

/** Header fields in consensus order: [JSON name, kind]. */
const FIELDS: Array<[string, 'bytes' | 'quantity', 'required' | 'optional']> = [
  ['parentHash', 'bytes', 'required'],
  ['sha3Uncles', 'bytes', 'required'],
  ['miner', 'bytes', 'required'],
  ['stateRoot', 'bytes', 'required'],
  ['transactionsRoot', 'bytes', 'required'],
  ['receiptsRoot', 'bytes', 'required'],
  ['logsBloom', 'bytes', 'required'],
  ['difficulty', 'quantity', 'required'],
  ['number', 'quantity', 'required'],
  ['gasLimit', 'quantity', 'required'],
  ['gasUsed', 'quantity', 'required'],
  ['timestamp', 'quantity', 'required'],
  ['extraData', 'bytes', 'required'],
  ['mixHash', 'bytes', 'required'],
  ['nonce', 'bytes', 'required'],
  ['baseFeePerGas', 'quantity', 'optional'],
  ['withdrawalsRoot', 'bytes', 'optional'],
  ['blobGasUsed', 'quantity', 'optional'],
  ['excessBlobGas', 'quantity', 'optional'],
  ['parentBeaconBlockRoot', 'bytes', 'optional'],
  ['requestsHash', 'bytes', 'optional'],
]

/**
 * @throws TX_FAILED when the re-encoded header does not hash to the block's hash
 */
export function blockHeaderToRlp(block: Record<string, unknown>): Hex {
  const items: Uint8Array[] = []
  let optionalMissing = false
  for (const [name, kind, presence] of FIELDS) {
    const value = block[name]
    if (value === undefined || value === null) {
      if (presence === 'required') {
        throw new VeriotError('TX_FAILED', `block header field "${name}" is missing`)
      }
      optionalMissing = true
      continue
    }
    if (optionalMissing) {
      throw new VeriotError('TX_FAILED', `block header field "${name}" follows a missing field`)
    }
    const hex = value as Hex
    if (kind === 'bytes') items.push(hexToBytes(hex))
    else {
      // Quantities are minimal big-endian integers; zero is the empty string.
      const digits = BigInt(hex).toString(16)
      items.push(
        digits === '0'
          ? new Uint8Array()
          : hexToBytes(`0x${digits.length % 2 ? '0' : ''}${digits}`),
      )
    }
  }
  const rlp = `0x${Buffer.from(RLP.encode(items)).toString('hex')}` as Hex
  if (keccak256(rlp) !== block.hash) {
    throw new VeriotError(
      'TX_FAILED',
      `re-encoded header of block ${String(block.number)} does not hash to ${String(block.hash)} (unknown header layout)`,
    )
  }
  return rlp
}
