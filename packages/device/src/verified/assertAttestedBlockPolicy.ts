// Checks the part of a device's policy that every attested answer (a verified read, a receipt
// proof) is judged by: the chain and registry it trusts, its quorum, and how old a block may be.

import { VeriotError } from '@veriot/core'
import { assertQuorumPolicy } from './assertQuorumPolicy.ts'
import type { AttestedBlockPolicy } from './VerifiedRead.ts'

/**
 * Asserts that `policy` names a positive chain id, a registry address, a valid quorum
 * (assertQuorumPolicy) and, with `maxAgeSeconds`, the device's clock `now`.
 * @throws INVALID_ARGUMENT naming the field
 */
export function assertAttestedBlockPolicy(policy: AttestedBlockPolicy): void {
  const invalid = (message: string): never => {
    throw new VeriotError('INVALID_ARGUMENT', `policy: ${message}`)
  }
  if (typeof policy !== 'object' || policy === null) {
    invalid('expected an object')
    return
  }
  const { chainId, registry, maxAgeSeconds, now } = policy
  if (!Number.isSafeInteger(chainId) || chainId < 1) {
    invalid('"chainId" expected a positive integer')
  }
  if (typeof registry !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(registry)) {
    invalid('"registry" expected 0x + 40 hex digits')
  }
  assertQuorumPolicy(policy.trustedSigners, policy.k)
  if (maxAgeSeconds !== undefined) {
    if (!Number.isSafeInteger(maxAgeSeconds) || maxAgeSeconds < 0) {
      invalid('"maxAgeSeconds" expected a non-negative integer')
    }
    if (!Number.isSafeInteger(now) || (now as number) < 0) {
      invalid('"now" (ms since the Unix epoch) is needed with maxAgeSeconds')
    }
  }
}
