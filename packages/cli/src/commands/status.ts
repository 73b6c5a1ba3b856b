// `veriot status`: chain, contracts, block height and device counts.

import { deviceStatuses } from '@veriot/core'
import { redactUrl } from '@veriot/node'
import type { CommandContext } from '../context/createContext.ts'
import { formatFields } from '../context/output.ts'

export async function statusCommand(ctx: CommandContext): Promise<void> {
  const { embedded } = ctx.endpoint()
  const registry = await ctx.registry()
  const conn = await ctx.connect()
  const [blockNumber, counts] = await Promise.all([
    conn.publicClient.getBlockNumber(),
    registry.getCounts(),
  ])
  const live = deviceStatuses.filter((s) => s !== 'none')
  const value = {
    chain: { chainId: conn.chainId, rpcUrl: redactUrl(conn.rpcUrl), embedded, blockNumber },
    contracts: { DeviceRegistry: registry.address },
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
      ['DeviceRegistry', registry.address],
      ['devices', `${counts.total} (${live.map((s) => `${s} ${counts.byStatus[s]}`).join(', ')})`],
    ]),
  )
}
