// The verifying client's one decision: does this response prove these storage words of this
// contract, at a block that k trusted authorities signed? Pure: no network, no clock (the
// device's time comes in the policy); whoever fetched the response is not trusted at all.

import { VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import { assertAttestedBlockPolicy } from './assertAttestedBlockPolicy.ts'
import { loadKeccakWasm } from './keccak256.ts'
import {
  parseVerifiedReadResponse,
  VERIFIED_READ_MAX_SLOTS,
  type VerifiedReadResponse,
} from './parseVerifiedReadResponse.ts'
import type { VerifiedRead, VerifiedReadPolicy } from './VerifiedRead.ts'
import { verifyAccountProof } from './verifyAccountProof.ts'
import { verifyAttestedBlock } from './verifyAttestedBlock.ts'
import { verifyStorageProof } from './verifyStorageProof.ts'

/** keccak256 of empty code: the code hash of an account that is not a contract. */
const EMPTY_CODE_HASH = '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'

/**
 * Verifies a verified-read response against the device's own policy, in this order:
 * shape (READ_MALFORMED); chain, registry, contract and the exact set of asked slots
 * (READ_MISMATCH); the header hashes to the stated block hash and carries the stated number
 * (HEADER_INVALID); at least k distinct trusted authorities signed
 * (chainId, registry, number, hash) (ATTESTATION_QUORUM_MISSING), each with its own
 * secp256k1 signature or all in one BLS aggregate checked against `policy.trustedBlsKeys`
 * (ATTESTATION_SIGNER_DUPLICATE, ATTESTATION_BLS_KEY_MISSING, ATTESTATION_AGGREGATE_INVALID);
 * the block is at most maxAgeSeconds old by the device's clock (READ_STALE); the contract's account is proven
 * against the header's state root and has code (STATE_PROOF_INVALID, READ_CONTRACT_MISSING);
 * every asked slot is proven against the account's storage root, and any value the response
 * claims equals the proven one (STATE_PROOF_INVALID).
 *
 * Everything the decision rests on comes from the policy (chain, registry, signers, k, what
 * was asked); the response only supplies bytes that are checked. A header timestamp ahead of
 * `now` is accepted (device clocks lag); only age is bounded.
 *
 * @returns the proven values, frozen; a slot proven absent reads 0n
 * @throws READ_MALFORMED, READ_MISMATCH, HEADER_INVALID, ATTESTATION_QUORUM_MISSING,
 *   ATTESTATION_SIGNER_DUPLICATE, ATTESTATION_BLS_KEY_MISSING, ATTESTATION_AGGREGATE_INVALID,
 *   READ_STALE, STATE_PROOF_INVALID, READ_CONTRACT_MISSING; INVALID_ARGUMENT for a bad policy
 * @example
 * const head = deviceRegistrySlots.device(deviceId)
 * const read = await verifyVerifiedRead(await fetchJson(url), {
 *   chainId: 31337,
 *   registry: authorityRegistry,
 *   trustedSigners: new Set(authorities),
 *   k: 2,
 *   address: deviceRegistry,
 *   slots: [head],
 *   maxAgeSeconds: 120,
 *   now: Date.now(),
 * })
 * const { status } = decodeDeviceWord(read.values.get(head) ?? 0n)
 */
export async function verifyVerifiedRead(
  response: unknown,
  policy: VerifiedReadPolicy,
): Promise<VerifiedRead> {
  const asked = assertPolicy(policy)
  const read = parseVerifiedReadResponse(response)
  await loadKeccakWasm() // once per process; noble stays in use if it does not load
  try {
    return await verifyParsed(read, policy, asked)
  } catch (cause) {
    if (cause instanceof VeriotError) throw cause
    // Every check reports its own code; anything else is a bug, and still a rejection.
    throw new VeriotError('INTERNAL', 'verified read could not be checked', { cause })
  }
}

async function verifyParsed(
  read: VerifiedReadResponse,
  policy: VerifiedReadPolicy,
  asked: readonly Hex[],
): Promise<VerifiedRead> {
  const mismatch = (message: string, field: string): never => {
    throw new VeriotError('READ_MISMATCH', message, { context: { field } })
  }
  if (read.account.address.toLowerCase() !== policy.address.toLowerCase()) {
    mismatch(`"account.address" expected ${policy.address}, got ${read.account.address}`, 'address')
  }
  const answers = new Map<Hex, VerifiedReadResponse['storage'][number]>()
  for (const entry of read.storage) {
    const slot = entry.slot.toLowerCase() as Hex
    if (answers.has(slot)) mismatch(`"storage" answers slot ${slot} twice`, 'storage')
    if (!asked.includes(slot)) {
      mismatch(`"storage" answers slot ${slot}, which was not asked`, 'storage')
    }
    answers.set(slot, entry)
  }
  for (const slot of asked) {
    if (!answers.has(slot)) mismatch(`"storage" expected an answer for slot ${slot}`, 'storage')
  }

  const { header, signers } = verifyAttestedBlock(read, policy)

  const account = await verifyAccountProof(
    header.stateRoot,
    policy.address,
    read.account.proof as Hex[],
  )
  if (!account.exists || account.codeHash === EMPTY_CODE_HASH) {
    throw new VeriotError(
      'READ_CONTRACT_MISSING',
      `${policy.address} is ${account.exists ? 'an account without code' : 'not an account'} at block ${header.number}`,
      { context: { address: policy.address, blockNumber: header.number } },
    )
  }
  const values = new Map<Hex, bigint>()
  for (const slot of asked) {
    const entry = answers.get(slot) as VerifiedReadResponse['storage'][number]
    const value = await verifyStorageProof(account.storageRoot, slot, entry.proof as Hex[])
    if (entry.value !== undefined && BigInt(entry.value) !== value) {
      throw new VeriotError(
        'STATE_PROOF_INVALID',
        `storage slot ${slot}: the response claims ${entry.value}, the proof gives 0x${value.toString(16)}`,
        { context: { proof: 'storage', slot } },
      )
    }
    values.set(slot, value)
  }
  return Object.freeze({
    blockNumber: header.number,
    blockHash: header.hash,
    timestamp: header.timestamp,
    signers,
    values: freezeMap(values),
  })
}

/** The asked slots, lowercase, after checking the policy. @throws INVALID_ARGUMENT */
function assertPolicy(policy: VerifiedReadPolicy): readonly Hex[] {
  const invalid = (message: string): never => {
    throw new VeriotError('INVALID_ARGUMENT', `policy: ${message}`)
  }
  assertAttestedBlockPolicy(policy)
  const { address, slots } = policy
  if (typeof address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(address)) {
    invalid('"address" expected 0x + 40 hex digits')
  }
  if (!Array.isArray(slots) || slots.length > VERIFIED_READ_MAX_SLOTS) {
    invalid(`"slots" expected an array of at most ${VERIFIED_READ_MAX_SLOTS} slots`)
  }
  const asked: Hex[] = []
  for (const slot of slots) {
    if (typeof slot !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(slot)) {
      invalid('"slots" expected 32-byte words (0x + 64 hex digits)')
    }
    const lower = slot.toLowerCase() as Hex
    if (asked.includes(lower)) invalid(`"slots" lists ${lower} twice`)
    asked.push(lower)
  }
  return Object.freeze(asked)
}

/** A Map whose mutators throw, frozen: verified values must not change after the check. */
function freezeMap<K, V>(map: Map<K, V>): ReadonlyMap<K, V> {
  const refuse = () => {
    throw new TypeError('verified values are read-only')
  }
  Object.defineProperties(map, {
    set: { value: refuse },
    delete: { value: refuse },
    clear: { value: refuse },
  })
  return Object.freeze(map)
}
