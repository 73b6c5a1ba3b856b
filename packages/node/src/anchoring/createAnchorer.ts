// Closes batches of stored readings (by size or age) and anchors their RFC 6962 roots on
// TelemetryAnchor. Crash-safe: the batch is stored before its transaction is sent, the tx
// hash before it is mined, and on every pass unanchored batches are first reconciled with
// the chain (TelemetryAnchor keys batches by gateway and id, so a resend can never anchor
// twice). While the chain is unreachable, ingest goes on and batches wait.

import { telemetryAnchorAbi } from '@veriot/contracts'
import { merkleRoot, VeriotError } from '@veriot/core'
import { type Address, bytesToHex, type Hex } from 'viem'
import type { ChainConnection } from '../chain/connectChain.ts'
import { toVeriotError } from '../chain/toVeriotError.ts'
import type { Batch, TelemetryStore, UnbatchedReading } from '../store/TelemetryStore.ts'

export type AnchorerOptions = {
  store: TelemetryStore
  conn: ChainConnection
  anchorAddress: Address
  /**
   * Close a batch when this many readings wait (the most a batch holds). Default 8192: one anchor
   * costs ~48 000 gas whatever its size, so ~6 gas per reading when full; at lower rates batches
   * close by age, smaller.
   */
  batchSize?: number
  /** Close a batch when the oldest waiting reading is this old, ms. Default 10 000. */
  maxBatchAgeMs?: number
  /** Pause between passes that found nothing to do, ms. Default 500. */
  intervalMs?: number
  /** How often a sent transaction's receipt is looked for, ms. Default 100. */
  receiptPollMs?: number
  now?: () => number
  onEvent?: (event: AnchorEvent) => void
}

export type AnchorEvent =
  | { kind: 'batch-closed'; batch: Batch }
  | { kind: 'anchor-sent'; batchId: number; txHash: Hex }
  | { kind: 'anchored'; batchId: number; txHash: Hex; blockNumber: bigint }
  | { kind: 'error'; error: VeriotError }

export type Anchorer = {
  /**
   * One pass: close the batches that are due, then reconcile and anchor the unanchored ones.
   * @throws RPC_UNREACHABLE, TX_FAILED, ACCOUNT_MISSING, STORE_FAILED (also reported as an
   *   `error` event); the batches stay stored and the next pass retries them
   */
  runOnce(): Promise<void>
  /** Closes every waiting reading into batches (ignoring age) and anchors them. @throws as runOnce */
  flush(): Promise<void>
  start(): void
  stop(): Promise<void>
}

