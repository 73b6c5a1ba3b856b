// Registers an authority node on AuthorityRegistry: the owner account pays the deposit; the
// node's signer key consents by signing the registration digest.

import { authorityRegistryAbi } from '@veriot/contracts'
import { VeriotError } from '@veriot/core'
import type { Hex, LocalAccount } from 'viem'
import type { ChainConnection } from '../chain/connectChain.ts'
import { sendContractTx, type TxResult } from '../chain/sendContractTx.ts'

/**
 * @throws ACCOUNT_MISSING and the contract's errors (deposit too low, signer convicted or
 *   already registered), decoded to codes
 */
export async function registerAuthority(
  owner: ChainConnection,
  params: { authorityRegistry: Hex; signer: LocalAccount; url: string; deposit: bigint },
): Promise<TxResult> {
  if (!owner.account)
    throw new VeriotError('ACCOUNT_MISSING', 'registering an authority needs an owner account')
  if (!params.signer.sign)
    throw new VeriotError('ACCOUNT_MISSING', 'the signer key cannot sign raw digests')
  const digest = await owner.publicClient.readContract({
    address: params.authorityRegistry,
    abi: authorityRegistryAbi,
    functionName: 'registrationDigest',
    args: [owner.account.address, params.url, '0x'],
  })
  const signerProof = await params.signer.sign({ hash: digest })
  return sendContractTx(owner, {
    address: params.authorityRegistry,
    abi: authorityRegistryAbi,
    functionName: 'register',
    args: [params.signer.address, params.url, '0x', '0x', signerProof],
    value: params.deposit,
  })
}
