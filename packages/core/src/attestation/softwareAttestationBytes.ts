// The bytes a device without a TPM signs to attest: domain tag, device id, claimed level,
// verifier nonce and firmware measurement, in one canonical encoding.

import { hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import type { Hex } from 'viem'
import { VeriotError } from '../errors/VeriotError.ts'

/** Domain-separation tag of software attestation (never a prefix of another Veriot tag). */
export const SOFTWARE_ATTESTATION_DOMAIN = 'veriot/attestation/software/v1\0'

const DOMAIN_BYTES = utf8ToBytes(SOFTWARE_ATTESTATION_DOMAIN)
const LEVEL_BYTE = { software: 0x01, hsm: 0x02 } as const

/**
 * `domain ‖ deviceId (32) ‖ level (1: 0x01 software, 0x02 hsm) ‖ nonce length (1) ‖ nonce ‖
 * measurement (32)`. The device key signs SHA-256 of these bytes.
 *
 * @throws INVALID_ARGUMENT on a device id that is not 32 bytes of hex, a nonce longer than 255
 *   bytes or a measurement that is not 32 bytes
 * @example
 * const signature = await key.sign(softwareAttestationBytes({ deviceId, level: 'software', nonce, measurement }))
 */
export function softwareAttestationBytes(subject: {
  readonly deviceId: Hex
  readonly level: 'software' | 'hsm'
  readonly nonce: Uint8Array
  readonly measurement: Uint8Array
}): Uint8Array {
  const { deviceId, level, nonce, measurement } = subject
  if (!/^0x[0-9a-fA-F]{64}$/.test(deviceId)) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"deviceId" expected 0x + 64 hex digits, got ${String(deviceId).slice(0, 80)}`,
    )
  }
  if (nonce.length > 255) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"nonce" expected at most 255 bytes, got ${nonce.length}`,
    )
  }
  if (measurement.length !== 32) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"measurement" expected 32 bytes, got ${measurement.length}`,
    )
  }
  const out = new Uint8Array(DOMAIN_BYTES.length + 32 + 1 + 1 + nonce.length + 32)
  let o = 0
  out.set(DOMAIN_BYTES, o)
  o += DOMAIN_BYTES.length
  out.set(hexToBytes(deviceId.slice(2)), o)
  o += 32
  out[o++] = LEVEL_BYTE[level]
  out[o++] = nonce.length
  out.set(nonce, o)
  o += nonce.length
  out.set(measurement, o)
  return out
}
