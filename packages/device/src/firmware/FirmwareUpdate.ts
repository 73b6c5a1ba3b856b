// What a device is offered in an update (a candidate) and what it believes after checking it
// against FirmwareRegistry through a verified read (an installable release).

import type { Hex } from '../telemetry/TelemetryDevice.ts'
import type { Address } from '../verified/VerifiedRead.ts'

/** An update as it reaches the device: claims only, nothing here is trusted. */
export type FirmwareCandidate = {
  /** The model the package says it is for (≤ 31 ASCII, FirmwareRegistry's model name). */
  readonly model: string
  /** The version it says it is (packed semver uint64, `firmwareVersionToUint64`). */
  readonly version: bigint
  /** The image bytes. */
  readonly image: Uint8Array
}

/** What the device holds and decides with; never taken from a candidate or a response. */
export type InstallPolicy = {
  /** The device's own model. */
  readonly model: string
  /** The version the device runs now; a candidate must be above it. */
  readonly installedVersion: bigint
  /** Refuse release information from a block older than this, by the device's clock. */
  readonly maxAgeSeconds: number
  /** The device's clock, ms since the Unix epoch. */
  readonly now: number
  /**
   * The highest block the device already believed; an older block is refused (a node that
   * serves a frozen view cannot take the device back in time). Default: none.
   */
  readonly notBeforeBlock?: bigint
}

/** A release the device may install, proven from FirmwareRegistry's storage. Frozen. */
export type InstallableRelease = {
  readonly model: string
  /** bytes32 model id (shortStringToBytes32). */
  readonly modelId: Hex
  readonly version: bigint
  /** SHA-256 of the image, 0x + 64 hex digits. */
  readonly imageHash: Hex
  readonly imageSize: bigint
  /** The PCR value a device running this image reports (32 bytes). */
  readonly measurement: Uint8Array
  /** The model's minimum version at that block. */
  readonly minimumVersion: bigint
  /** Approvals counted on chain when it was approved (k or more). */
  readonly approvals: number
  /** The verified read it rests on. */
  readonly blockNumber: bigint
  readonly blockHash: Hex
  readonly timestamp: bigint
  readonly signers: readonly Address[]
}

/**
 * Boots (simulated) into `image`: the boot chain leaves the image's measurement in the
 * firmware PCR, `pcrExtend(PCR_RESET_VALUE, sha256(image))`.
 */
export type MeasuredBoot = (image: Uint8Array) => Promise<void>
