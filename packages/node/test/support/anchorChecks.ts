// Test support: checks of anchoring against the chain itself, independent of what the store
// says about it: BatchAnchored events per batch id, and each batch's root recomputed from its
// leaves and found by TelemetryAnchor.isAnchored.

import assert from 'node:assert/strict'
import { telemetryAnchorAbi } from '@veriot/contracts'
import { merkleRoot } from '@veriot/core'
import { type Address, bytesToHex, type Hex, hexToBytes } from 'viem'
import type { ChainConnection } from '../../src/chain/connectChain.ts'
import type { TelemetryStore } from '../../src/store/TelemetryStore.ts'

/** Number of BatchAnchored events of `gateway`, by batch id. */
export async function anchoredEventCounts(
  conn: ChainConnection,
  anchor: Address,
  gateway: Address,
): Promise<Map<number, number>> {
  const logs = await conn.publicClient.getContractEvents({
    address: anchor,
    abi: telemetryAnchorAbi,
    eventName: 'BatchAnchored',
    args: { gateway },
    fromBlock: 0n,
  })
  const counts = new Map<number, number>()
  for (const log of logs) {
    const id = Number(log.args.batchId)
    counts.set(id, (counts.get(id) ?? 0) + 1)
  }
  return counts
}

/**
 * Asserts that every reading in `readingIds` is stored, in a batch the store marks anchored,
 * whose root (recomputed from the batch's leaves) the chain holds for `gateway`, and that
 * the chain has exactly one BatchAnchored event for each of the store's batches.
 */
export async function assertAllAnchored(
  store: TelemetryStore,
  conn: ChainConnection,
  anchor: Address,
  gateway: Address,
  readingIds: Iterable<Hex>,
): Promise<void> {
  const batchIds = new Set<number>()
  for (const id of readingIds) {
    const reading = await store.getReading(id)
    assert.ok(reading, `reading ${id} is stored`)
    assert.notEqual(reading.batchId, undefined, `reading ${id} is in a batch`)
    batchIds.add(reading.batchId as number)
  }
  const events = await anchoredEventCounts(conn, anchor, gateway)
  for (const batchId of batchIds) {
    const batch = await store.getBatch(batchId)
    assert.equal(batch?.status, 'anchored', `batch ${batchId} is marked anchored`)
    const leaves = await store.getBatchLeaves(batchId)
    const root = bytesToHex(merkleRoot(leaves.map((l) => hexToBytes(l))))
    assert.equal(root, batch.root, `batch ${batchId}: stored root = root of its leaves`)
    const onChain = await conn.publicClient.readContract({
      address: anchor,
      abi: telemetryAnchorAbi,
      functionName: 'isAnchored',
      args: [
        gateway,
        BigInt(batchId),
        batch.root,
        batch.count,
        BigInt(batch.firstTimestamp),
        BigInt(batch.lastTimestamp),
      ],
    })
    assert.equal(onChain, true, `batch ${batchId} is anchored on chain with these values`)
  }
  const counts = await store.getCounts()
  const allBatches = counts.batches.pending + counts.batches.sent + counts.batches.anchored
  for (let id = 1; id <= allBatches; id++) {
    assert.equal(events.get(id), 1, `exactly one BatchAnchored event for batch ${id}`)
  }
  assert.equal(events.size, allBatches, 'no BatchAnchored event for a batch the store lacks')
}
