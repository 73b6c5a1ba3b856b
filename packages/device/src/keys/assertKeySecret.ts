// Checks that a passphrase or PIN was given, without ever echoing it.

import { VeriotError } from '@veriot/core'

const envHint = { passphrase: 'VERIOT_KEY_PASSPHRASE', pin: 'VERIOT_PKCS11_PIN' } as const

/**
 * Asserts that `value` is a non-empty string. The message names the secret and the environment
 * variable the CLI reads it from, never the value.
 *
 * @throws KEY_PASSPHRASE_MISSING
 */
export function assertKeySecret(
  value: unknown,
  name: 'passphrase' | 'pin',
): asserts value is string {
  if (typeof value === 'string' && value.length > 0) return
  const got = typeof value === 'string' ? 'an empty string' : 'nothing'
  throw new VeriotError(
    'KEY_PASSPHRASE_MISSING',
    `"${name}" expected a non-empty string (the CLI reads it from ${envHint[name]}), got ${got}`,
    { context: { secret: name } },
  )
}
