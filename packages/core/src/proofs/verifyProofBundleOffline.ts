// The offline half of proof-bundle verification: everything that needs no chain access —
// the message is canonical, signed by the key the device id commits to, and included in the
// batch root by its Merkle path. Pure: no I/O, no clock.

import { bytesToHex, hexToBytes } from 'viem'
import { VeriotError } from '../errors/VeriotError.ts'
import { verifyMerkleInclusion } from '../merkle/verifyMerkleInclusion.ts'
import { deviceIdFromPublicKey } from '../registry/deviceId.ts'
import { Suite } from '../registry/suites.ts'
import { auxKeyHashOf } from '../telemetry/auxKeyHashOf.ts'
import { decodeTelemetry } from '../telemetry/decodeTelemetry.ts'
import { readingIdOf } from '../telemetry/readingIdOf.ts'
import type { TelemetryMessage } from '../telemetry/TelemetryMessage.ts'
import { verifyTelemetrySignature } from '../telemetry/verifyTelemetrySignature.ts'
import type { ProofBundle } from './ProofBundle.ts'

/**
 * Checks a parsed bundle offline and returns the verified message.
 * @throws TELEMETRY_* (message), BUNDLE_MALFORMED (reading id, time range), BUNDLE_KEY_MISMATCH,
 *   SUITE_MISMATCH, AUX_KEY_MISMATCH, SIGNATURE_INVALID, MERKLE_PROOF_INVALID
 */
export function verifyProofBundleOffline(bundle: ProofBundle): TelemetryMessage {
  const bytes = hexToBytes(bundle.reading.message as `0x${string}`)
  const message = decodeTelemetry(bytes)
  const id = readingIdOf(bytes)
  if (id !== bundle.reading.id) {
    throw new VeriotError(
      'BUNDLE_MALFORMED',
      `"reading.id" expected ${id} (the leaf hash of reading.message), got ${bundle.reading.id}`,
    )
  }
  const publicKey = hexToBytes(bundle.device.publicKey as `0x${string}`)
  const deviceId = deviceIdFromPublicKey(publicKey)
  if (deviceId !== bundle.device.id) {
    throw new VeriotError(
      'BUNDLE_KEY_MISMATCH',
      `"device.id" expected ${deviceId} (keccak256 of device.publicKey), got ${bundle.device.id}`,
    )
  }
  if (bytesToHex(message.deviceId) !== deviceId) {
    throw new VeriotError(
      'BUNDLE_KEY_MISMATCH',
      `"message device id" expected ${deviceId}, got ${bytesToHex(message.deviceId)}`,
    )
  }
  if (message.suite !== Suite[bundle.device.suite]) {
    throw new VeriotError(
      'SUITE_MISMATCH',
      `"suite" expected ${Suite[bundle.device.suite]} (${bundle.device.suite}), got ${message.suite}`,
    )
  }
  let auxPublicKey: Uint8Array | undefined
  if (message.suite !== Suite.p256) {
    const aux =
      message.auxPublicKey ??
      (bundle.device.auxPublicKey
        ? hexToBytes(bundle.device.auxPublicKey as `0x${string}`)
        : undefined)
    if (!aux || auxKeyHashOf(aux) !== bundle.device.auxKeyHash) {
      throw new VeriotError(
        'AUX_KEY_MISMATCH',
        `auxiliary key does not hash to device.auxKeyHash ${bundle.device.auxKeyHash}`,
      )
    }
    auxPublicKey = aux
  }
  const ok = verifyTelemetrySignature(
    message,
    auxPublicKey ? { p256PublicKey: publicKey, auxPublicKey } : { p256PublicKey: publicKey },
  )
  if (!ok) {
    throw new VeriotError(
      'SIGNATURE_INVALID',
      `the reading's signature does not verify with device ${deviceId}'s key`,
    )
  }
  if (bundle.inclusion.treeSize !== bundle.batch.count) {
    throw new VeriotError(
      'MERKLE_PROOF_INVALID',
      `"inclusion.treeSize" expected ${bundle.batch.count} (batch.count), got ${bundle.inclusion.treeSize}`,
    )
  }
  verifyMerkleInclusion({
    leafHash: hexToBytes(id),
    index: bundle.inclusion.leafIndex,
    treeSize: bundle.inclusion.treeSize,
    proof: bundle.inclusion.path.map((h) => hexToBytes(h as `0x${string}`)),
    root: hexToBytes(bundle.batch.root as `0x${string}`),
  })
  if (
    message.timestamp < bundle.batch.firstTimestamp ||
    message.timestamp > bundle.batch.lastTimestamp
  ) {
    throw new VeriotError(
      'BUNDLE_MALFORMED',
      `"batch time range" expected to contain the reading's timestamp ${message.timestamp}, got ${bundle.batch.firstTimestamp}..${bundle.batch.lastTimestamp}`,
    )
  }
  return message
}
