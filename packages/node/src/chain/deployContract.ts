// Deploys one contract and waits for it: the shared step of every Veriot deployment.

import { VeriotError } from '@veriot/core'
import { type Abi, type ContractConstructorArgs, getAddress, type Hash, type Hex } from 'viem'
import type { ChainConnection } from './connectChain.ts'
import { toVeriotError } from './toVeriotError.ts'

export type DeployedContract = { address: `0x${string}`; blockNumber: bigint; txHash: Hash }

/**
 * Sends the deployment transaction and waits for its receipt.
 * @throws ACCOUNT_MISSING, TX_FAILED (or `revertCode`) when it reverts, RPC_UNREACHABLE
 */
export async function deployContract<const abi extends Abi>(
  conn: ChainConnection,
  contract: {
    name: string
    abi: abi
    bytecode: Hex
    args: ContractConstructorArgs<abi>
    /** Code and hint for a reverted deployment (e.g. a missing precompile). */
    revert?: { code: 'P256_VERIFIER_UNAVAILABLE' | 'TX_FAILED'; hint: string }
  },
): Promise<DeployedContract> {
  const { walletClient } = conn
  if (!walletClient) {
    throw new VeriotError(
      'ACCOUNT_MISSING',
      `deploying ${contract.name} needs an account with funds`,
    )
  }
  let txHash: Hash
  try {
    // biome-ignore lint/suspicious/noExplicitAny: viem's overloads are checked at the call site
    const request: any = { abi: contract.abi, bytecode: contract.bytecode, args: contract.args }
    txHash = await walletClient.deployContract(request)
  } catch (err) {
    throw toVeriotError(err)
  }
  const receipt = await conn.publicClient.waitForTransactionReceipt({ hash: txHash })
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new VeriotError(
      contract.revert?.code ?? 'TX_FAILED',
      `${contract.name} deployment reverted (tx ${txHash})${contract.revert ? `; ${contract.revert.hint}` : ''}`,
      { context: { txHash } },
    )
  }
  return { address: getAddress(receipt.contractAddress), blockNumber: receipt.blockNumber, txHash }
}
