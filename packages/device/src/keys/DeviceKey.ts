// The one interface every device key implements, wherever its private half lives.

/** A P-256 device key whose private half may live in hardware. */
export interface DeviceKey {
  readonly kind: 'software' | 'pkcs11' | 'tpm'
  /** Uncompressed SEC1 public key, 65 bytes: 0x04 ‖ x ‖ y. */
  readonly publicKey: Uint8Array
  /** ECDSA P-256 over SHA-256(message); returns the 64-byte r ‖ s (IEEE P1363). Any s (high-S allowed). */
  sign(message: Uint8Array): Promise<Uint8Array>
  /** Releases sessions/handles. Idempotent. */
  close(): Promise<void>
}
