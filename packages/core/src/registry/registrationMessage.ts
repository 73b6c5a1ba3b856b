// The registration message a device signs with its P-256 key to prove possession; byte for
// byte what DeviceRegistry.registrationMessage() returns, so a device never signs what a node
// hands it.

import { type Address, encodeAbiParameters, type Hex, stringToHex } from 'viem'

/** Domain tag: bytes32("VERIOT/register/v1"), DeviceRegistry.REGISTRATION_DOMAIN. */
export const REGISTRATION_DOMAIN: Hex = stringToHex('VERIOT/register/v1', { size: 32 })

export type Registration = {
  pubKeyX: Hex
  pubKeyY: Hex
  suite: number
  model: Hex
  firmwareVersion: bigint
  metadataHash: Hex
  auxKeyHash: Hex
}

export type RegistrationContext = {
  chainId: bigint
  registry: Address
  nonce: bigint
  manufacturer: Address
  deviceId: Hex
}

/** ABI-encodes the registration message; the device signs SHA-256 of these bytes. */
export function encodeRegistrationMessage(r: Registration, ctx: RegistrationContext): Hex {
  return encodeAbiParameters(
    [
      { type: 'bytes32' },
      { type: 'uint256' },
      { type: 'address' },
      { type: 'uint256' },
      { type: 'address' },
      { type: 'bytes32' },
      { type: 'uint8' },
      { type: 'bytes32' },
      { type: 'uint64' },
      { type: 'bytes32' },
      { type: 'bytes32' },
    ],
    [
      REGISTRATION_DOMAIN,
      ctx.chainId,
      ctx.registry,
      ctx.nonce,
      ctx.manufacturer,
      ctx.deviceId,
      r.suite,
      r.model,
      r.firmwareVersion,
      r.metadataHash,
      r.auxKeyHash,
    ],
  )
}
