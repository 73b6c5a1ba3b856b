// Where FirmwareRegistry keeps a model's and a release's record, so a device can read them
// with EIP-1186 storage proofs (layout in docs/contracts.md; a Forge test pins it).

import { encodeAbiParameters, type Hex, keccak256, numberToHex } from 'viem'

/** Storage slot of `models` (slot 1) and `releases` (slot 2) in FirmwareRegistry. */
export const FIRMWARE_REGISTRY_LAYOUT = { modelsSlot: 1n, releasesSlot: 2n } as const

export type FirmwareStorageSlots = {
  /** models[model] + 0: vendor, threshold, keyCount, keyEpoch. */
  modelHeader: Hex
  /** models[model] + 1: minimumVersion, latestVersion, latestApprovedVersion. */
  modelVersions: Hex
  /** releases[model][version] + 0: status, lockdown, approvals, keyEpoch, mask, times. */
  releaseHeader: Hex
  /** releases[model][version] + 1: imageHash. */
  imageHash: Hex
  /** releases[model][version] + 2: measurement (expected PCR digest). */
  measurement: Hex
  /** releases[model][version] + 3: metadataHash. */
  metadataHash: Hex
  /** releases[model][version] + 4: imageSize, revokedAt. */
  imageSizeRevokedAt: Hex
}

/** The storage slots of (model, version) in FirmwareRegistry. */
export function firmwareStorageSlots(model: Hex, version: bigint): FirmwareStorageSlots {
  const m = BigInt(
    keccak256(
      encodeAbiParameters(
        [{ type: 'bytes32' }, { type: 'uint256' }],
        [model, FIRMWARE_REGISTRY_LAYOUT.modelsSlot],
      ),
    ),
  )
  const inner = keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'uint256' }],
      [model, FIRMWARE_REGISTRY_LAYOUT.releasesSlot],
    ),
  )
  const r = BigInt(
    keccak256(encodeAbiParameters([{ type: 'uint256' }, { type: 'bytes32' }], [version, inner])),
  )
  const slot = (n: bigint) => numberToHex(n, { size: 32 })
  return {
    modelHeader: slot(m),
    modelVersions: slot(m + 1n),
    releaseHeader: slot(r),
    imageHash: slot(r + 1n),
    measurement: slot(r + 2n),
    metadataHash: slot(r + 3n),
    imageSizeRevokedAt: slot(r + 4n),
  }
}
