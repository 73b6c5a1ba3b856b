// Follows DeviceRegistry state for the gateway: device records are read from chain on first
// use and cached; every registry event for a device drops its entry (a model breaker event
// drops them all), and a reorg (the block hash at the last seen height changes) drops
// everything, so the cache never outlives the chain it came from. Unknown ids are cached
// briefly, so random ids cannot flood the RPC.
// While the chain is unreachable, known devices keep their last-known record for up to
// `maxStaleMs` (ingest goes on; nothing newer could be learned anyway); unknown ones fail
// with RPC_UNREACHABLE, which the transports treat as "retry later" (no acknowledgement).

import { deviceRegistryAbi } from '@veriot/contracts'
import { isVeriotError } from '@veriot/core'
import { BaseError, type Hash, type Hex, HttpRequestError, TimeoutError } from 'viem'
import type { ChainConnection } from '../chain/connectChain.ts'
import type { DeviceRecord, RegistryClient } from '../registry/createRegistryClient.ts'

export type DeviceCacheOptions = {
  /** Milliseconds between polls for new blocks and registry events. Default 1000. */
  pollMs?: number
  /** Milliseconds an "unknown device" answer is cached. Default 5000. */
  negativeTtlMs?: number
  /** Milliseconds a positive entry lives even without events (defence in depth). Default 60 000. */
  ttlMs?: number
  /** How long a last-known record is served while the chain cannot be read. Default 10 min. */
  maxStaleMs?: number
  now?: () => number
}

export type DeviceCache = {
  /** The device's record, or undefined when it is not registered. @throws RPC_UNREACHABLE */
  get(id: Hex): Promise<DeviceRecord | undefined>
  /** Drops one device (or all) so the next get reads the chain. */
  invalidate(id?: Hex): void
  stop(): void
}

type Entry = { record: DeviceRecord | undefined; expires: number; fetchedAt: number }

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
          // A model breaker changes every device of that model: drop them all (rare).
          if (log.eventName === 'ModelPaused' || log.eventName === 'ModelUnpaused') {
            entries.clear()
            generation++
            continue
          }
          const id = (log.args as { id?: Hex }).id
          if (id) drop(id)
        }
      }
    }
    if (lastBlock === undefined) {
      // A new baseline: no events were followed before it, so anything cached since the last
      // reset may predate an event. Start the entries from this block.
      entries.clear()
      generation++
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

  // A failed poll keeps the cache: an outage is not a reorg. The next successful poll compares
  // the remembered block hash and resets if the chain changed meanwhile.
  let chainDown = false
  // One poll at a time: overlapping polls could write an older lastBlock over a newer one.
  let polling = false
  const tick = () => {
    if (polling) return Promise.resolve()
    polling = true
    return poll()
      .finally(() => {
        polling = false
      })
      .then(
        () => {
          chainDown = false
        },
        (err) => {
          // Unreachable: keep serving what we know. Any other failure (a block we saw is gone,
          // a range past the head) means the chain changed under us: start over.
          if (isNetworkError(err)) chainDown = true
          else reset()
        },
      )
  }
  const timer = setInterval(() => {
    if (!stopped) void tick()
  }, options.pollMs ?? 1000)
  timer.unref()
  void tick()
  const maxStale = options.maxStaleMs ?? 10 * 60_000

  return {
    async get(rawId) {
      const id = rawId.toLowerCase() as Hex
      const hit = entries.get(id)
      if (hit && hit.expires > now()) return hit.record
      const stale = hit?.record !== undefined && now() - hit.fetchedAt < maxStale ? hit : undefined
      // Known outage: answer from the last-known record at once instead of waiting on the RPC.
      if (stale && chainDown) return stale.record
      const pending = inflight.get(id)
      if (pending) return pending
      const gen = generation
      const read = registry
        .getDevice(id)
        .then(
          (record): DeviceRecord | undefined | { staleRecord: DeviceRecord | undefined } => record,
          (err) => {
            if (isVeriotError(err, 'DEVICE_UNKNOWN')) return undefined
            if (stale && isVeriotError(err, 'RPC_UNREACHABLE')) return { staleRecord: stale.record }
            throw err
          },
        )
        .then((result) => {
          if (result && 'staleRecord' in result) return result.staleRecord
          const record = result as DeviceRecord | undefined
          if (gen === generation) {
            const ttl = record ? (options.ttlMs ?? 60_000) : (options.negativeTtlMs ?? 5_000)
            entries.set(id, { record, expires: now() + ttl, fetchedAt: now() })
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

function isNetworkError(err: unknown): boolean {
  return (
    err instanceof BaseError &&
    Boolean(err.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError))
  )
}
