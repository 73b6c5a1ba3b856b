// Checks, at the moment a verified attestation is relied on, that it has not expired.

import { VeriotError } from '../errors/VeriotError.ts'
import type { AttestationResult } from './verifyAttestation.ts'

/**
 * Asserts that `result` is still valid at `now` (milliseconds since the epoch): now < expiresAt.
 *
 * @throws ATTESTATION_EXPIRED
 * @example
 * assertAttestationFresh(lastAttestation, Date.now())
 */
export function assertAttestationFresh(result: AttestationResult, now: number): void {
  if (Number.isFinite(now) && now < result.expiresAt) return
  throw new VeriotError(
    'ATTESTATION_EXPIRED',
    `"attestation" expected to be valid until ${result.expiresAt}, got now = ${now} (device ${result.deviceId})`,
    { context: { deviceId: result.deviceId, expiresAt: result.expiresAt, now } },
  )
}
