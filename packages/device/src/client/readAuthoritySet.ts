// Refreshes the set of authorities a device trusts from AuthorityRegistry itself, with proofs:
// the active-signer list, each signer's status and BLS key are read through verified reads
// signed by the currently trusted set (starting from a pinned bootstrap set), so no single node
// can hand the device a set, or a key, of its own choosing.

import { VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import { arrayElementSlot } from '../verified/arrayElementSlot.ts'
import { mappingSlot } from '../verified/mappingSlot.ts'
import { structFieldSlot } from '../verified/structFieldSlot.ts'
import type { Address } from '../verified/VerifiedRead.ts'
import type { VerifyingClient } from './createVerifyingClient.ts'

/** Storage slots of AuthorityRegistry (docs/contracts.md, checked by a Forge test). */
export const AUTHORITY_REGISTRY_LAYOUT = Object.freeze({
  activeSigners: 1n,
  nodes: 2n,
  /** Word of `nodes[signer]` holding `blsPublicKey` (Solidity's bytes layout). */
  nodeBlsPublicKey: 4n,
})

/** The active authorities, as proven from AuthorityRegistry storage. */
export type AuthoritySet = {
  /** Active signer addresses, lowercase. */
  readonly signers: ReadonlySet<Address>
  /**
   * BLS12-381 key of each active signer that registered one (lowercase address → 0x + 192
   * hex digits, uncompressed G1). The registry checked each key's proof of possession.
   */
  readonly blsPublicKeys: ReadonlyMap<Address, Hex>
}

const STATUS_ACTIVE = 1n
const ADDRESS_MASK = (1n << 160n) - 1n
/** Solidity's length word of a 96-byte `bytes` value kept outside its slot: 2 · 96 + 1. */
const BLS_KEY_LENGTH_WORD = 193n
/** Slots per verified read (the node and the response schema allow 32). */
const SLOTS_PER_READ = 32

const word = (n: bigint): Hex => `0x${n.toString(16).padStart(64, '0')}`

/**
 * Reads the active authority signers and their BLS keys with proofs.
 * @throws the verifying client's codes; READ_MISMATCH when the set is larger than
 *   `maxSigners` or a stored BLS key has a length other than 0 or 96 bytes
 * @example
 * const set = await readAuthoritySet(client, authorityRegistry)
 * client.setAuthoritySet(set)
 */
export async function readAuthoritySet(
  client: VerifyingClient,
  authorityRegistry: Address,
  options: { maxSigners?: number; maxAgeSeconds?: number } = {},
): Promise<AuthoritySet> {
  const max = options.maxSigners ?? 31
  const age = options.maxAgeSeconds !== undefined ? { maxAgeSeconds: options.maxAgeSeconds } : {}
  const read = async (slots: Hex[]): Promise<Map<Hex, bigint>> => {
    const values = new Map<Hex, bigint>()
    for (let i = 0; i < slots.length; i += SLOTS_PER_READ) {
      const part = slots.slice(i, i + SLOTS_PER_READ)
      const proven = await client.read({ address: authorityRegistry, slots: part, ...age })
      for (const slot of part) values.set(slot, proven.values.get(slot) ?? 0n)
    }
    return values
  }
  const lengthSlot = word(AUTHORITY_REGISTRY_LAYOUT.activeSigners)
  const length = (await read([lengthSlot])).get(lengthSlot) ?? 0n
  if (length > BigInt(max)) {
    throw new VeriotError(
      'READ_MISMATCH',
      `"active signers" expected at most ${max}, got ${length}`,
    )
  }
  if (length === 0n) {
    return Object.freeze({ signers: new Set<Address>(), blsPublicKeys: new Map<Address, Hex>() })
  }
  const elementSlots = Array.from({ length: Number(length) }, (_, i) =>
    arrayElementSlot(AUTHORITY_REGISTRY_LAYOUT.activeSigners, BigInt(i)),
  )
  const list = await read(elementSlots)
  const listed = elementSlots.map(
    (s) => `0x${((list.get(s) ?? 0n) & ADDRESS_MASK).toString(16).padStart(40, '0')}` as Address,
  )
  // Status is proven too (the list alone could lag a conviction in a later block), and so is
  // the BLS key: its length word and, wherever it is set, its three data words.
  const perSigner = listed.map((signer) => {
    const base = mappingSlot(
      `0x${signer.slice(2).padStart(64, '0')}`,
      AUTHORITY_REGISTRY_LAYOUT.nodes,
    )
    const keySlot = structFieldSlot(base, AUTHORITY_REGISTRY_LAYOUT.nodeBlsPublicKey)
    return {
      signer,
      status: base,
      keyLength: keySlot,
      keyData: [0n, 1n, 2n].map((i) => arrayElementSlot(keySlot, i)),
    }
  })
  const values = await read(perSigner.flatMap((s) => [s.status, s.keyLength, ...s.keyData]))
  const signers = new Set<Address>()
  const blsPublicKeys = new Map<Address, Hex>()
  for (const s of perSigner) {
    if ((((values.get(s.status) ?? 0n) >> 160n) & 0xffn) !== STATUS_ACTIVE) continue
    signers.add(s.signer)
    const lengthWord = values.get(s.keyLength) ?? 0n
    if (lengthWord === 0n) continue
    if (lengthWord !== BLS_KEY_LENGTH_WORD) {
      throw new VeriotError(
        'READ_MISMATCH',
        `"blsPublicKey" of ${s.signer} expected 0 or 96 bytes, got length word ${lengthWord}`,
      )
    }
    const key = s.keyData.map((slot) => (values.get(slot) ?? 0n).toString(16).padStart(64, '0'))
    blsPublicKeys.set(s.signer, `0x${key.join('')}`)
  }
  return Object.freeze({ signers, blsPublicKeys })
}
