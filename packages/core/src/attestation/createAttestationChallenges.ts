// The verifier's nonces: each is issued for one device, redeemed once, and only while fresh.
// Memory only; the clock is passed in.

import { bytesToHex, randomBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '../errors/VeriotError.ts'

export type AttestationChallenges = {
  /** A fresh 32-byte random nonce for `deviceId`. */
  issue(deviceId: string): Uint8Array
  /**
   * Marks `nonce` used. Call it when evidence arrives, before verifyAttestation.
   * @throws ATTESTATION_REPLAYED (already redeemed), ATTESTATION_NONCE_MISMATCH (never issued,
   *   or issued for another device), ATTESTATION_EXPIRED (issued longer than ttlMs ago)
   */
  redeem(deviceId: string, nonce: Uint8Array): void
}

export type AttestationChallengesOptions = {
  /** How long a nonce may be redeemed after it was issued. */
  readonly ttlMs: number
  /** The clock, milliseconds since the epoch. */
  readonly now: () => number
  /** Most nonces outstanding (and most remembered as used); the oldest go first. Default 10 000. */
  readonly max?: number
  /** Source of randomness; default the platform's CSPRNG. For tests. */
  readonly randomBytes?: (length: number) => Uint8Array
}

/**
 * Creates a nonce book for a verifier. A nonce is 32 random bytes; it is bound to the device it
 * was issued for, accepted once, and only within `ttlMs`. Used nonces are remembered (up to
 * `max`) so a replayed quote is told apart from a wrong one.
 *
 * @throws INVALID_ARGUMENT on bad options
 * @example
 * const challenges = createAttestationChallenges({ ttlMs: 60_000, now: Date.now })
 * const nonce = challenges.issue(deviceId)
 * // … the device answers with evidence …
 * challenges.redeem(deviceId, evidence.nonce)
 * verifyAttestation(evidence, { nonce, boundKey, expectedMeasurement, maxAgeMs, now: Date.now() })
 */
export function createAttestationChallenges(
  options: AttestationChallengesOptions,
): AttestationChallenges {
  const { ttlMs, now } = options
  const max = options.max ?? 10_000
  const random = options.randomBytes ?? randomBytes
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new VeriotError('INVALID_ARGUMENT', `"ttlMs" expected a positive integer, got ${ttlMs}`)
  }
  if (!Number.isSafeInteger(max) || max <= 0) {
    throw new VeriotError('INVALID_ARGUMENT', `"max" expected a positive integer, got ${max}`)
  }
  // Maps keep insertion order, so the first key is the oldest.
  const issued = new Map<string, { deviceId: string; issuedAt: number }>()
  const used = new Map<string, string>()
  const remember = <V>(map: Map<string, V>, key: string, value: V) => {
    map.set(key, value)
    if (map.size > max) map.delete(map.keys().next().value as string)
  }

  return Object.freeze({
    issue(deviceId: string): Uint8Array {
      const nonce = random(32)
      remember(issued, bytesToHex(nonce), { deviceId: deviceId.toLowerCase(), issuedAt: now() })
      return nonce
    },
    redeem(deviceId: string, nonce: Uint8Array): void {
      const key = nonce instanceof Uint8Array ? bytesToHex(nonce) : ''
      const context = { deviceId }
      if (used.has(key)) {
        throw new VeriotError(
          'ATTESTATION_REPLAYED',
          `"nonce" expected a nonce not used before, got one already redeemed (device ${deviceId})`,
          { context },
        )
      }
      const entry = issued.get(key)
      if (entry === undefined || entry.deviceId !== deviceId.toLowerCase()) {
        throw new VeriotError(
          'ATTESTATION_NONCE_MISMATCH',
          `"nonce" expected a nonce issued to device ${deviceId}, got ${entry === undefined ? 'one never issued' : 'one issued to another device'}`,
          { context },
        )
      }
      issued.delete(key)
      remember(used, key, deviceId)
      const age = now() - entry.issuedAt
      if (!(age >= 0 && age <= ttlMs)) {
        throw new VeriotError(
          'ATTESTATION_EXPIRED',
          `"nonce" expected to be redeemed within ${ttlMs} ms of issue, got ${age} ms (device ${deviceId})`,
          { context: { ...context, ageMs: age } },
        )
      }
    },
  })
}
