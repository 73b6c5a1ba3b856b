// Re-encodes a block header from its JSON-RPC form (eth_getBlockByNumber) as the RLP list the
// chain hashed, so a test can hand a device real header bytes. Test support only: a device
// receives the bytes and never trusts JSON fields.

import { RLP } from '@ethereumjs/rlp'
import { hexToBytes } from '@noble/hashes/utils.js'

// Header fields in order (Yellow Paper §4.3, then London, Shanghai, Cancun, Prague appends).
const FIELDS = [
  ['parentHash', 'data'],
  ['sha3Uncles', 'data'],
  ['miner', 'data'],
  ['stateRoot', 'data'],
  ['transactionsRoot', 'data'],
  ['receiptsRoot', 'data'],
  ['logsBloom', 'data'],
  ['difficulty', 'quantity'],
  ['number', 'quantity'],
  ['gasLimit', 'quantity'],
  ['gasUsed', 'quantity'],
  ['timestamp', 'quantity'],
  ['extraData', 'data'],
  ['mixHash', 'data'],
  ['nonce', 'data'],
  ['baseFeePerGas', 'quantity'],
  ['withdrawalsRoot', 'data'],
  ['blobGasUsed', 'quantity'],
  ['excessBlobGas', 'quantity'],
  ['parentBeaconBlockRoot', 'data'],
  ['requestsHash', 'data'],
] as const
const FRONTIER_FIELDS = 15

/** The header's fields as RLP items (quantities minimal big-endian, data as is). */
export function headerFieldsFromRpcBlock(block: Record<string, unknown>): Uint8Array[] {
  const items: Uint8Array[] = []
  for (const [index, [name, kind]] of FIELDS.entries()) {
    const value = block[name]
    if (value === undefined || value === null) {
      if (index < FRONTIER_FIELDS) throw new Error(`block has no ${name}`)
      break
    }
    if (typeof value !== 'string') throw new Error(`block.${name} is not a hex string`)
    if (kind === 'data') items.push(hexToBytes(value.slice(2)))
    else {
      const n = BigInt(value)
      const hex = n === 0n ? '' : n.toString(16)
      items.push(hexToBytes(hex.length % 2 === 0 ? hex : `0${hex}`))
    }
  }
  return items
}

export function rlpHeaderFromRpcBlock(block: Record<string, unknown>): Uint8Array {
  return RLP.encode(headerFieldsFromRpcBlock(block))
}
