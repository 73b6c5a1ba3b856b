// The digest an authority node signs to attest that a block hash is on the chain: bound to a
// domain, the chain, the AuthorityRegistry it is staked in, and the block's number.

import { numberToBytesBE } from '@noble/curves/utils.js'
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import { keccak256 } from './keccak256.ts'
import type { Address } from './VerifiedRead.ts'

/** Domain tag bytes32("VERIOT/attest-block/v1"): ASCII, right-padded with zeros. */
export const ATTESTATION_DOMAIN: Hex = `0x${bytesToHex(
  concatBytes(utf8ToBytes('VERIOT/attest-block/v1'), new Uint8Array(10)),
)}`

export type AttestationSubject = {
  readonly chainId: number | bigint
  /** The AuthorityRegistry contract. */
  readonly registry: Address
  readonly blockNumber: bigint
  readonly blockHash: Hex
}

const MAX_UINT256 = (1n << 256n) - 1n

/**
 * keccak256(abi.encode(bytes32 domain, uint256 chainId, address registry, uint256 blockNumber,
 * bytes32 blockHash)): what authorities sign raw (no EIP-191 prefix) with secp256k1, so a
 * contract can check it with ecrecover.
 *
 * abi.encode of these five static types is exactly five 32-byte words (uints big-endian,
 * the address left-padded with 12 zero bytes), so it is written out here rather than pulling
 * an ABI coder onto the device; the tests compare it with viem's encodeAbiParameters.
 *
 * @throws INVALID_ARGUMENT for a field out of its type's range
 * @example
 * const digest = attestationDigest({ chainId: 31337, registry, blockNumber: 12n, blockHash })
 */
export function attestationDigest(subject: AttestationSubject): Uint8Array {
  const { chainId, registry, blockNumber, blockHash } = subject
  const uint256 = (name: string, value: unknown): Uint8Array => {
    const ok =
      (typeof value === 'bigint' && value >= 0n && value <= MAX_UINT256) ||
      (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
    if (!ok) {
      throw new VeriotError('INVALID_ARGUMENT', `"${name}" expected an integer 0..2^256-1`)
    }
    return numberToBytesBE(value as bigint | number, 32)
  }
  const fixed = (name: string, value: unknown, bytes: number): Uint8Array => {
    if (typeof value !== 'string' || !new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`).test(value)) {
      throw new VeriotError(
        'INVALID_ARGUMENT',
        `"${name}" expected 0x + ${bytes * 2} hex digits, got ${String(value).slice(0, 70)}`,
      )
    }
    const out = new Uint8Array(32)
    out.set(hexToBytes(value.slice(2)), 32 - bytes)
    return out
  }
  return keccak256(
    concatBytes(
      hexToBytes(ATTESTATION_DOMAIN.slice(2)),
      uint256('chainId', chainId),
      fixed('registry', registry, 20),
      uint256('blockNumber', blockNumber),
      fixed('blockHash', blockHash, 32),
    ),
  )
}
