// The release message a vendor's P-256 release keys sign; byte for byte what
// FirmwareRegistry.releaseMessage() returns, so a signer never signs what a node hands it.

import { type Address, encodeAbiParameters, type Hex, keccak256, stringToHex, toBytes } from 'viem'

/** Domain tag: bytes32("VERIOT/firmware-release/v1"), FirmwareRegistry.RELEASE_DOMAIN. */
export const RELEASE_DOMAIN: Hex = stringToHex('VERIOT/firmware-release/v1', { size: 32 })

/** A firmware release as FirmwareRegistry stores it (model as bytes32, version as uint64). */
export type FirmwareRelease = {
  model: Hex
  version: bigint
  /** SHA-256 of the image. */
  imageHash: Hex
  /** Image length in bytes. */
  imageSize: bigint
  /** Expected PCR digest of a device running this image. */
  measurement: Hex
  /** SHA-256 of the metadata document, or zero. */
  metadataHash: Hex
  metadataUri: string
}

/** ABI-encodes the release message; release keys sign SHA-256 of these bytes (P-256). */
export function encodeReleaseMessage(
  r: FirmwareRelease,
  ctx: { chainId: bigint; registry: Address },
): Hex {
  return encodeAbiParameters(
    [
      { type: 'bytes32' },
      { type: 'uint256' },
      { type: 'address' },
      { type: 'bytes32' },
      { type: 'uint64' },
      { type: 'bytes32' },
      { type: 'uint64' },
      { type: 'bytes32' },
      { type: 'bytes32' },
      { type: 'bytes32' },
    ],
    [
      RELEASE_DOMAIN,
      ctx.chainId,
      ctx.registry,
      r.model,
      r.version,
      r.imageHash,
      r.imageSize,
      r.measurement,
      r.metadataHash,
      keccak256(toBytes(r.metadataUri)),
    ],
  )
}
