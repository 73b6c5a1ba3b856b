// Checks the options every TPM key function takes.

import { VeriotError } from '@veriot/core'
import type { TpmKeyOptions } from './TpmKeyStore.ts'

/**
 * Checks the options of the TPM key functions.
 * @throws INVALID_ARGUMENT
 */
export function assertTpmKeyOptions(options: TpmKeyOptions): TpmKeyOptions {
  if (typeof options !== 'object' || options === null) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"options" expected an object, got ${options === null ? 'null' : typeof options}`,
    )
  }
  if (
    typeof options.path !== 'string' ||
    options.path.length === 0 ||
    options.path.includes('\0')
  ) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      '"path" expected a non-empty file path without NUL, got something else',
    )
  }
  if (
    options.tcti !== undefined &&
    (typeof options.tcti !== 'string' || options.tcti.length === 0)
  ) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      '"tcti" expected a non-empty TCTI string such as swtpm:host=127.0.0.1,port=2321',
    )
  }
  return options
}
