// The FirmwareRegistry storage words a device proves before it installs (model, version):
// the release's status word, image hash, measurement and size, and the model's minimum version
// (layout in docs/contracts.md, pinned by a Forge test).

import { firmwareStorageSlots, shortStringToBytes32, VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'

export type ReleaseInstallSlots = {
  /** bytes32 model id. */
  readonly modelId: Hex
  readonly releaseHeader: Hex
  readonly imageHash: Hex
  readonly measurement: Hex
  readonly imageSizeRevokedAt: Hex
  readonly modelVersions: Hex
  /** The five slots above, in that order, to ask in one verified read. */
  readonly all: readonly Hex[]
}

const U64_MAX = 0xffffffffffffffffn

/**
 * The slots to read for installing `version` of `model`.
 * @throws INVALID_ARGUMENT on an empty or non-ASCII model, or a version outside uint64
 */
export function releaseInstallSlots(model: string, version: bigint): ReleaseInstallSlots {
  if (typeof model !== 'string' || model.length === 0) {
    throw new VeriotError('INVALID_ARGUMENT', '"model" expected 1 to 31 ASCII characters, got ""')
  }
  if (typeof version !== 'bigint' || version < 0n || version > U64_MAX) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"version" expected a uint64 bigint, got ${typeof version === 'bigint' ? version : typeof version}`,
    )
  }
  const modelId = shortStringToBytes32('model', model) as Hex
  const s = firmwareStorageSlots(modelId, version)
  const slots = {
    modelId,
    releaseHeader: s.releaseHeader.toLowerCase() as Hex,
    imageHash: s.imageHash.toLowerCase() as Hex,
    measurement: s.measurement.toLowerCase() as Hex,
    imageSizeRevokedAt: s.imageSizeRevokedAt.toLowerCase() as Hex,
    modelVersions: s.modelVersions.toLowerCase() as Hex,
  }
  return Object.freeze({
    ...slots,
    all: Object.freeze([
      slots.releaseHeader,
      slots.imageHash,
      slots.measurement,
      slots.imageSizeRevokedAt,
      slots.modelVersions,
    ]),
  })
}
