// Checks the argument of DeviceKey.sign before it is hashed.

import { VeriotError } from '@veriot/core'

/**
 * Asserts that `message` is a Uint8Array (a Buffer is one).
 *
 * @throws INVALID_ARGUMENT
 */
export function assertSignMessage(message: unknown): asserts message is Uint8Array {
  if (message instanceof Uint8Array) return
  const got = message === null ? 'null' : Array.isArray(message) ? 'an array' : typeof message
  throw new VeriotError('INVALID_ARGUMENT', `"message" expected a Uint8Array, got ${got}`)
}
