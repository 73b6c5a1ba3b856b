// Checks the device's own quorum settings: whom it trusts and how many of them must agree.

import { VeriotError } from '@veriot/core'
import type { Address } from './VerifiedRead.ts'

const LOWER_ADDRESS = /^0x[0-9a-f]{40}$/

/**
 * Asserts that `trustedSigners` is a Set of lowercase addresses and `k` an integer from 1 to
 * its size (a larger k could never be met; k = 0 would accept anything).
 * @throws INVALID_ARGUMENT
 */
export function assertQuorumPolicy(trustedSigners: ReadonlySet<Address>, k: number): void {
  if (!(trustedSigners instanceof Set)) {
    throw new VeriotError('INVALID_ARGUMENT', '"trustedSigners" expected a Set of addresses')
  }
  for (const signer of trustedSigners) {
    if (typeof signer !== 'string' || !LOWER_ADDRESS.test(signer)) {
      throw new VeriotError(
        'INVALID_ARGUMENT',
        `"trustedSigners" expected 0x + 40 lowercase hex digits, got ${String(signer).slice(0, 50)}`,
      )
    }
  }
  if (!Number.isSafeInteger(k) || k < 1 || k > trustedSigners.size) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"k" expected an integer 1..${trustedSigners.size} (the trusted signers), got ${String(k)}`,
    )
  }
}
