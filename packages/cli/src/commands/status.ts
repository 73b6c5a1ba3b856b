// `veriot status`: chain, contracts, block height and device counts.

import { authorityRegistryAbi } from '@veriot/contracts'
import { deviceStatuses } from '@veriot/core'
import { redactUrl } from '@veriot/node'
import type { CommandContext } from '../context/createContext.ts'
import { formatFields } from '../context/output.ts'

export async function statusCommand(ctx: CommandContext): Promise<void> {
  const { embedded } = ctx.endpoint()
  const registry = await ctx.registry()
  const conn = await ctx.connect()
  const authorityRegistry = ctx.deployment().contracts.AuthorityRegistry.address
  const [blockNumber, counts, signers] = await Promise.all([
    conn.publicClient.getBlockNumber({ cacheTime: 0 }),
    registry.getCounts(),
    conn.publicClient.readContract({
      address: authorityRegistry,
      abi: authorityRegistryAbi,
      functionName: 'getActiveSigners',
    }),
  ])
  const live = deviceStatuses.filter((s) => s !== 'none')
  const value = {
    chain: { chainId: conn.chainId, rpcUrl: redactUrl(conn.rpcUrl), embedded, blockNumber },
    contracts: Object.fromEntries(
      Object.entries(ctx.deployment().contracts).flatMap(([name, c]) =>
        c === undefined ? [] : [[name, c.address]],
      ),
    ),
    authorities: { active: signers.length, signers },
    devices: {
      total: counts.total,
      ...Object.fromEntries(live.map((s) => [s, counts.byStatus[s]])),
    },
  }
  ctx.out.result(value, () =>
    formatFields([
      [
        'chain',
        `${conn.chainId} at ${redactUrl(conn.rpcUrl)}${embedded ? ' (embedded anvil)' : ''}`,
      ],
      ['block', blockNumber],
      ...Object.entries(value.contracts).map(([name, address]): [string, unknown] => [
        name,
        address,
      ]),
      ['authorities', `${signers.length} active${signers.length ? `: ${signers.join(', ')}` : ''}`],
      ['devices', `${counts.total} (${live.map((s) => `${s} ${counts.byStatus[s]}`).join(', ')})`],
    ]),
  )
}
