// The one parser for whole-number command-line options (ports, sizes, limits, depths).

import { VeriotError } from '@veriot/core'

/** Parses `value` as a decimal integer in [min, max]. @throws INVALID_ARGUMENT */
export function parseIntegerOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value)
  if (!/^\d{1,16}$/.test(value) || n < min || n > max) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"${name}" expected an integer ${min}..${max}, got ${JSON.stringify(value.slice(0, 40))}`,
    )
  }
  return n
}