export function createAnchorer(options: AnchorerOptions): Anchorer {
  const { store, conn, anchorAddress } = options
  const batchSize = options.batchSize ?? 8192
  const maxAge = options.maxBatchAgeMs ?? 10_000
  const now = options.now ?? Date.now
  let timer: NodeJS.Timeout | undefined
  let running: Promise<boolean> | undefined
  let stopped = false

  const gateway = (): Address => {
    if (!conn.account) throw new VeriotError('ACCOUNT_MISSING', 'anchoring needs a gateway account')
    return conn.account.address
  }

  async function findAnchorLog(batch: Batch) {
    const logs = await conn.publicClient.getContractEvents({
      address: anchorAddress,
      abi: telemetryAnchorAbi,
      eventName: 'BatchAnchored',
      args: { gateway: gateway(), batchId: BigInt(batch.id) },
      fromBlock: 0n,
    })
    return logs.find((l) => l.args.root?.toLowerCase() === batch.root.toLowerCase())
  }

  async function reconcile(batch: Batch): Promise<'anchored' | 'send' | 'wait'> {
    const commitment = await conn.publicClient.readContract({
      address: anchorAddress,
      abi: telemetryAnchorAbi,
      functionName: 'commitments',
      args: [gateway(), BigInt(batch.id)],
    })
    if (commitment !== `0x${'0'.repeat(64)}`) {
      const log = await findAnchorLog(batch)
      if (!log) {
        throw new VeriotError(
          'TX_FAILED',
          `batch ${batch.id} is anchored on chain by ${gateway()} with another root: this gateway account was used with another store; use a fresh account per store`,
          { context: { batchId: batch.id } },
        )
      }
      await store.markBatchAnchored(batch.id, log.transactionHash, log.blockNumber)
      options.onEvent?.({
        kind: 'anchored',
        batchId: batch.id,
        txHash: log.transactionHash,
        blockNumber: log.blockNumber,
      })
      return 'anchored'
    }
    if (batch.status === 'sent' && batch.txHash) {
      // Still in the mempool: wait for it rather than sending a competing transaction.
      const pending = await conn.publicClient
        .getTransaction({ hash: batch.txHash })
        .catch(() => undefined)
      if (pending && pending.blockNumber === null) return 'wait'
    }
    return 'send'
  }

  async function send(batch: Batch): Promise<void> {
    const wallet = conn.walletClient
    if (!wallet) throw new VeriotError('ACCOUNT_MISSING', 'anchoring needs a gateway account')
    const args = [
      BigInt(batch.id),
      batch.root,
      batch.count,
      BigInt(batch.firstTimestamp),
      BigInt(batch.lastTimestamp),
    ] as const
    const { request } = await conn.publicClient.simulateContract({
      address: anchorAddress,
      abi: telemetryAnchorAbi,
      functionName: 'anchor',
      args,
      account: wallet.account,
    })
    const txHash = await wallet.writeContract(request)
    await store.markBatchSent(batch.id, txHash)
    options.onEvent?.({ kind: 'anchor-sent', batchId: batch.id, txHash })
    // viem's default for a chain without a block time is 4 s between looks: far too slow for a
    // chain that mines at once (anvil) or every 1–2 s (consortium chains, L2s).
    const receipt = await conn.publicClient.waitForTransactionReceipt({
      hash: txHash,
      pollingInterval: options.receiptPollMs ?? 100,
    })
    if (receipt.status !== 'success') {
      throw new VeriotError('TX_FAILED', `anchor tx ${txHash} for batch ${batch.id} reverted`)
    }
    await store.markBatchAnchored(batch.id, txHash, receipt.blockNumber)
    options.onEvent?.({
      kind: 'anchored',
      batchId: batch.id,
      txHash,
      blockNumber: receipt.blockNumber,
    })
  }

  /** Anchors what is not anchored yet; true when it anchored any (a batch still in the mempool is not progress). */
  async function anchorPending(): Promise<boolean> {
    let progress = false
    for (const batch of await store.getUnanchoredBatches()) {
      if (stopped) break
      const next = await reconcile(batch)
      if (next === 'send') await send(batch)
      if (next !== 'wait') progress = true
    }
    return progress
  }

  /** Closes the batches that are due; true when it closed any. */
  async function closeBatches(force: boolean): Promise<boolean> {
    for (let closed = false; ; closed = true) {
      const oldest = await store.getOldestUnbatchedAt()
      if (oldest === undefined) return closed
      // Read the readings only once a batch is due: a pass that waits only counts them.
      const due = force || now() - oldest >= maxAge || (await store.countUnbatched()) >= batchSize
      if (!due) return closed
      const readings = await store.getUnbatched(batchSize)
      if (readings.length === 0) return closed
      let firstTimestamp = Number.POSITIVE_INFINITY
      let lastTimestamp = Number.NEGATIVE_INFINITY
      for (const r of readings) {
        if (r.timestamp < firstTimestamp) firstTimestamp = r.timestamp
        if (r.timestamp > lastTimestamp) lastTimestamp = r.timestamp
      }
      const batch = await store.createBatch({
        firstPos: (readings[0] as UnbatchedReading).pos,
        count: readings.length,
        root: bytesToHex(merkleRoot(readings.map((r) => r.id))),
        firstTimestamp,
        lastTimestamp,
        createdAt: now(),
      })
      options.onEvent?.({ kind: 'batch-closed', batch })
      if (readings.length < batchSize) return true
    }
  }

  /** One pass; true when it found work (then the next pass follows at once). */
  async function pass(force: boolean): Promise<boolean> {
    const closed = await closeBatches(force)
    const anchored = await anchorPending()
    return closed || anchored
  }

  function guarded(force: boolean): Promise<boolean> {
    running ??= pass(force)
      .catch((err) => {
        // Callers get the same VeriotError as the event (a code, no raw viem error with URLs).
        const error = toVeriotError(err)
        options.onEvent?.({ kind: 'error', error })
        throw error
      })
      .finally(() => {
        running = undefined
      })
    return running
  }

  return {
    runOnce: async () => {
      await guarded(false)
    },
    async flush() {
      if (running) await running.catch(() => {})
      await guarded(true)
    },
    start() {
      // Busy (a pass found batches to close or anchor): go again at once, so anchoring keeps
      // up with ingest; idle or failing: wait.
      const tick = () => {
        if (stopped) return
        guarded(false)
          .catch(() => false)
          .then((busy) => {
            if (!stopped) timer = setTimeout(tick, busy ? 0 : (options.intervalMs ?? 500))
          })
      }
      tick()
    },
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      await running?.catch(() => {})
    },
  }
}
