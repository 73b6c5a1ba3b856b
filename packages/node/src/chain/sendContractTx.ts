// Sends one contract transaction the safe way: simulate first (a revert is decoded into a
// VeriotError and nothing is sent), then send and wait for the receipt.

import { VeriotError } from '@veriot/core'
import type { Abi, Address, ContractFunctionArgs, ContractFunctionName, Hash } from 'viem'
import type { ChainConnection } from './connectChain.ts'
import { toVeriotError } from './toVeriotError.ts'

export type TxResult = { txHash: Hash; blockNumber: bigint }

/**
 * Simulates, sends and waits for a contract call.
 * @throws ACCOUNT_MISSING, TX_FAILED, RPC_UNREACHABLE, or the decoded contract error's code
 */
export async function sendContractTx<
  const abi extends Abi,
  name extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
  args extends ContractFunctionArgs<abi, 'nonpayable' | 'payable', name>,
>(
  conn: ChainConnection,
  call: { address: Address; abi: abi; functionName: name; args: args; value?: bigint },
): Promise<TxResult> {
  const { walletClient, account } = conn
  if (walletClient === undefined || account === undefined) {
    throw new VeriotError(
      'ACCOUNT_MISSING',
      'this command sends a transaction and needs an account',
    )
  }
  let txHash: Hash
  try {
    // biome-ignore lint/suspicious/noExplicitAny: viem's generic parameters are checked at the call site
    const { request } = await conn.publicClient.simulateContract({ ...(call as any), account })
    txHash = await walletClient.writeContract(request)
  } catch (err) {
    throw toVeriotError(err)
  }
  let receipt: Awaited<ReturnType<typeof conn.publicClient.waitForTransactionReceipt>>
  try {
    receipt = await conn.publicClient.waitForTransactionReceipt({ hash: txHash, timeout: 120_000 })
  } catch (err) {
    throw toVeriotError(err)
  }
  if (receipt.status !== 'success') {
    throw new VeriotError('TX_FAILED', `transaction ${txHash} reverted on chain`, {
      context: { txHash, blockNumber: receipt.blockNumber },
    })
  }
  return { txHash, blockNumber: receipt.blockNumber }
}
