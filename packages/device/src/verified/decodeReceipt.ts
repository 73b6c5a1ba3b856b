// Decodes a transaction receipt in its consensus form, as the receipts trie holds it: legacy
// rlp([status, cumulativeGasUsed, logsBloom, logs]) or an EIP-2718 envelope, the type byte
// followed by that same list (types 1–4: access list, EIP-1559, blob, EIP-7702).

import { RLP } from '@ethereumjs/rlp'
import { bytesToHex } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import type { Address } from './VerifiedRead.ts'
import type { ProvenLog } from './VerifiedReceipt.ts'

/** Receipt types whose payload is the four-field list; anything else is refused. */
const MAX_KNOWN_TYPE = 4
const BLOOM_BYTES = 256

export type DecodedReceipt = {
  readonly type: number
  readonly status: 0 | 1
  readonly cumulativeGasUsed: bigint
  readonly logs: readonly ProvenLog[]
}

/**
 * Decodes strictly: one RLP list of exactly four items after the optional type byte, a status
 * of 0 or 1 (pre-Byzantium receipts carry a state root there and are refused), a canonical
 * cumulative gas of at most 8 bytes, a 256-byte bloom, logs of [20-byte address, at most four
 * 32-byte topics, data]. The bytes themselves are proven by the caller; the bloom is not
 * recomputed (the trie commits to it with the logs).
 * @throws RECEIPT_PROOF_INVALID naming what is wrong
 */
export function decodeReceipt(bytes: Uint8Array): DecodedReceipt {
  const fail = (message: string, cause?: unknown): never => {
    throw new VeriotError('RECEIPT_PROOF_INVALID', `receipt: ${message}`, {
      ...(cause === undefined ? {} : { cause }),
    })
  }
  const first = bytes[0]
  if (first === undefined) return fail('expected bytes, got none')
  let type = 0
  let payload = bytes
  if (first < 0x80) {
    if (first < 1 || first > MAX_KNOWN_TYPE) return fail(`unknown receipt type ${first}`)
    type = first
    payload = bytes.subarray(1)
  } else if (first < 0xc0) {
    return fail('expected a typed envelope or an RLP list, got a byte string')
  }
  let fields: unknown
  try {
    fields = RLP.decode(payload)
  } catch (cause) {
    return fail('not valid RLP', cause)
  }
  if (!Array.isArray(fields) || fields.length !== 4) {
    return fail('expected a list of 4 fields (status, cumulativeGasUsed, logsBloom, logs)')
  }
  const [status, gas, bloom, logs] = fields as unknown[]
  if (!(status instanceof Uint8Array) || status.length > 1 || (status[0] ?? 1) !== 1) {
    return fail('"status" expected 0 or 1 (pre-Byzantium receipts are not read)')
  }
  if (!(gas instanceof Uint8Array) || gas.length > 8 || gas[0] === 0) {
    return fail('"cumulativeGasUsed" expected a canonical integer of at most 8 bytes')
  }
  if (!(bloom instanceof Uint8Array) || bloom.length !== BLOOM_BYTES) {
    return fail(`"logsBloom" expected ${BLOOM_BYTES} bytes`)
  }
  if (!Array.isArray(logs)) return fail('"logs" expected a list')
  const decoded = logs.map((log, i) => decodeLog(log, i, fail))
  return Object.freeze({
    type,
    status: status.length === 0 ? 0 : 1,
    cumulativeGasUsed: gas.length === 0 ? 0n : BigInt(`0x${bytesToHex(gas)}`),
    logs: Object.freeze(decoded),
  })
}

function decodeLog(log: unknown, index: number, fail: (message: string) => never): ProvenLog {
  if (!Array.isArray(log) || log.length !== 3) {
    return fail(`"logs.${index}" expected [address, topics, data]`)
  }
  const [address, topics, data] = log as unknown[]
  if (!(address instanceof Uint8Array) || address.length !== 20) {
    return fail(`"logs.${index}.address" expected 20 bytes`)
  }
  if (!Array.isArray(topics) || topics.length > 4) {
    return fail(`"logs.${index}.topics" expected a list of at most 4 topics`)
  }
  const words = topics.map((topic) => {
    if (!(topic instanceof Uint8Array) || topic.length !== 32) {
      return fail(`"logs.${index}.topics" expected 32-byte topics`)
    }
    return `0x${bytesToHex(topic)}` as Hex
  })
  if (!(data instanceof Uint8Array)) return fail(`"logs.${index}.data" expected bytes`)
  return Object.freeze({
    address: `0x${bytesToHex(address)}` as Address,
    topics: Object.freeze(words),
    data: `0x${bytesToHex(data)}` as Hex,
  })
}
