// Proves an account's state (nonce, balance, storage root, code hash) or its absence against a
// block's state root, from the accountProof of eth_getProof (EIP-1186).

import { RLP } from '@ethereumjs/rlp'
import { bytesToNumberBE } from '@noble/curves/utils.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import { keccak256 } from './keccak256.ts'
import { readProvenTrieValue } from './readProvenTrieValue.ts'
import type { Address } from './VerifiedRead.ts'

/** A proven account (Frozen), or a proven absence. */
export type ProvenAccount =
  | {
      readonly exists: true
      readonly nonce: bigint
      readonly balance: bigint
      /** Root of the account's storage trie, for verifyStorageProof. */
      readonly storageRoot: Hex
      readonly codeHash: Hex
    }
  | { readonly exists: false }

/**
 * Verifies `accountProof` (trie nodes from the state root down, as eth_getProof returns them)
 * for `address` against `stateRoot`: the key is keccak256(address), the value the RLP list
 * [nonce, balance, storageRoot, codeHash]. A valid proof that the key is absent gives
 * `{ exists: false }`.
 *
 * @throws STATE_PROOF_INVALID (account) when the proof or the account it leads to is invalid
 * @example
 * const account = await verifyAccountProof(header.stateRoot, registry, proof.accountProof)
 */
export async function verifyAccountProof(
  stateRoot: Hex,
  address: Address,
  accountProof: readonly Hex[],
): Promise<ProvenAccount> {
  const fail = (reason: string, cause?: unknown): never => {
    throw new VeriotError(
      'STATE_PROOF_INVALID',
      `account proof of ${String(address).slice(0, 42)} against state root ${String(stateRoot).slice(0, 66)}: ${reason}`,
      { ...(cause === undefined ? {} : { cause }), context: { proof: 'account' } },
    )
  }
  if (typeof stateRoot !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(stateRoot)) {
    return fail('"stateRoot" expected 0x + 64 hex digits')
  }
  if (typeof address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(address)) {
    return fail('"address" expected 0x + 40 hex digits')
  }
  let value: Uint8Array | null
  try {
    value = await readProvenTrieValue(
      hexToBytes(stateRoot.slice(2)),
      keccak256(hexToBytes(address.slice(2))),
      accountProof,
    )
  } catch (cause) {
    return fail('the proof does not lead to the root', cause)
  }
  if (value === null) return Object.freeze({ exists: false })
  let fields: unknown
  try {
    fields = RLP.decode(value)
  } catch (cause) {
    return fail('the account is not valid RLP', cause)
  }
  if (
    !Array.isArray(fields) ||
    fields.length !== 4 ||
    !fields.every((f) => f instanceof Uint8Array)
  ) {
    return fail('the account is not an RLP list [nonce, balance, storageRoot, codeHash]')
  }
  const [nonce, balance, storageRoot, codeHash] = fields as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ]
  if (!isCanonicalUint(nonce, 8) || !isCanonicalUint(balance, 32)) {
    return fail('nonce or balance is not a canonical integer')
  }
  if (storageRoot.length !== 32 || codeHash.length !== 32) {
    return fail('storageRoot or codeHash is not 32 bytes')
  }
  return Object.freeze({
    exists: true,
    nonce: nonce.length === 0 ? 0n : bytesToNumberBE(nonce),
    balance: balance.length === 0 ? 0n : bytesToNumberBE(balance),
    storageRoot: `0x${bytesToHex(storageRoot)}` as Hex,
    codeHash: `0x${bytesToHex(codeHash)}` as Hex,
  })
}

function isCanonicalUint(bytes: Uint8Array, maxBytes: number): boolean {
  return bytes.length <= maxBytes && bytes[0] !== 0
}
