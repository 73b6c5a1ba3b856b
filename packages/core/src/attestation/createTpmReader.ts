// A bounds-checked big-endian reader for TPM 2.0 structures (TPM 2.0 Part 2 marshalling).

import { VeriotError } from '../errors/VeriotError.ts'

/** Reads TPM-marshalled fields from `bytes`; every read past the end is ATTESTATION_MALFORMED. */
export type TpmReader = {
  readonly offset: number
  u8(field: string): number
  u16(field: string): number
  u32(field: string): number
  u64(field: string): bigint
  /** A TPM2B: 16-bit size, then that many bytes (copied); `max` bounds the size. */
  sized(field: string, max: number): Uint8Array
  bytes(field: string, length: number): Uint8Array
  /** Throws unless every byte was read: trailing bytes are never ignored. */
  end(what: string): void
}

/**
 * Creates a reader over `bytes`. `what` names the structure in error messages.
 *
 * @throws ATTESTATION_MALFORMED from every read that would leave the buffer
 */
export function createTpmReader(bytes: Uint8Array, what: string): TpmReader {
  let offset = 0
  const take = (field: string, length: number): Uint8Array => {
    if (length > bytes.length - offset) {
      throw malformed(
        what,
        field,
        `${length} more bytes at offset ${offset}`,
        `${bytes.length - offset}`,
      )
    }
    const out = bytes.slice(offset, offset + length)
    offset += length
    return out
  }
  const uint = (field: string, length: number): number => {
    const b = take(field, length)
    let v = 0
    for (const byte of b) v = v * 256 + byte
    return v
  }
  return {
    get offset() {
      return offset
    },
    u8: (field) => uint(field, 1),
    u16: (field) => uint(field, 2),
    u32: (field) => uint(field, 4),
    u64(field) {
      const b = take(field, 8)
      let v = 0n
      for (const byte of b) v = (v << 8n) | BigInt(byte)
      return v
    },
    sized(field, max) {
      const size = uint(`${field}.size`, 2)
      if (size > max) throw malformed(what, `${field}.size`, `at most ${max}`, `${size}`)
      return take(field, size)
    },
    bytes: take,
    end(structure) {
      if (offset !== bytes.length) {
        throw malformed(
          what,
          structure,
          `${offset} bytes`,
          `${bytes.length} (${bytes.length - offset} trailing)`,
        )
      }
    },
  }
}

function malformed(what: string, field: string, expected: string, got: string): VeriotError {
  return new VeriotError(
    'ATTESTATION_MALFORMED',
    `"${what}.${field}" expected ${expected}, got ${got}`,
    { context: { structure: what, field } },
  )
}
