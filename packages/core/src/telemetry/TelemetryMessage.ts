// The telemetry message a device signs: its fields, limits and domain tag. The wire form is
// deterministic CBOR with one-letter keys (encodeTelemetry); these are the decoded shapes.

import type { SuiteId } from '../registry/suites.ts'

/** Domain-separation tag in front of every signed telemetry encoding (then one 0x00 byte). */
export const TELEMETRY_DOMAIN = 'VERIOT/telemetry/v1'
/** utf8(TELEMETRY_DOMAIN) ‖ 0x00: the first bytes of everything a telemetry signature covers. */
export const TELEMETRY_SIGNING_PREFIX = Uint8Array.of(
  ...new TextEncoder().encode(TELEMETRY_DOMAIN),
  0x00,
)
/** Format version, the `v` field. */
export const TELEMETRY_VERSION = 1
/** Largest accepted encoded message, in bytes (16 KiB; the largest valid message is ~8.3 KB). */
export const TELEMETRY_MAX_BYTES = 16 * 1024
/** Most readings one message may carry. */
export const TELEMETRY_MAX_READINGS = 64

/** One measured value: `{ k: name, v: value, u: unit }` on the wire. */
export type Reading = {
  /** 1–32 characters of [a-z0-9_.-], unique within the message. */
  readonly name: string
  /** A finite number: NaN and ±Infinity are refused, −0 is written (and read back) as 0. */
  readonly value: number
  /** 1–16 printable ASCII characters, UCUM-like ("Cel", "%", "hPa"; "1" for a plain count). */
  readonly unit: string
}

/** Everything a device signs. */
export type UnsignedTelemetry = {
  /** `v`: always {@link TELEMETRY_VERSION}. */
  readonly version: typeof TELEMETRY_VERSION
  /** `d`: the 32-byte device id, keccak256(x ‖ y) of the device's P-256 key. */
  readonly deviceId: Uint8Array
  /** `n`: 1 ≤ n ≤ 2^53 − 1, strictly increasing per device (checked by the gateway). */
  readonly sequence: number
  /** `t`: milliseconds since the Unix epoch, 0 ≤ t ≤ 2^53 − 1. */
  readonly timestamp: number
  /** `y`: the message type; the device needs the capability `telemetry:<type>`. */
  readonly type: string
  /** `r`: 1 to {@link TELEMETRY_MAX_READINGS} readings. */
  readonly readings: readonly Reading[]
  /** `s`: the signature suite (must be the one registered for the device). */
  readonly suite: SuiteId
  /**
   * `a`: the device's auxiliary public key (Ed25519: 32 bytes; ML-DSA-44: 1312 bytes), so a
   * gateway can learn it; it must hash to the registered auxKeyHash (see auxKeyHashOf).
   * Absent for the p256 suite.
   */
  readonly auxPublicKey?: Uint8Array
}

/** A signed telemetry message. */
export type TelemetryMessage = UnsignedTelemetry & {
  /**
   * `g`: p256: r ‖ s (64 bytes); ed25519: R ‖ S (64 bytes); mldsa44P256: P-256 r ‖ s
   * (64 bytes) ‖ ML-DSA-44 signature (2420 bytes).
   */
  readonly signature: Uint8Array
}
