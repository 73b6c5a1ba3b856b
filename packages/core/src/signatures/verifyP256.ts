// ECDSA P-256/SHA-256 verification under the same rule as DeviceRegistry's P256VERIFY check,
// and the strict DER → r‖s conversion that feeds it (the contract takes r and s as bytes32).

import { DER } from '@noble/curves/abstract/der.js'
import { p256 } from '@noble/curves/nist.js'
import { numberToBytesBE } from '@noble/curves/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { VeriotError } from '../errors/VeriotError.ts'

const SCALAR_BYTES = 32
// SEQUENCE { INTEGER r, INTEGER s } with both at 33 bytes (sign padding): 2 + 2 × (2 + 33).
const MAX_DER_BYTES = 72
const MAX_SCALAR = 1n << 256n

/**
 * True when `signature` (r ‖ s, 64 bytes) is a valid ECDSA P-256 signature of
 * SHA-256(`message`) by `publicKey` (65-byte uncompressed SEC 1 point, `0x04 ‖ x ‖ y`).
 *
 * The rule is the P256VERIFY precompile's (EIP-7951), which the contracts call:
 * - high-S signatures are accepted (see docs/contracts.md, "P-256 signatures: the project's rule");
 * - r or s equal to 0 or ≥ n are rejected;
 * - the public key must be a point on the curve (not the point at infinity).
 *
 * Pure and fails closed: wrong lengths, a bad key or any exception inside give `false`.
 *
 * @example
 * const ok = verifyP256(p256DerToCompact(derSignature), message, publicKey)
 */
export function verifyP256(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  try {
    if (signature.length !== 2 * SCALAR_BYTES) return false
    // Uncompressed only: the contract stores and checks x and y, never a compressed form.
    if (publicKey.length !== 1 + 2 * SCALAR_BYTES || publicKey[0] !== 0x04) return false
    // Differs from noble's default (lowS: true): the precompile accepts high-S, and so do we.
    return p256.verify(signature, sha256(message), publicKey, {
      prehash: false,
      lowS: false,
      format: 'compact',
    })
  } catch {
    return false
  }
}

/**
 * Converts a DER-encoded ECDSA signature (`SEQUENCE { INTEGER r, INTEGER s }`) to r ‖ s
 * (64 bytes), accepting only the canonical DER encoding: no BER long-form or indefinite
 * lengths, no extra leading zeros, no missing sign byte, no negative integers, no trailing
 * bytes. Only the encoding is checked here; the range 1 ≤ r, s < n is checked by
 * {@link verifyP256} and by the precompile.
 *
 * @throws SIGNATURE_MALFORMED when the bytes are not strict DER or r or s needs more than 32 bytes.
 * @example
 * const compact = p256DerToCompact(derSignature) // Uint8Array(64)
 */
export function p256DerToCompact(der: Uint8Array): Uint8Array {
  let r: bigint
  let s: bigint
  try {
    if (der.length > MAX_DER_BYTES)
      throw new Error(`longer than ${MAX_DER_BYTES} bytes`)
      // noble's DER parser is strict: it rejects every non-canonical form listed above.
    ;({ r, s } = DER.toSig(der, SCALAR_BYTES + 1))
  } catch (cause) {
    throw new VeriotError(
      'SIGNATURE_MALFORMED',
      `"signature" expected strict DER SEQUENCE { INTEGER r, INTEGER s }, got ${describe(der)}: ${messageOf(cause)}`,
      { cause, context: { length: lengthOf(der) } },
    )
  }
  // A 33-byte INTEGER without a 0x00 sign byte is ≥ 2^256 and cannot be a P-256 scalar.
  if (r >= MAX_SCALAR || s >= MAX_SCALAR) {
    throw new VeriotError(
      'SIGNATURE_MALFORMED',
      `"signature" expected r and s of at most 32 bytes, got ${r >= MAX_SCALAR ? 'r' : 's'} ≥ 2^256`,
      { context: { length: der.length } },
    )
  }
  const compact = new Uint8Array(2 * SCALAR_BYTES)
  compact.set(numberToBytesBE(r, SCALAR_BYTES), 0)
  compact.set(numberToBytesBE(s, SCALAR_BYTES), SCALAR_BYTES)
  return compact
}

function lengthOf(value: unknown): number | undefined {
  return value instanceof Uint8Array ? value.length : undefined
}

function describe(value: unknown): string {
  return value instanceof Uint8Array ? `${value.length} bytes` : typeof value
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
