// What a verifying device asks for (the policy it holds) and what it believes afterwards (a
// verified read): contract storage proven against a block header that k authorities signed.

import type { Hex } from '../telemetry/TelemetryDevice.ts'

/** A 20-byte account address, 0x + 40 hex digits. */
export type Address = `0x${string}`

/**
 * What the device trusts about any attested block; held by the device, never taken from a
 * response. Every attested answer (a verified read, a receipt proof) is judged by it.
 */
export type AttestedBlockPolicy = {
  /** The chain the device lives on; part of every attestation digest. */
  readonly chainId: number
  /** The AuthorityRegistry the authorities are staked in; part of every attestation digest. */
  readonly registry: Address
  /** A Set of the authority signer addresses the device trusts, 0x + 40 lowercase hex digits. */
  readonly trustedSigners: ReadonlySet<Address>
  /**
   * BLS12-381 keys of trusted signers (lowercase address → 0x + 192 hex digits, uncompressed
   * G1), read with a proof from AuthorityRegistry (readAuthoritySet). Needed to accept a
   * response that carries one aggregate signature instead of per-signer signatures.
   */
  readonly trustedBlsKeys?: ReadonlyMap<Address, Hex>
  /** Distinct trusted signers needed (≥ 1, ≤ trustedSigners.size). */
  readonly k: number
  /** Reject blocks older than this, measured from the header's timestamp to `now`. */
  readonly maxAgeSeconds?: number
  /** The device's clock, ms since the Unix epoch (as Date.now()); needed with maxAgeSeconds. */
  readonly now?: number
}

/** What the device trusts and asks; held by the device, never taken from a response. */
export type VerifiedReadPolicy = AttestedBlockPolicy & {
  /** The contract whose storage the device asked about. */
  readonly address: Address
  /** The storage slots it asked about (32-byte words); each must be answered, nothing more. */
  readonly slots: readonly Hex[]
}

/** A verified read: every value is proven against an attested block. Frozen. */
export type VerifiedRead = {
  readonly blockNumber: bigint
  /** 0x + 64 lowercase hex digits. */
  readonly blockHash: Hex
  /** The header's timestamp, seconds since the Unix epoch. */
  readonly timestamp: bigint
  /** The distinct trusted authorities whose signatures over this block were counted. */
  readonly signers: readonly Address[]
  /** Proven value of each asked slot (keys: 0x + 64 lowercase hex digits); 0n when unset. */
  readonly values: ReadonlyMap<Hex, bigint>
}
