// The BLS12-381 public key a signer registered in AuthorityRegistry, read from this node's own
// chain connection (which it trusts; devices prove the same storage instead).

import { authorityRegistryAbi } from '@veriot/contracts'
import type { Hex } from 'viem'
import type { ChainConnection } from '../chain/connectChain.ts'

/**
 * The signer's registered key (96 bytes, uncompressed G1, as 0x hex), or undefined when it
 * registered none or is not registered. A registered key never changes, so callers may cache
 * a key once found.
 */
export async function getBlsPublicKey(
  conn: ChainConnection,
  authorityRegistry: Hex,
  signer: Hex,
): Promise<Hex | undefined> {
  const node = await conn.publicClient.readContract({
    address: authorityRegistry,
    abi: authorityRegistryAbi,
    functionName: 'getNode',
    args: [signer],
  })
  return node.blsPublicKey.length === 2 + 192 ? node.blsPublicKey : undefined
}
