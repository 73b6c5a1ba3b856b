// ECDSA P-256/SHA-256 verification under the same rule as DeviceRegistry's P256VERIFY check,
// and the strict DER → r‖s conversion that feeds it (the contract takes r and s as bytes32).

import { DER } from '@noble/curves/abstract/der.js'
import { p256 } from '@noble/curves/nist.js'
import { numberToBytesBE } from '@noble/curves/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { hexToBytes, isBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '../errors/VeriotError.ts'
import { hasNodeCrypto, verifyP256WithNodeCrypto } from './verifyP256WithNodeCrypto.ts'

const SCALAR_BYTES = 32
// SEQUENCE { INTEGER r, INTEGER s } with both at 33 bytes (sign padding): 2 + 2 × (2 + 33).
const MAX_DER_BYTES = 72
const MAX_SCALAR = 1n << 256n
const N_BYTES = numberToBytesBE(p256.Point.CURVE().n, SCALAR_BYTES)

/** What computes the curve arithmetic: OpenSSL through node:crypto, or noble (pure JS). */
export type P256Engine = 'node-crypto' | 'noble'

/**
 * True when `signature` (r ‖ s, 64 bytes) is a valid ECDSA P-256 signature of
 * SHA-256(`message`) by `publicKey` (65-byte uncompressed SEC 1 point, `0x04 ‖ x ‖ y`).
 *
 * The rule is the P256VERIFY precompile's (EIP-7951), which the contracts call:
 * - high-S signatures are accepted (see docs/contracts.md, "P-256 signatures: the project's rule");
 * - r or s equal to 0 or ≥ n are rejected;
 * - the public key must be a point on the curve (coordinates < p; not the point at infinity).
 *
 * Runs on node:crypto where the runtime has it, else on noble ({@link getP256Engine}); both
 * engines give the same answer on every input the tests try.
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
  return verifyP256With(getP256Engine(), signature, message, publicKey)
}

/**
 * {@link verifyP256} on a given engine, for the tests that hold the two engines to one rule.
 * The checks that make up the rule run here, before either engine sees the input.
 */
export function verifyP256With(
  engine: P256Engine,
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  try {
    // node:crypto would also take a string as the message; only bytes are signed.
    if (!isBytes(signature) || !isBytes(message) || !isBytes(publicKey)) return false
    if (signature.length !== 2 * SCALAR_BYTES) return false
    // Uncompressed only: the contract stores and checks x and y, never a compressed form.
    if (publicKey.length !== 1 + 2 * SCALAR_BYTES || publicKey[0] !== 0x04) return false
    // Both engines check the range too; checked here so the rule does not rest on either.
    if (!isScalarInRange(signature.subarray(0, SCALAR_BYTES))) return false
    if (!isScalarInRange(signature.subarray(SCALAR_BYTES))) return false
    if (engine === 'node-crypto') return verifyP256WithNodeCrypto(signature, message, publicKey)
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

let engine: P256Engine | undefined

/**
 * The engine {@link verifyP256} uses: node:crypto when the runtime has it and it passes a
 * known-answer self-test on first use, noble otherwise. Chosen once per process (or worker).
 */
export function getP256Engine(): P256Engine {
  engine ??= hasNodeCrypto && isNodeCryptoSound() ? 'node-crypto' : 'noble'
  return engine
}

// Known answer, made with noble: secret key SHA-256("veriot p256 self-test key"), message
// "veriot p256 self-test", RFC 6979 signature (low-S) and its high-S twin (r, n − s).
const SELF_TEST_KEY = hexToBytes(
  '043f8aa4062baf2ecdff7da6fab2e8c461302415a925e5cf63bd126265ec251101' +
    'b03cec57dd816a85b35429ef589b689268a45f1b9607bbbb222fa328135e3316',
)
const SELF_TEST_R = 'e8cf0855d8d740b2243a13027d0aa0c2cf34f6f9159466d3ef14a624871dde14'
const SELF_TEST_S = '58d31de54cb6628709bd948935f714cf55353e8cfad4efc5e5dcad40075c5da1'
const SELF_TEST_HIGH_S = 'a72ce219b3499d79f6426b76ca08eb3067b1bc20ac42aebf0ddd1d82f506c7b0'

/**
 * True when node:crypto gives the project's answers on a known signature: accepted, its high-S
 * twin accepted, the same signature over another message rejected. Elsewhere than Node,
 * node:crypto may be a different implementation; one that disagrees is not used.
 */
function isNodeCryptoSound(): boolean {
  const message = utf8ToBytes('veriot p256 self-test')
  const lowS = hexToBytes(SELF_TEST_R + SELF_TEST_S)
  const highS = hexToBytes(SELF_TEST_R + SELF_TEST_HIGH_S)
  const other = utf8ToBytes('veriot p256 self-test!')
  return (
    verifyP256With('node-crypto', lowS, message, SELF_TEST_KEY) &&
    verifyP256With('node-crypto', highS, message, SELF_TEST_KEY) &&
    !verifyP256With('node-crypto', lowS, other, SELF_TEST_KEY)
  )
}

/** True when 32 big-endian bytes hold a value in [1, n − 1]. */
function isScalarInRange(bytes: Uint8Array): boolean {
  let i = 0
  while (i < SCALAR_BYTES && bytes[i] === N_BYTES[i]) i++
  // Equal to n, or larger at the first byte that differs.
  if (i === SCALAR_BYTES || (bytes[i] as number) > (N_BYTES[i] as number)) return false
  return bytes.some((byte) => byte !== 0)
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
