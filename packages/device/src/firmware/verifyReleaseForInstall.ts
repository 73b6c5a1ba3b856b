// The device's one decision before an update: may it install this image? Pure: the release
// information comes as a verified read (storage proven against a block k authorities signed),
// the clock and the installed version come in the policy; the update package proves nothing.

import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import {
  decodeModelVersionsWord,
  decodeReleaseHeaderWord,
  firmwareVerdictFromWords,
  firmwareVersionFromUint64,
  VeriotError,
} from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import type { VerifiedRead } from '../verified/VerifiedRead.ts'
import type { FirmwareCandidate, InstallableRelease, InstallPolicy } from './FirmwareUpdate.ts'
import { releaseInstallSlots } from './releaseInstallSlots.ts'

const U64 = 0xffffffffffffffffn

/**
 * Checks `candidate` against the release information of (policy.model, candidate.version)
 * proven by `read` (ask for `releaseInstallSlots(model, version).all`), in this order:
 * arguments (INVALID_ARGUMENT); the package is for the device's own model
 * (FIRMWARE_MODEL_MISMATCH); its version is above the installed one (FIRMWARE_VERSION_NOT_NEWER:
 * no rollback, no reinstall); the read answers every slot (READ_MISMATCH); the read's block is
 * at most `maxAgeSeconds` old and not older than `notBeforeBlock` (READ_STALE: frozen or old
 * information); the release's verdict at that block is Approved (FIRMWARE_RELEASE_UNKNOWN,
 * FIRMWARE_RELEASE_NOT_APPROVED for fewer than k approvals, FIRMWARE_RELEASE_REVOKED with
 * context `lockdown`, FIRMWARE_VERSION_BELOW_MINIMUM); the image's size and SHA-256 are the
 * approved ones (FIRMWARE_IMAGE_MISMATCH); the approved measurement is set
 * (FIRMWARE_RELEASE_INVALID).
 *
 * The k release-key signatures are not re-checked here: FirmwareRegistry stores no signature,
 * only the count and mask of the keys that signed, and sets Approved only after checking k
 * distinct current keys with P256VERIFY; the proven status word is that fact.
 *
 * Fails closed: an unexpected exception is INTERNAL, never an installable release.
 *
 * @returns the installable release, frozen
 * @throws INVALID_ARGUMENT, FIRMWARE_MODEL_MISMATCH, FIRMWARE_VERSION_NOT_NEWER, READ_MISMATCH,
 *   READ_STALE, FIRMWARE_RELEASE_UNKNOWN, FIRMWARE_RELEASE_NOT_APPROVED, FIRMWARE_RELEASE_REVOKED,
 *   FIRMWARE_VERSION_BELOW_MINIMUM, FIRMWARE_IMAGE_MISMATCH, FIRMWARE_RELEASE_INVALID, INTERNAL
 * @example
 * const slots = releaseInstallSlots('coldchain-sensor', candidate.version)
 * const read = await client.read({ address: firmwareRegistry, slots: slots.all, maxAgeSeconds: 300 })
 * const release = verifyReleaseForInstall(read, candidate, {
 *   model: 'coldchain-sensor', installedVersion, maxAgeSeconds: 300, now: Date.now(),
 * })
 */
export function verifyReleaseForInstall(
  read: VerifiedRead,
  candidate: FirmwareCandidate,
  policy: InstallPolicy,
): InstallableRelease {
  assertArguments(read, candidate, policy)
  try {
    return verifyChecked(read, candidate, policy)
  } catch (cause) {
    if (cause instanceof VeriotError) throw cause
    throw new VeriotError('INTERNAL', 'release information could not be checked', { cause })
  }
}

