// Connects to any EVM JSON-RPC endpoint with viem: a public client for reads and, given an
// account, a wallet client for transactions. Nothing here is anvil-specific.

import { VeriotError } from '@veriot/core'
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem'

export type ChainConnection = {
  readonly rpcUrl: string
  readonly chainId: number
  readonly chain: Chain
  readonly publicClient: PublicClient<Transport, Chain>
  /** Present when an account was given. */
  readonly walletClient: WalletClient<Transport, Chain, Account> | undefined
  readonly account: Account | undefined
}

export type ConnectChainOptions = {
  rpcUrl: string
  account?: Account | undefined
  /** Fail with CHAIN_ID_MISMATCH when the endpoint serves another chain. */
  expectedChainId?: number | undefined
  /** Per-request timeout in ms. Default 10 000. */
  timeoutMs?: number
}

/** The URL with any user:password and query string removed, safe for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    u.search = ''
    return u.toString().replace(/\/$/, '')
  } catch {
    return '<invalid url>'
  }
}

/**
 * Connects to `rpcUrl` and checks which chain it serves.
 * @throws RPC_UNREACHABLE, CHAIN_ID_MISMATCH, CONFIG_INVALID
 */
export async function connectChain(options: ConnectChainOptions): Promise<ChainConnection> {
  const { rpcUrl } = options
  if (!/^https?:\/\//.test(rpcUrl)) {
    throw new VeriotError(
      'CONFIG_INVALID',
      `"rpc url" expected http:// or https:// URL, got ${redactUrl(rpcUrl)}`,
    )
  }
  const transport = http(rpcUrl, { timeout: options.timeoutMs ?? 10_000, retryCount: 1 })
  let chainId: number
  try {
    chainId = await createPublicClient({ transport }).getChainId()
  } catch (cause) {
    throw new VeriotError('RPC_UNREACHABLE', `RPC endpoint ${redactUrl(rpcUrl)} did not answer`, {
      cause,
      context: { rpcUrl: redactUrl(rpcUrl) },
    })
  }
  if (options.expectedChainId !== undefined && chainId !== options.expectedChainId) {
    throw new VeriotError(
      'CHAIN_ID_MISMATCH',
      `"chain id" expected ${options.expectedChainId}, got ${chainId} from ${redactUrl(rpcUrl)}`,
      { context: { expected: options.expectedChainId, got: chainId } },
    )
  }
  const chain = defineChain({
    id: chainId,
    name: `chain-${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  })
  const publicClient = createPublicClient({ chain, transport })
  const walletClient = options.account
    ? createWalletClient({ chain, transport, account: options.account })
    : undefined
  return { rpcUrl, chainId, chain, publicClient, walletClient, account: options.account }
}
