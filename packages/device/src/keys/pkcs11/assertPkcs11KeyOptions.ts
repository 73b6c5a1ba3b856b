// The options that locate a PKCS#11 key, and their check.

import { VeriotError } from '@veriot/core'
import { assertKeySecret } from '../assertKeySecret.ts'

/** Where a PKCS#11 key lives and how to log in to it. */
export type Pkcs11KeyOptions = {
  /** Path of the PKCS#11 module (.so), e.g. /usr/lib/softhsm/libsofthsm2.so. */
  readonly modulePath: string
  /** CK_TOKEN_INFO.label of the token, without blank padding. */
  readonly tokenLabel: string
  /** The token's user PIN. Never logged or put in a message. */
  readonly pin: string
  /** CKA_LABEL of the key pair (createPkcs11Key also sets CKA_ID to it). */
  readonly label: string
}

/**
 * Checks the options shared by openPkcs11Key and createPkcs11Key.
 *
 * @throws KEY_PASSPHRASE_MISSING, INVALID_ARGUMENT
 */
export function assertPkcs11KeyOptions(options: Pkcs11KeyOptions): void {
  for (const field of ['modulePath', 'tokenLabel', 'label'] as const) {
    const value: unknown = options[field]
    if (typeof value !== 'string' || value.length === 0) {
      throw new VeriotError(
        'INVALID_ARGUMENT',
        `"${field}" expected a non-empty string, got ${typeof value === 'string' ? 'an empty string' : typeof value}`,
        {
          context: { field },
        },
      )
    }
  }
  assertKeySecret(options.pin, 'pin')
}
