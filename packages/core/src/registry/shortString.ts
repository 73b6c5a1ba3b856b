// Short ASCII labels (model names, reasons) stored left-aligned in a bytes32.

import { type Hex, hexToString, stringToHex } from 'viem'
import { VeriotError } from '../errors/VeriotError.ts'

/** Encodes printable ASCII of at most 31 characters as bytes32. @throws INVALID_ARGUMENT */
export function shortStringToBytes32(field: string, value: string): Hex {
  if (!/^[\x20-\x7e]{0,31}$/.test(value)) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"${field}" expected at most 31 printable ASCII characters, got ${JSON.stringify(value.slice(0, 40))} (${value.length} chars)`,
    )
  }
  return stringToHex(value, { size: 32 })
}

/** Decodes a left-aligned bytes32 label, dropping the zero padding. */
export function shortStringFromBytes32(value: Hex): string {
  return hexToString(value, { size: 32 }).replace(/\0+$/, '')
}
