// The error every DeviceKey throws when used after close().

import { VeriotError } from '@veriot/core'

/** A VeriotError for a sign() call on a key that was closed. */
export function createClosedKeyError(kind: string): VeriotError {
  return new VeriotError(
    'INVALID_ARGUMENT',
    `"key" expected an open ${kind} key, got a closed one`,
    {
      context: { kind },
    },
  )
}
