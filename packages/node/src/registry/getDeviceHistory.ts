// Rebuilds a device's chain of custody from DeviceRegistry events: every log whose first
// indexed topic is the device id, with who sent the transaction, block, time and tx hash.

import { deviceRegistryAbi } from '@veriot/contracts'
import {
  capabilityFromBytes32,
  firmwareVersionFromUint64,
  shortStringFromBytes32,
  suiteNameOf,
} from '@veriot/core'
import { type Address, decodeEventLog, getAddress, type Hash, type Hex, type Log } from 'viem'
import type { ChainConnection } from '../chain/connectChain.ts'

export type HistoryEntry = {
  event: string
  blockNumber: bigint
  timestamp: Date
  txHash: Hash
  logIndex: number
  /** The account that sent the transaction. */
  sender: Address
  details: Record<string, string>
}

/** Blocks per eth_getLogs request; public endpoints often refuse larger ranges. */
const LOG_RANGE = 10_000n

/** Reads the history of device `id` from the registry at `address`, oldest first. */
export async function getDeviceHistory(
  conn: ChainConnection,
  registry: { address: Address; fromBlock: bigint },
  id: Hex,
): Promise<HistoryEntry[]> {
  const latest = await conn.publicClient.getBlockNumber({ cacheTime: 0 })
  const logs: Log[] = []
  for (let from = registry.fromBlock; from <= latest; from += LOG_RANGE) {
    const to = from + LOG_RANGE - 1n < latest ? from + LOG_RANGE - 1n : latest
    const chunk = await conn.publicClient.request({
      method: 'eth_getLogs',
      params: [
        {
          address: registry.address,
          fromBlock: `0x${from.toString(16)}`,
          toBlock: `0x${to.toString(16)}`,
          topics: [null, id],
        },
      ],
    })
    logs.push(...(chunk as unknown as Log[]))
  }
  const blockTimes = new Map<string, Date>()
  const senders = new Map<string, Address>()
  await Promise.all(
    [...new Set(logs.map((l) => l.blockHash as Hash))].map(async (hash) => {
      const block = await conn.publicClient.getBlock({ blockHash: hash })
      blockTimes.set(hash, new Date(Number(block.timestamp) * 1000))
    }),
  )
  await Promise.all(
    [...new Set(logs.map((l) => l.transactionHash as Hash))].map(async (hash) => {
      const tx = await conn.publicClient.getTransaction({ hash })
      senders.set(hash, getAddress(tx.from))
    }),
  )
  const entries: HistoryEntry[] = []
  for (const log of logs) {
    let decoded: { eventName: string; args: Record<string, unknown> }
    try {
      decoded = decodeEventLog({
        abi: deviceRegistryAbi,
        data: log.data,
        topics: log.topics,
      }) as never
    } catch {
      // An event this client's ABI does not know (a newer registry): shown, never hidden.
      decoded = { eventName: 'UnknownEvent', args: { topic0: log.topics[0] ?? '' } }
    }
    entries.push({
      event: decoded.eventName,
      blockNumber: BigInt(log.blockNumber ?? 0),
      timestamp: blockTimes.get(log.blockHash as string) ?? new Date(0),
      txHash: log.transactionHash as Hash,
      logIndex: Number(log.logIndex ?? 0),
      sender: senders.get(log.transactionHash as string) as Address,
      details: describeArgs(decoded.args),
    })
  }
  entries.sort((a, b) =>
    a.blockNumber === b.blockNumber
      ? a.logIndex - b.logIndex
      : a.blockNumber < b.blockNumber
        ? -1
        : 1,
  )
  return entries
}

function describeArgs(args: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(args)) {
    if (key === 'id') continue
    if (key === 'model' || key === 'reason') out[key] = shortStringFromBytes32(value as Hex)
    else if (key === 'capability') out[key] = capabilityFromBytes32(value as Hex)
    else if (key === 'firmwareVersion') out[key] = firmwareVersionFromUint64(value as bigint)
    else if (key === 'suite') out[key] = suiteNameOf(Number(value)) ?? String(value)
    else out[key] = String(value)
  }
  return out
}
