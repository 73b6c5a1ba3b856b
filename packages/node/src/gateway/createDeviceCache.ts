// Follows DeviceRegistry state for the gateway: device records are read from chain on first
// use and cached; every registry event for a device drops its entry (a model breaker event
// drops them all), and a reorg drops everything, so the cache never outlives the chain it came
// from. A record is read at a known block (number and hash), and the poll checks the hash at
// the highest block any cached record came from: a record read at a block the poll has not
// reached yet cannot survive a reorg of that block unseen. Unknown ids are cached
// briefly, so random ids cannot flood the RPC.
// While the chain is unreachable, known devices keep their last-known record for up to
// `maxStaleMs` (ingest goes on; nothing newer could be learned anyway); unknown ones fail
// with RPC_UNREACHABLE, which the transports treat as "retry later" (no acknowledgement).

import { deviceRegistryAbi } from '@veriot/contracts'
import { isVeriotError } from '@veriot/core'
import { BaseError, type Hash, type Hex, HttpRequestError, TimeoutError } from 'viem'
import type { ChainConnection } from '../chain/connectChain.ts'
import { toVeriotError } from '../chain/toVeriotError.ts'
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
  /** Polls now (after any poll in flight): new blocks, registry events, reorgs. */
  sync(): Promise<void>
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
  // The highest block a cached record was read at (may be above lastBlock between polls).
  let highestRead: { number: bigint; hash: Hash } | undefined
  let stopped = false
  // A generation counter makes a read that started before an invalidation not repopulate the cache.
  let generation = 0

  async function poll(): Promise<void> {
    // Which block to re-check is decided before the head is read: a record read after this
    // point may come from a block newer than the head below, and is checked on the next poll.
    const known =
      highestRead !== undefined &&
      (lastBlock === undefined || highestRead.number > lastBlock.number)
        ? highestRead
        : lastBlock
    const head = await conn.publicClient.getBlock({ blockTag: 'latest' })
    if (lastBlock !== undefined && known !== undefined) {
      if (head.number < known.number) return reset()
      const sameHeight = await conn.publicClient.getBlock({ blockNumber: known.number })
      if (sameHeight.hash !== known.hash) return reset() // reorg
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
      highestRead = undefined
      generation++
    }
    lastBlock = { number: head.number, hash: head.hash as Hash }
  }

  function reset(): void {
    entries.clear()
    generation++
    lastBlock = undefined
    highestRead = undefined
  }

  // One head request shared by the cache misses that happen at the same time.
  let headRead: Promise<{ number: bigint; hash: Hash }> | undefined
  function readHead(): Promise<{ number: bigint; hash: Hash }> {
    headRead ??= conn.publicClient
      .getBlock({ blockTag: 'latest' })
      .then((b) => ({ number: b.number, hash: b.hash as Hash }))
      .finally(() => {
        headRead = undefined
      })
    return headRead
  }

  function drop(id: Hex): void {
    entries.delete(id.toLowerCase() as Hex)
    generation++
  }

  // A failed poll keeps the cache: an outage is not a reorg. The next successful poll compares
  // the remembered block hash and resets if the chain changed meanwhile.
  let chainDown = false
  // One poll at a time: overlapping polls could write an older lastBlock over a newer one.
  let polling: Promise<void> | undefined
  const tick = (): Promise<void> => {
    if (polling) return polling
    polling = poll()
      .finally(() => {
        polling = undefined
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
    return polling
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
      let at: { number: bigint; hash: Hash } | undefined
      const readAtHead = async () => {
        const block = await readHead().catch((err) => {
          throw toVeriotError(err)
        })
        at = block
        return registry.getDevice(id, { blockNumber: block.number })
      }
      // A block can vanish between the head read and the record read (a reorg): read again
      // once at the new head.
      const read = readAtHead()
        .catch((err) =>
          isVeriotError(err, 'DEVICE_UNKNOWN') || isVeriotError(err, 'RPC_UNREACHABLE')
            ? Promise.reject(err)
            : readAtHead(),
        )
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
          // A block that vanished between the head read and the record read (a reorg) is
          // caught by the generation check: the poll that saw it reset the cache.
          if (gen === generation && at !== undefined) {
            if (highestRead === undefined || at.number > highestRead.number) highestRead = at
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
    async sync() {
      await polling
      await tick()
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
