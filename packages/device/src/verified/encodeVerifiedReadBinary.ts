// The compact binary form of a verified-read response: the same answer as the JSON form, as
// deterministic CBOR with bytes as bytes (hex spends two characters per byte), the field names
// the response uses as small integers, and each Merkle-proof node sent once.

import { concatBytes, hexToBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'
import { encode, rfc8949EncodeOptions } from 'cborg'
import type { VerifiedReadResponse } from './parseVerifiedReadResponse.ts'
import { verifiedReadBinaryNodeLength } from './verifiedReadBinaryNodeLength.ts'

/** A string the binary form carries as bytes: 0x and an even number of hex digits. */
export const VERIFIED_READ_BINARY_HEX = /^0x(?:[0-9a-fA-F]{2})*$/

/** Most levels of nesting in the binary form (the response uses 4; room for new fields). */
export const VERIFIED_READ_BINARY_MAX_DEPTH = 8

/**
 * Field names written as the integer key 1 + their index. Append-only: a name's number never
 * changes. Names not listed travel as text keys. Key 0 is the proof-node table (top level only).
 */
export const VERIFIED_READ_BINARY_KEYS = Object.freeze([
  'chainId',
  'registry',
  'block',
  'number',
  'hash',
  'header',
  'account',
  'address',
  'proof',
  'storage',
  'slot',
  'value',
  'signatures',
  'signer',
  'signature',
  'aggregate',
  'signers',
] as const)

const KEY_NUMBER: ReadonlyMap<string, number> = new Map(
  VERIFIED_READ_BINARY_KEYS.map((name, i) => [name, i + 1]),
)

/**
 * Encodes a verified-read response (the JSON form `veriot_verifiedRead` answers) in its
 * compact binary form: one deterministic CBOR map (RFC 8949 §4.2.1 core rules: definite
 * lengths, shortest heads, keys sorted bytewise) in which
 *
 * - a string of `0x` and an even number of hex digits is a byte string; any other string (the
 *   decimal block number, an odd-length quantity) stays text; safe integers stay integers;
 * - a field name in VERIFIED_READ_BINARY_KEYS is its integer key; other names stay text, so
 *   fields added later (a BLS `aggregate`, say) travel without a change here;
 * - every `proof` array is a list of indices into one table of distinct trie nodes, stored at
 *   key 0 as their concatenation (each node is one RLP item, so the table splits itself) in
 *   order of first use, walking object keys in code-unit order: the storage proofs of several
 *   slots share their top nodes, which then travel once.
 *
 * Properties that are `undefined` are left out. Hex comes back from decodeVerifiedReadBinary
 * in lowercase: an address's EIP-55 checksum case does not survive (verification compares
 * addresses without case).
 *
 * @throws INVALID_ARGUMENT for a value JSON-RPC could not carry either (a fraction, NaN, a
 *   bigint, a boolean, null, a non-plain object), nesting deeper than
 *   VERIFIED_READ_BINARY_MAX_DEPTH, or a proof node that is not exactly one RLP item
 * @example
 * const bytes = encodeVerifiedReadBinary(response) // under half the bytes of the JSON
 * const same = decodeVerifiedReadBinary(bytes)
 */
export function encodeVerifiedReadBinary(response: VerifiedReadResponse): Uint8Array {
  const nodes: Uint8Array[] = []
  const nodeIndex = new Map<string, number>()

  const invalid = (path: string, message: string): never => {
    throw new VeriotError('INVALID_ARGUMENT', `"${path || 'response'}" ${message}`, {
      context: { field: path },
    })
  }
  const proofToIndices = (proof: unknown[], path: string): number[] =>
    proof.map((node, i) => {
      const lower = (node as string).toLowerCase()
      let index = nodeIndex.get(lower)
      if (index === undefined) {
        const bytes = hexToBytes(lower.slice(2))
        let length: number
        try {
          length = verifiedReadBinaryNodeLength(bytes, 0)
        } catch (cause) {
          throw new VeriotError('INVALID_ARGUMENT', `"${path}.${i}" is not an RLP trie node`, {
            cause,
            context: { field: `${path}.${i}` },
          })
        }
        if (length !== bytes.length) invalid(`${path}.${i}`, 'expected exactly one RLP item')
        index = nodes.length
        nodes.push(bytes)
        nodeIndex.set(lower, index)
      }
      return index
    })

  const walk = (value: unknown, path: string, depth: number): unknown => {
    if (typeof value === 'string') {
      return VERIFIED_READ_BINARY_HEX.test(value) ? hexToBytes(value.slice(2)) : value
    }
    if (typeof value === 'number') {
      return Number.isSafeInteger(value)
        ? value
        : invalid(path, `expected a safe integer, got ${value}`)
    }
    if (typeof value !== 'object' || value === null) {
      return invalid(
        path,
        `expected a string, safe integer, array or plain object, got ${String(value)}`,
      )
    }
    if (depth >= VERIFIED_READ_BINARY_MAX_DEPTH) {
      invalid(path, `is nested deeper than ${VERIFIED_READ_BINARY_MAX_DEPTH} levels`)
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, `${path}.${i}`, depth + 1))
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) invalid(path, 'expected a plain object')
    const out = new Map<number | string, unknown>()
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key]
      if (item === undefined) continue
      const at = path ? `${path}.${key}` : key
      const isProof =
        key === 'proof' &&
        Array.isArray(item) &&
        item.every((n) => typeof n === 'string' && VERIFIED_READ_BINARY_HEX.test(n))
      out.set(
        KEY_NUMBER.get(key) ?? key,
        isProof ? proofToIndices(item, at) : walk(item, at, depth + 1),
      )
    }
    return out
  }

  const top = walk(response, '', 0)
  if (!(top instanceof Map)) return invalid('', 'expected an object')
  if (nodes.length > 0) top.set(0, concatBytes(...nodes))
  return encode(top, rfc8949EncodeOptions)
}
