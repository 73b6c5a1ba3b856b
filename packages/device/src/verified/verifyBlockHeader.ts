// Checks that RLP header bytes are the block with a given hash, and reads the few fields a
// verifying device needs from them (by position, the same in every fork since Frontier).

import { RLP } from '@ethereumjs/rlp'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import { keccak256 } from './keccak256.ts'

/** The fields of a verified header that a device uses. Frozen. */
export type VerifiedBlockHeader = {
  readonly number: bigint
  /** keccak256 of the header bytes: 0x + 64 lowercase hex digits. */
  readonly hash: Hex
  readonly parentHash: Hex
  /** Root of the state trie that account proofs lead to. */
  readonly stateRoot: Hex
  /** Root of the receipts trie that receipt proofs lead to (key rlp(transactionIndex)). */
  readonly receiptsRoot: Hex
  /** Seconds since the Unix epoch. */
  readonly timestamp: bigint
}

// Positions in the header list (Yellow Paper §4.3); later forks only append fields.
const PARENT_HASH = 0
const STATE_ROOT = 3
const RECEIPTS_ROOT = 5
const NUMBER = 8
const TIMESTAMP = 11
/** Fields of a Frontier header; every later fork has more. */
const MIN_FIELDS = 15
/** Osaka has 21; room for future forks, but not for an unbounded list. */
const MAX_FIELDS = 32

/**
 * Verifies that `rlpHeader` hashes (keccak256) to `expectedHash` and is a strictly encoded
 * header: one RLP list of byte strings, no trailing bytes, at least the 15 Frontier fields,
 * 32-byte parent hash, state root and receipts root, number and timestamp as canonical integers of ≤ 8 bytes.
 *
 * The hash proves only that these bytes are the block with that hash; that the block is on
 * the chain is what the authorities' signatures are for (verifyAttestations).
 *
 * @throws HEADER_INVALID (the message says what is wrong)
 * @example
 * const header = verifyBlockHeader(hexToBytes(response.block.header), response.block.hash)
 */
export function verifyBlockHeader(rlpHeader: Uint8Array, expectedHash: Hex): VerifiedBlockHeader {
  const fail = (message: string, cause?: unknown): never => {
    throw new VeriotError('HEADER_INVALID', message, {
      ...(cause === undefined ? {} : { cause }),
      context: { expectedHash: String(expectedHash).slice(0, 66) },
    })
  }
  try {
    return readHeader(rlpHeader, expectedHash, fail)
  } catch (cause) {
    // Fail closed: whatever went wrong, the header is not accepted.
    if (cause instanceof VeriotError) throw cause
    return fail('"header" could not be checked', cause)
  }
}

function readHeader(
  rlpHeader: Uint8Array,
  expectedHash: Hex,
  fail: (message: string, cause?: unknown) => never,
): VerifiedBlockHeader {
  if (!(rlpHeader instanceof Uint8Array)) return fail('"header" expected bytes')
  if (typeof expectedHash !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(expectedHash)) {
    return fail('"expectedHash" expected 0x + 64 hex digits')
  }
  const hash = `0x${bytesToHex(keccak256(rlpHeader))}` as Hex
  if (hash !== expectedHash.toLowerCase()) {
    return fail(`"header" expected to hash to ${expectedHash.toLowerCase()}, got ${hash}`)
  }
  let fields: unknown
  try {
    fields = RLP.decode(rlpHeader)
  } catch (cause) {
    return fail('"header" is not valid RLP', cause)
  }
  if (!Array.isArray(fields)) return fail('"header" expected an RLP list, got a byte string')
  if (fields.length < MIN_FIELDS || fields.length > MAX_FIELDS) {
    return fail(`"header" expected ${MIN_FIELDS}..${MAX_FIELDS} fields, got ${fields.length}`)
  }
  if (!fields.every((f) => f instanceof Uint8Array)) {
    return fail('"header" expected only byte-string fields, got a nested list')
  }
  const bytes = fields as Uint8Array[]
  const word = (index: number, name: string): Hex => {
    const value = bytes[index] as Uint8Array
    if (value.length !== 32) fail(`"${name}" expected 32 bytes, got ${value.length}`)
    return `0x${bytesToHex(value)}` as Hex
  }
  const uint64 = (index: number, name: string): bigint => {
    const value = bytes[index] as Uint8Array
    if (value.length > 8 || value[0] === 0) {
      fail(`"${name}" expected a canonical integer of at most 8 bytes`)
    }
    return value.length === 0 ? 0n : bytesToNumberBE(value)
  }
  return Object.freeze({
    number: uint64(NUMBER, 'number'),
    hash,
    parentHash: word(PARENT_HASH, 'parentHash'),
    stateRoot: word(STATE_ROOT, 'stateRoot'),
    receiptsRoot: word(RECEIPTS_ROOT, 'receiptsRoot'),
    timestamp: uint64(TIMESTAMP, 'timestamp'),
  })
}
