// Reads the compact binary form of a verified-read response (untrusted bytes from a node,
// gateway or radio link) back into the JSON form, failing closed: size, nesting, CBOR
// validity, canonical encoding and the response schema are all checked before anything else
// looks at it.

import { equalBytes } from '@noble/curves/utils.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'
import { decode, Tokenizer, Type } from 'cborg'
import {
  encodeVerifiedReadBinary,
  VERIFIED_READ_BINARY_HEX,
  VERIFIED_READ_BINARY_KEYS,
  VERIFIED_READ_BINARY_MAX_DEPTH,
} from './encodeVerifiedReadBinary.ts'
import {
  parseVerifiedReadResponse,
  type VerifiedReadResponse,
} from './parseVerifiedReadResponse.ts'
import { verifiedReadBinaryNodeLength } from './verifiedReadBinaryNodeLength.ts'

/**
 * Largest binary response accepted: 512 KiB. A real answer is a few kB per slot (a 7-node
 * storage proof is about 3 kB); 32 slots at mainnet depth stay well under 200 kB.
 */
export const VERIFIED_READ_BINARY_MAX_BYTES = 512 * 1024

// Everything cborg can check while decoding: definite lengths only, shortest integer heads,
// no undefined/NaN/±Infinity/bigint, no tags (none are registered), no duplicate keys. Maps
// stay Maps, so integer keys survive and a "__proto__" key is only ever an own property.
const DECODE_OPTIONS = {
  strict: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowInfinity: false,
  allowNaN: false,
  allowBigInt: false,
  rejectDuplicateMapKeys: true,
  useMaps: true,
} as const

/**
 * Decodes the binary form written by encodeVerifiedReadBinary and checks its shape with
 * parseVerifiedReadResponse. Byte strings come back as lowercase 0x hex. Proves nothing: the
 * result still goes through verifyVerifiedRead.
 *
 * Accepted only in its canonical encoding (the bytes must be exactly what
 * encodeVerifiedReadBinary writes for the decoded value), so one answer has one binary form.
 *
 * @throws READ_MALFORMED for anything but a Uint8Array of at most
 *   VERIFIED_READ_BINARY_MAX_BYTES holding one CBOR item nested at most
 *   VERIFIED_READ_BINARY_MAX_DEPTH deep, in canonical form, of the response's shape (the
 *   message and `context.field` name what is wrong)
 * @example
 * const body = new Uint8Array(await (await fetch(node, request)).arrayBuffer())
 * const read = await verifyVerifiedRead(decodeVerifiedReadBinary(body), policy)
 */
export function decodeVerifiedReadBinary(bytes: Uint8Array): VerifiedReadResponse {
  if (!(bytes instanceof Uint8Array)) {
    throw malformed(`"response" expected bytes (Uint8Array), got ${describe(bytes)}`)
  }
  if (bytes.length > VERIFIED_READ_BINARY_MAX_BYTES) {
    throw malformed(
      `"response" expected at most ${VERIFIED_READ_BINARY_MAX_BYTES} bytes, got ${bytes.length}`,
      { length: bytes.length },
    )
  }
  let value: unknown
  try {
    value = fromCbor(
      decode(bytes, { ...DECODE_OPTIONS, tokenizer: createDepthLimitedTokenizer(bytes) }),
    )
  } catch (cause) {
    throw malformed(
      `"response" expected one deterministic CBOR item, got ${bytes.length} bytes that are not: ${messageOf(cause)}`,
      { length: bytes.length },
      cause,
    )
  }
  const response = parseVerifiedReadResponse(value)
  let canonical: Uint8Array
  try {
    canonical = encodeVerifiedReadBinary(response)
  } catch (cause) {
    throw malformed('"response" could not be re-encoded', { length: bytes.length }, cause)
  }
  if (!equalBytes(canonical, bytes)) {
    throw malformed(
      '"response" expected the canonical binary encoding, got another encoding of the same answer',
      { length: bytes.length },
    )
  }
  return response
}

/** cborg's tokenizer, refusing to open a container deeper than the limit (no deep recursion). */
function createDepthLimitedTokenizer(bytes: Uint8Array) {
  const inner = new Tokenizer(bytes, DECODE_OPTIONS)
  const open: number[] = [] // items still expected by each open array or map, innermost last
  return {
    done: () => inner.done(),
    pos: () => inner.pos(),
    next() {
      const token = inner.next()
      if (open.length > 0) open[open.length - 1] = (open[open.length - 1] as number) - 1
      if (token.type === Type.array || token.type === Type.map) {
        const items = (token.value as number) * (token.type === Type.map ? 2 : 1)
        if (items > 0) {
          if (open.length >= VERIFIED_READ_BINARY_MAX_DEPTH) {
            throw new Error(`nested deeper than ${VERIFIED_READ_BINARY_MAX_DEPTH} levels`)
          }
          open.push(items)
        }
      }
      while (open.length > 0 && open[open.length - 1] === 0) open.pop()
      return token
    },
  }
}

/** The decoded top-level map → the JSON form, with proof indices resolved through key 0. */
function fromCbor(top: unknown): unknown {
  if (!(top instanceof Map)) throw new Error('expected a map')
  const table = top.get(0)
  const nodes: string[] = []
  if (table !== undefined) {
    if (!(table instanceof Uint8Array) || table.length === 0) {
      throw new Error('key 0 expected a non-empty byte string of trie nodes')
    }
    for (let at = 0; at < table.length; ) {
      const length = verifiedReadBinaryNodeLength(table, at)
      nodes.push(`0x${bytesToHex(table.subarray(at, at + length))}`)
      at += length
    }
  }
  top.delete(0)

  const walk = (value: unknown, name: string | undefined): unknown => {
    if (value instanceof Uint8Array) return `0x${bytesToHex(value)}`
    if (typeof value === 'string') {
      if (VERIFIED_READ_BINARY_HEX.test(value)) throw new Error('0x hex carried as text')
      return value
    }
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new Error(`non-integer number ${value}`)
      return value
    }
    if (Array.isArray(value)) {
      if (name !== 'proof') return value.map((item) => walk(item, undefined))
      return value.map((index) => {
        if (!Number.isSafeInteger(index) || index < 0 || index >= nodes.length) {
          throw new Error(
            `proof node index ${String(index)} is not in the table of ${nodes.length}`,
          )
        }
        return nodes[index]
      })
    }
    if (value instanceof Map) {
      const out: Record<string, unknown> = {}
      for (const [key, item] of value) {
        let field: string
        if (typeof key === 'string') field = key
        else if (Number.isSafeInteger(key) && key >= 1 && key <= VERIFIED_READ_BINARY_KEYS.length) {
          field = VERIFIED_READ_BINARY_KEYS[key - 1] as string
        } else throw new Error(`unknown key ${String(key)}`)
        if (Object.hasOwn(out, field)) throw new Error(`field ${field} twice`)
        // defineProperty: a "__proto__" key stays an own key instead of replacing the prototype.
        Object.defineProperty(out, field, {
          value: walk(item, field),
          enumerable: true,
          writable: true,
          configurable: true,
        })
      }
      return out
    }
    throw new Error(`unexpected ${value === null ? 'null' : typeof value}`)
  }
  return walk(top, undefined)
}

function malformed(message: string, context?: Record<string, number>, cause?: unknown) {
  return new VeriotError('READ_MALFORMED', message.slice(0, 300), {
    ...(context ? { context } : {}),
    ...(cause !== undefined ? { cause } : {}),
  })
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
