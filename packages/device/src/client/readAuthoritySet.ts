// Refreshes the set of authorities a device trusts from AuthorityRegistry itself, with proofs:
// the active-signer list and each signer's status are read through a verified read signed by
// the currently trusted set (starting from a pinned bootstrap set), so no single node can
// hand the device a set of its own choosing.

import { VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import { arrayElementSlot } from '../verified/arrayElementSlot.ts'
import { mappingSlot } from '../verified/mappingSlot.ts'
import type { Address } from '../verified/VerifiedRead.ts'
import type { VerifyingClient } from './createVerifyingClient.ts'

/** Storage slots of AuthorityRegistry (docs/contracts.md, checked by a Forge test). */
export const AUTHORITY_REGISTRY_LAYOUT = Object.freeze({ activeSigners: 1n, nodes: 2n })
const STATUS_ACTIVE = 1n
const ADDRESS_MASK = (1n << 160n) - 1n

const word = (n: bigint): Hex => `0x${n.toString(16).padStart(64, '0')}`

/**
 * Reads the active authority signers with proofs and returns them (lowercase).
 * @throws the verifying client's codes; READ_MISMATCH when the set is larger than `maxSigners`
 */
export async function readAuthoritySet(
  client: VerifyingClient,
  authorityRegistry: Address,
  options: { maxSigners?: number; maxAgeSeconds?: number } = {},
): Promise<Set<Address>> {
  const max = options.maxSigners ?? 31
  const age = options.maxAgeSeconds !== undefined ? { maxAgeSeconds: options.maxAgeSeconds } : {}
  const lengthSlot = word(AUTHORITY_REGISTRY_LAYOUT.activeSigners)
  const first = await client.read({ address: authorityRegistry, slots: [lengthSlot], ...age })
  const length = first.values.get(lengthSlot) ?? 0n
  if (length > BigInt(max)) {
    throw new VeriotError(
      'READ_MISMATCH',
      `"active signers" expected at most ${max}, got ${length}`,
    )
  }
  if (length === 0n) return new Set()
  const elementSlots = Array.from({ length: Number(length) }, (_, i) =>
    arrayElementSlot(AUTHORITY_REGISTRY_LAYOUT.activeSigners, BigInt(i)),
  )
  const list = await client.read({ address: authorityRegistry, slots: elementSlots, ...age })
  const signers = elementSlots.map(
    (s) =>
      `0x${((list.values.get(s) ?? 0n) & ADDRESS_MASK).toString(16).padStart(40, '0')}` as Address,
  )
  // Status is proven too: the list alone could lag a conviction in a later block.
  const statusSlots = signers.map((s) =>
    mappingSlot(`0x${s.slice(2).padStart(64, '0')}`, AUTHORITY_REGISTRY_LAYOUT.nodes),
  )
  const status = await client.read({ address: authorityRegistry, slots: statusSlots, ...age })
  return new Set(
    signers.filter(
      (_, i) =>
        (((status.values.get(statusSlots[i] as Hex) ?? 0n) >> 160n) & 0xffn) === STATUS_ACTIVE,
    ),
  )
}
