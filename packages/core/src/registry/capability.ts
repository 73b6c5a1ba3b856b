// Capabilities are short ASCII names ("telemetry:temperature", "command:unlock") stored
// left-aligned in a bytes32, so chain data stays readable without a lookup table.

import { type Hex, stringToHex } from 'viem'
import { VeriotError } from '../errors/VeriotError.ts'
import { shortStringFromBytes32 } from './shortString.ts'

const CAPABILITY = /^(telemetry|command):[a-z0-9][a-z0-9_.-]{0,21}$/

/** Encodes a capability name as bytes32. @throws CAPABILITY_INVALID */
export function capabilityToBytes32(name: string): Hex {
  if (!CAPABILITY.test(name)) {
    throw new VeriotError(
      'CAPABILITY_INVALID',
      `"capability" expected telemetry:<type> or command:<name> (lowercase, ≤31 chars), got ${JSON.stringify(name.slice(0, 64))}`,
    )
  }
  return stringToHex(name, { size: 32 })
}

/** Decodes a bytes32 capability back to its name. */
export function capabilityFromBytes32(value: Hex): string {
  return shortStringFromBytes32(value)
}