function verifyChecked(
  read: VerifiedRead,
  candidate: FirmwareCandidate,
  policy: InstallPolicy,
): InstallableRelease {
  const { model, installedVersion } = policy
  const version = candidate.version
  const v = firmwareVersionFromUint64(version)
  const context = { model, version: v }
  if (candidate.model !== model) {
    throw new VeriotError(
      'FIRMWARE_MODEL_MISMATCH',
      `"model" expected ${model} (this device's), got ${JSON.stringify(candidate.model.slice(0, 40))}`,
      { context: { model, candidateModel: candidate.model.slice(0, 40), version: v } },
    )
  }
  if (version <= installedVersion) {
    throw new VeriotError(
      'FIRMWARE_VERSION_NOT_NEWER',
      `"version" expected above the installed ${firmwareVersionFromUint64(installedVersion)}, got ${v}`,
      { context: { ...context, installedVersion: firmwareVersionFromUint64(installedVersion) } },
    )
  }

  const slots = releaseInstallSlots(model, version)
  const word = (slot: Hex): bigint => {
    const value = read.values.get(slot)
    if (value === undefined) {
      throw new VeriotError(
        'READ_MISMATCH',
        `the verified read does not answer slot ${slot} of release ${model} ${v}`,
        { context: { ...context, slot } },
      )
    }
    return value
  }
  const header = word(slots.releaseHeader)
  const imageHash = word(slots.imageHash)
  const measurement = word(slots.measurement)
  const sizeWord = word(slots.imageSizeRevokedAt)
  const versions = word(slots.modelVersions)

  const ageMs = BigInt(policy.now) - read.timestamp * 1000n
  if (ageMs > BigInt(policy.maxAgeSeconds) * 1000n) {
    throw new VeriotError(
      'READ_STALE',
      `release information from block ${read.blockNumber} is ${ageMs / 1000n} s old, more than the allowed ${policy.maxAgeSeconds} s`,
      {
        context: {
          ...context,
          blockNumber: read.blockNumber,
          timestamp: read.timestamp,
          maxAgeSeconds: policy.maxAgeSeconds,
        },
      },
    )
  }
  if (policy.notBeforeBlock !== undefined && read.blockNumber < policy.notBeforeBlock) {
    throw new VeriotError(
      'READ_STALE',
      `release information from block ${read.blockNumber} is older than block ${policy.notBeforeBlock}, which this device already saw`,
      {
        context: {
          ...context,
          blockNumber: read.blockNumber,
          notBeforeBlock: policy.notBeforeBlock,
        },
      },
    )
  }

  const at = { ...context, blockNumber: read.blockNumber }
  const verdict = firmwareVerdictFromWords(version, header, versions)
  const { minimumVersion } = decodeModelVersionsWord(versions)
  switch (verdict) {
    case 'approved':
      break
    case 'unknown':
      throw new VeriotError('FIRMWARE_RELEASE_UNKNOWN', `model ${model} has no release ${v}`, {
        context: at,
      })
    case 'pending':
      throw new VeriotError(
        'FIRMWARE_RELEASE_NOT_APPROVED',
        `release ${model} ${v} has fewer than k approvals (status Pending at block ${read.blockNumber})`,
        { context: at },
      )
    case 'revoked':
    case 'lockdown':
      throw new VeriotError(
        'FIRMWARE_RELEASE_REVOKED',
        `release ${model} ${v} is revoked${verdict === 'lockdown' ? ' with lockdown' : ''}`,
        { context: { ...at, lockdown: verdict === 'lockdown' } },
      )
    case 'belowMinimum':
      throw new VeriotError(
        'FIRMWARE_VERSION_BELOW_MINIMUM',
        `"version" expected at least the minimum ${firmwareVersionFromUint64(minimumVersion)} of ${model}, got ${v}`,
        { context: { ...at, minimumVersion: firmwareVersionFromUint64(minimumVersion) } },
      )
  }

  const imageSize = sizeWord & U64
  if (BigInt(candidate.image.length) !== imageSize) {
    throw new VeriotError(
      'FIRMWARE_IMAGE_MISMATCH',
      `"image" expected ${imageSize} bytes (approved), got ${candidate.image.length} bytes`,
      { context: at },
    )
  }
  const approvedHash = word32ToHex(imageHash)
  const gotHash = `0x${bytesToHex(sha256(candidate.image))}` as Hex
  if (gotHash !== approvedHash) {
    throw new VeriotError(
      'FIRMWARE_IMAGE_MISMATCH',
      `"image" SHA-256 expected ${approvedHash} (approved), got ${gotHash}`,
      { context: at },
    )
  }
  if (measurement === 0n) {
    // The contract refuses a zero measurement; a zero here means the proof is of something else.
    throw new VeriotError(
      'FIRMWARE_RELEASE_INVALID',
      `release ${model} ${v} has no measurement at block ${read.blockNumber}`,
      { context: at },
    )
  }
  return Object.freeze({
    model,
    modelId: slots.modelId,
    version,
    imageHash: approvedHash,
    imageSize,
    measurement: hexToBytes(word32ToHex(measurement).slice(2)),
    minimumVersion,
    approvals: decodeReleaseHeaderWord(header).approvals,
    blockNumber: read.blockNumber,
    blockHash: read.blockHash,
    timestamp: read.timestamp,
    signers: Object.freeze([...read.signers]),
  })
}

function word32ToHex(word: bigint): Hex {
  return `0x${word.toString(16).padStart(64, '0')}` as Hex
}

/** @throws INVALID_ARGUMENT */
function assertArguments(read: VerifiedRead, candidate: FirmwareCandidate, policy: InstallPolicy) {
  const invalid = (message: string): never => {
    throw new VeriotError('INVALID_ARGUMENT', message)
  }
  const isU64 = (x: unknown) => typeof x === 'bigint' && x >= 0n && x <= U64
  if (typeof read !== 'object' || read === null || !(read.values instanceof Map)) {
    invalid('"read" expected a VerifiedRead (verifyVerifiedRead / client.read)')
  }
  if (typeof read.timestamp !== 'bigint' || typeof read.blockNumber !== 'bigint') {
    invalid('"read" expected bigint timestamp and blockNumber')
  }
  if (typeof candidate !== 'object' || candidate === null) invalid('"candidate" expected an object')
  if (typeof candidate.model !== 'string') invalid('"candidate.model" expected a string')
  if (!isU64(candidate.version)) invalid('"candidate.version" expected a uint64 bigint')
  if (!(candidate.image instanceof Uint8Array)) invalid('"candidate.image" expected a Uint8Array')
  if (typeof policy !== 'object' || policy === null) invalid('"policy" expected an object')
  if (typeof policy.model !== 'string' || !/^[\x20-\x7e]{1,31}$/.test(policy.model)) {
    invalid('"policy.model" expected 1 to 31 printable ASCII characters')
  }
  if (!isU64(policy.installedVersion)) invalid('"policy.installedVersion" expected a uint64 bigint')
  if (!Number.isSafeInteger(policy.maxAgeSeconds) || policy.maxAgeSeconds < 0) {
    invalid('"policy.maxAgeSeconds" expected a non-negative integer')
  }
  if (!Number.isSafeInteger(policy.now) || policy.now < 0) {
    invalid('"policy.now" expected ms since the Unix epoch')
  }
  if (policy.notBeforeBlock !== undefined && !isU64(policy.notBeforeBlock)) {
    invalid('"policy.notBeforeBlock" expected a uint64 bigint')
  }
}
