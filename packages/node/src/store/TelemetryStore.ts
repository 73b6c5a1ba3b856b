// The storage interface of the gateway: readings, per-device sequence numbers, batches and
// rejection counters. SQLite implements it for one machine; the interface is async and
// transactional per call so that PostgreSQL can implement it at scale.

import type { AssuranceLevel } from '@veriot/core'
import type { Hex } from 'viem'

export type ReadingInput = {
  /** Reading id: the RFC 6962 leaf hash of the encoded message (0x hex, 32 bytes). */
  id: Hex
  deviceId: Hex
  seq: number
  timestamp: number
  type: string
  /** The canonical encoded, signed message exactly as received. */
  message: Uint8Array
  receivedAt: number
  /** The device's assurance level when the gateway admitted it (attestation rule on). */
  assuranceLevel?: AssuranceLevel
}

export type StoredReading = ReadingInput & {
  batchId: number | undefined
  leafIndex: number | undefined
}

/** A stored reading that is in no batch yet, as the anchorer needs it. */
export type UnbatchedReading = {
  /** Its place in arrival order; batches are runs of consecutive positions. */
  pos: number
  /** Reading id = Merkle leaf hash, 32 bytes. */
  id: Uint8Array
  timestamp: number
  receivedAt: number
}

export type BatchStatus = 'pending' | 'sent' | 'anchored'

export type Batch = {
  id: number
  root: Hex
  count: number
  firstTimestamp: number
  lastTimestamp: number
  createdAt: number
  status: BatchStatus
  txHash: Hex | undefined
  blockNumber: bigint | undefined
}

export type StoreCounts = {
  readings: number
  batched: number
  anchored: number
  batches: { pending: number; sent: number; anchored: number }
  rejected: Record<string, number>
}

export type TelemetryStore = {
  /**
   * Persists a reading durably, unless it is already stored (same id: `duplicate`, so a
   * retransmission is acknowledged again and stored once). An implementation may commit
   * appends made close together in one transaction (group commit); each promise settles only
   * after the transaction holding its reading committed, and a failed transaction refuses
   * every reading in it. Sequence and duplicate checks see every earlier append, committed
   * or in the same transaction; any other call sees every append made before it.
   * @throws SEQUENCE_REPLAYED when seq is not above the device's last accepted one
   * @throws STORE_FAILED when the transaction failed (nothing of it was stored)
   */
  appendReading(reading: ReadingInput): Promise<'accepted' | 'duplicate'>
  getLastSequence(deviceId: Hex): Promise<number | undefined>
  getReading(id: Hex): Promise<StoredReading | undefined>
  /** Most recent readings first, optionally of one device. */
  listReadings(filter: { deviceId?: Hex; limit: number }): Promise<StoredReading[]>
  /** Up to `limit` readings not yet in a batch, in arrival order (the order of their leaves). */
  getUnbatched(limit: number): Promise<UnbatchedReading[]>
  /** How many readings are in no batch yet, to close batches by size without reading them. */
  countUnbatched(): Promise<number>
  /** Oldest receivedAt among unbatched readings, to close batches by age. */
  getOldestUnbatchedAt(): Promise<number | undefined>
  /**
   * Creates, atomically and durably, the batch of the `count` readings from position
   * `firstPos` on, leaf i being the reading at `firstPos + i`: the next readings in arrival
   * order, as getUnbatched returned them.
   * @throws STORE_FAILED when they are not the next `count` unbatched readings
   */
  createBatch(batch: {
    firstPos: number
    count: number
    root: Hex
    firstTimestamp: number
    lastTimestamp: number
    createdAt: number
  }): Promise<Batch>
  getBatch(id: number): Promise<Batch | undefined>
  /** Leaf hashes (reading ids) of a batch in leaf order. */
  getBatchLeaves(id: number): Promise<Hex[]>
  /** Batches not yet anchored, oldest first. */
  getUnanchoredBatches(): Promise<Batch[]>
  markBatchSent(id: number, txHash: Hex): Promise<void>
  markBatchAnchored(id: number, txHash: Hex, blockNumber: bigint): Promise<void>
  countRejection(code: string): Promise<void>
  getCounts(): Promise<StoreCounts>
  close(): Promise<void>
}
