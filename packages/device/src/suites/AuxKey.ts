// The second key of a device whose suite is not plain P-256: Ed25519, or ML-DSA-44 in the hybrid.

/** An auxiliary signing key; its public half is committed to on chain by auxKeyHash. */
export type AuxKey = {
  readonly algorithm: 'ed25519' | 'mlDsa44'
  /** Ed25519: 32 bytes; ML-DSA-44: 1312 bytes. */
  readonly publicKey: Uint8Array
  /** Ed25519 (RFC 8032) or ML-DSA-44 (FIPS 204, empty context) over `message` itself. */
  sign(message: Uint8Array): Promise<Uint8Array>
}
