// CKA_EC_PARAMS of a P-256 key: the DER OID prime256v1, 1.2.840.10045.3.1.7.

/** DER encoding of OBJECT IDENTIFIER 1.2.840.10045.3.1.7 (prime256v1 / secp256r1 / P-256). */
export const P256_EC_PARAMS = Uint8Array.of(
  0x06,
  0x08,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x03,
  0x01,
  0x07,
)
