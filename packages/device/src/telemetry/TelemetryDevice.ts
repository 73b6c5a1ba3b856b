// What the publishers need from a device: its id, a signer of telemetry messages that numbers
// them, and a creator of MQTT connect tokens.

import type { Reading, TelemetryMessage } from '@veriot/core'

/** 0x-prefixed hex. */
export type Hex = `0x${string}`

/** A signed, encoded telemetry message. */
export type SignedTelemetry = {
  /** The canonical encoding (what is sent and stored; see encodeTelemetry). */
  readonly bytes: Uint8Array
  /** readingIdOf(bytes): the id the gateway answers with. */
  readonly readingId: Hex
  /** The signed message, frozen. */
  readonly message: TelemetryMessage
}

/** A device that signs telemetry (see createTelemetryDevice). */
export interface TelemetryDevice {
  /** keccak256(x ‖ y) of the device's P-256 key: 0x + 64 lowercase hex digits. */
  readonly deviceId: Hex
  /**
   * Signs one message of `type` with the next sequence number and the current time.
   * @throws TELEMETRY_MALFORMED / TELEMETRY_VALUE_INVALID for bad readings or type (a sequence
   *   number is used up); STORE_FAILED when the sequence cannot be persisted; key errors
   */
  sign(type: string, readings: readonly Reading[]): Promise<SignedTelemetry>
  /** A fresh MQTT connect token (createMqttConnectToken) signed by the device's P-256 key. */
  createConnectToken(): Promise<string>
  /** Persists the sequence counter; the keys stay open (they belong to the caller). */
  close(): Promise<void>
}
