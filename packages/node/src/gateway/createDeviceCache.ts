// Follows DeviceRegistry state for the gateway: device records are read from chain on first
// use and cached; every registry event for a device drops its entry, and a reorg (the block
// hash at the last seen height changes) drops everything, so the cache never outlives the
// chain it came from. Unknown ids are cached briefly, so random ids cannot flood the RPC.

import { deviceRegistryAbi } from '@veriot/contracts'
import { isVeriotError } from '@veriot/core'
import type { Hash, Hex } from 'viem'
import type { ChainConnection } from '../chain/connectChain.ts'
import type { DeviceRecord, RegistryClient } from '../registry/createRegistryClient.ts'

export type DeviceCacheOptions = {
  /** Milliseconds between polls for new blocks and registry events. Default 1000. */
  pollMs?: number
  /** Milliseconds an "unknown device" answer is cached. Default 5000. */
  negativeTtlMs?: number
  /** Milliseconds a positive entry lives even without events (defence in depth). Default 60 000. */
  ttlMs?: number
  now?: () => number
}

export type DeviceCache = {
  /** The device's record, or undefined when it is not registered. @throws RPC_UNREACHABLE */
  get(id: Hex): Promise<DeviceRecord | undefined>
  /** Drops one device (or all) so the next get reads the chain. */
  invalidate(id?: Hex): void
  stop(): void
}

type Entry = { record: DeviceRecord | undefined; expires: number }

export function createDeviceCache(
  conn: ChainConnection,
  registry: RegistryClient,
  options: DeviceCacheOptions = {},
): DeviceCache {
  const now = options.now ?? Date.now
  const entries = new Map<Hex, Entry>()
  const inflight = new Map<Hex, Promise<DeviceRecord | undefined>>()
  let lastBlock: { number: bigint; hash: Hash } | undefined
  let stopped = false
  // A generation counter makes a read that started before an invalidation not repopulate the cache.
  let generation = 0

  async function poll(): Promise<void> {
    const head = await conn.publicClient.getBlock({ blockTag: 'latest' })
    if (lastBlock !== undefined) {
      if (head.number < lastBlock.number) return reset()
      const sameHeight = await conn.publicClient.getBlock({ blockNumber: lastBlock.number })
      if (sameHeight.hash !== lastBlock.hash) return reset() // reorg
      if (head.number > lastBlock.number) {
        const logs = await conn.publicClient.getContractEvents({
          address: registry.address,
          abi: deviceRegistryAbi,
          fromBlock: lastBlock.number + 1n,
          toBlock: head.number,
        })
        for (const log of logs) {
          const id = (log.args as { id?: Hex }).id
          if (id) drop(id)
        }
      }
    }
    lastBlock = { number: head.number, hash: head.hash as Hash }
  }

  function reset(): void {
    entries.clear()
    generation++
    lastBlock = undefined
  }

  function drop(id: Hex): void {
    entries.delete(id.toLowerCase() as Hex)
    generation++
  }

  const timer = setInterval(() => {
    if (!stopped) poll().catch(() => reset())
  }, options.pollMs ?? 1000)
  timer.unref()
  void poll().catch(() => reset())

  return {
    async get(rawId) {
      const id = rawId.toLowerCase() as Hex
      const hit = entries.get(id)
      if (hit && hit.expires > now()) return hit.record
      const pending = inflight.get(id)
      if (pending) return pending
      const gen = generation
      const read = registry
        .getDevice(id)
        .then(
          (record) => record as DeviceRecord | undefined,
          (err) => {
            if (isVeriotError(err, 'DEVICE_UNKNOWN')) return undefined
            throw err
          },
        )
        .then((record) => {
          if (gen === generation) {
            const ttl = record ? (options.ttlMs ?? 60_000) : (options.negativeTtlMs ?? 5_000)
            entries.set(id, { record, expires: now() + ttl })
          }
          return record
        })
        .finally(() => inflight.delete(id))
      inflight.set(id, read)
      return read
    },
    invalidate(id) {
      if (id) drop(id)
      else reset()
    },
    stop() {
      stopped = true
      clearInterval(timer)
    },
  }
}
