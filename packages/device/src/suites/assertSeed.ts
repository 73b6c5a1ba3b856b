// Checks the optional secret a simulated device's in-memory key is derived from.

import { VeriotError } from '@veriot/core'

/** @throws KEY_MALFORMED unless `seed` is undefined or a Uint8Array of `length` bytes. */
export function assertSeed(field: string, seed: unknown, length: number): void {
  if (seed === undefined || (seed instanceof Uint8Array && seed.length === length)) return
  throw new VeriotError(
    'KEY_MALFORMED',
    `"${field}" expected ${length} bytes, got ${seed instanceof Uint8Array ? `${seed.length} bytes` : typeof seed}`,
  )
}
