// Authority nodes for the verified-read benchmark, one per anvil development account, each
// signing with its secp256k1 key and with the BLS key derived from it, all peers of each other.

import {
  type AuthorityNode,
  accountToBlsSecretKey,
  connectChain,
  startAuthorityNode,
} from '@veriot/node'
import { getAnvilAccount } from '@veriot/node/anvil'
import type { Hex } from 'viem'

export type BenchAuthorities = {
  readonly nodes: readonly AuthorityNode[]
  stop(): Promise<void>
}

/** Starts a node for each of `accountIndexes` against `rpcUrl`, staked in `registry`. */
export async function startBenchAuthorities(options: {
  rpcUrl: string
  registry: Hex
  accountIndexes: readonly number[]
}): Promise<BenchAuthorities> {
  const nodes: AuthorityNode[] = []
  const stop = () => Promise.all(nodes.map((n) => n.stop())).then(() => undefined)
  try {
    for (const index of options.accountIndexes) {
      const account = getAnvilAccount(index)
      const conn = await connectChain({ rpcUrl: options.rpcUrl, account, timeoutMs: 60_000 })
      nodes.push(
        await startAuthorityNode({
          conn,
          account,
          registry: options.registry,
          finalityDepth: 2,
          // Proofs on the filled anvil take seconds; peers only sign, which is quick.
          peerTimeoutMs: 30_000,
          blsSecretKey: await accountToBlsSecretKey(account),
        }),
      )
    }
    for (const n of nodes) n.setPeers(nodes.filter((m) => m !== n).map((m) => m.url))
    return { nodes, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
