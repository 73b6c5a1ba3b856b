// Decodes CKA_EC_POINT of a P-256 public key object into the 65-byte SEC1 public key.

import { p256 } from '@noble/curves/nist.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'

/**
 * CKA_EC_POINT is the DER encoding of an OCTET STRING holding the uncompressed point
 * (PKCS#11 v2.40 §2.3.3): 0x04 0x41 ‖ 0x04 ‖ x ‖ y, 67 bytes. Parsed strictly: some tokens
 * return the bare 65-byte point instead; we reject that rather than guess.
 *
 * @throws KEY_MALFORMED
 */
export function ecPointToPublicKey(ecPoint: Uint8Array): Uint8Array {
  const valid =
    ecPoint.length === 67 &&
    ecPoint[0] === 0x04 &&
    ecPoint[1] === 0x41 &&
    p256.utils.isValidPublicKey(ecPoint.subarray(2), false)
  if (!valid) {
    const got = `${ecPoint.length} bytes starting ${bytesToHex(ecPoint.subarray(0, 3)) || '(none)'}`
    throw new VeriotError(
      'KEY_MALFORMED',
      `"CKA_EC_POINT" expected a DER OCTET STRING holding an uncompressed P-256 point (67 bytes, 044104…), got ${got}`,
      { context: { attribute: 'CKA_EC_POINT', length: ecPoint.length } },
    )
  }
  return Uint8Array.from(ecPoint.subarray(2))
}
