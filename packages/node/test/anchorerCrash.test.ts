// Crash safety of anchoring (createAnchorer on a SQLite file and anvil). A crash is simulated by
// a chain connection that throws at one point of the anchoring path; the store is then closed
// and a new anchorer opens the same file, like a restarted gateway. Whatever the point, each
// batch must be anchored exactly once: one BatchAnchored event and one transaction per batch.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { isVeriotError, type VeriotError } from '@veriot/core'
import {
  type Address,
  bytesToHex,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
} from 'viem'
import { type AnchorEvent, createAnchorer } from '../src/anchoring/createAnchorer.ts'
import { getAnvilAccount } from '../src/anvil/index.ts'
import type { ChainConnection } from '../src/chain/connectChain.ts'
import { createDeviceCache } from '../src/gateway/createDeviceCache.ts'
import { createIngest } from '../src/gateway/createIngest.ts'
import { createRegistryClient } from '../src/registry/createRegistryClient.ts'
import { createSqliteStore } from '../src/store/createSqliteStore.ts'
import type { TelemetryStore } from '../src/store/TelemetryStore.ts'
import { anchoredEventCounts, assertAllAnchored } from './support/anchorChecks.ts'
import { createActiveDevice } from './support/createActiveDevice.ts'
import { startTestChain, type TestChain } from './testChain.ts'

class SimulatedCrash extends Error {}

/** The anchorer reports an unexpected exception as INTERNAL, with the exception as cause. */
const isSimulatedCrash = (err: unknown) =>
  isVeriotError(err, 'INTERNAL') && err.cause instanceof SimulatedCrash

type CrashPoint = 'before-send' | 'after-send' | 'after-mark-sent' | 'after-mined'

/**
 * The connection as `conn`, except that anchoring "crashes" (throws) at `point`:
 * before-send: the anchor transaction is never sent;
 * after-send: it is sent, but the crash comes before its hash is stored (batch stays pending);
 * after-mark-sent: sent and its hash stored, the crash comes before waiting for the receipt;
 * after-mined: mined, the crash comes before the batch is marked anchored.
 */
function crashingAt(conn: ChainConnection, point: CrashPoint): ChainConnection {
  const wallet = conn.walletClient
  assert.ok(wallet)
  const walletClient = {
    ...wallet,
    writeContract: async (request: Parameters<typeof wallet.writeContract>[0]) => {
      if (point === 'before-send') throw new SimulatedCrash(point)
      const hash = await wallet.writeContract(request)
      if (point === 'after-send') throw new SimulatedCrash(point)
      return hash
    },
  }
  const publicClient = {
    ...conn.publicClient,
    waitForTransactionReceipt: async (
      args: Parameters<typeof conn.publicClient.waitForTransactionReceipt>[0],
    ) => {
      if (point === 'after-mark-sent') throw new SimulatedCrash(point)
      await conn.publicClient.waitForTransactionReceipt(args)
      throw new SimulatedCrash(point)
    },
  }
  return { ...conn, walletClient, publicClient } as unknown as ChainConnection
}

/** A connection to a port where nothing listens (the chain is unreachable). */
async function unreachable(conn: ChainConnection): Promise<ChainConnection> {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
  const transport = http(`http://127.0.0.1:${port}`, { retryCount: 0, timeout: 2_000 })
  const account = conn.account
  assert.ok(account)
  return {
    ...conn,
    rpcUrl: `http://127.0.0.1:${port}`,
    publicClient: createPublicClient({ chain: conn.chain, transport }),
    walletClient: createWalletClient({ chain: conn.chain, transport, account }),
  }
}

/** Appends `n` readings with random ids (the anchorer reads only ids and timestamps). */
async function appendReadings(store: TelemetryStore, n: number, device: Hex): Promise<Hex[]> {
  const last = (await store.getLastSequence(device)) ?? 0
  const ids: Hex[] = []
  for (let i = 1; i <= n; i++) {
    const id = bytesToHex(randomBytes(32))
    await store.appendReading({
      id,
      deviceId: device,
      seq: last + i,
      timestamp: 1_700_000_000_000 + last + i,
      type: 'temperature',
      message: randomBytes(40),
      receivedAt: Date.now(),
    })
    ids.push(id)
  }
  return ids
}

describe('anchoring survives a crash at every point', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-anchor-'))
  let chain: TestChain
  let anchor: Address
  const device = bytesToHex(randomBytes(32))

  before(async () => {
    chain = await startTestChain()
    anchor = chain.deployment.contracts.TelemetryAnchor.address
  })
  after(async () => {
    await chain?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  /**
   * Anchors two batches with a connection that crashes at `point`, then restarts on the same
   * file with a working connection, and checks that both batches end up anchored exactly once.
   * Each case anchors from its own account: batch ids restart with every store.
   */
  async function crashAndRestart(point: CrashPoint, accountIndex: number) {
    const file = join(dir, `${point}.sqlite`)
    const conn = await chain.as(accountIndex)
    const gateway = getAnvilAccount(accountIndex).address
    const nonceAtStart = await conn.publicClient.getTransactionCount({ address: gateway })

    let store = createSqliteStore(file)
    const ids = await appendReadings(store, 10, device)
    const events: AnchorEvent[] = []
    const crashing = createAnchorer({
      store,
      conn: crashingAt(conn, point),
      anchorAddress: anchor,
      batchSize: 5,
      onEvent: (e) => events.push(e),
    })
    await assert.rejects(crashing.flush(), isSimulatedCrash)
    await crashing.stop()
    await store.close()

    // What the crash left behind.
    store = createSqliteStore(file)
    const [first] = await store.getUnanchoredBatches()
    assert.equal(first?.id, 1)
    const expectedStatus =
      point === 'after-mark-sent' || point === 'after-mined' ? 'sent' : 'pending'
    assert.equal(first?.status, expectedStatus)
    const sentBeforeRestart = point === 'before-send' ? 0 : 1
    assert.equal(
      await conn.publicClient.getTransactionCount({ address: gateway }),
      nonceAtStart + sentBeforeRestart,
    )

    const restarted = createAnchorer({ store, conn, anchorAddress: anchor, batchSize: 5 })
    await restarted.flush()
    await restarted.stop()
    const counts = await store.getCounts()
    assert.deepEqual(counts.batches, { pending: 0, sent: 0, anchored: 2 })
    // Two batches, two transactions in all: nothing was sent twice (not even a reverted one).
    assert.equal(
      await conn.publicClient.getTransactionCount({ address: gateway }),
      nonceAtStart + 2,
    )
    await assertAllAnchored(store, conn, anchor, gateway, ids)
    await store.close()
  }

  test('behavior: crash after the batch is closed, before the tx: anchored once on restart', async () => {
    await crashAndRestart('before-send', 3)
  })

  test('behavior: crash after sending, before the hash is stored (still pending): reconciled from chain', async () => {
    await crashAndRestart('after-send', 4)
  })

  test('behavior: crash after mining, before it is marked anchored: reconciled, no second tx', async () => {
    await crashAndRestart('after-mined', 5)
  })

  test('behavior: crash while the tx waits in the mempool: the restart waits for it, never sends another', async () => {
    const accountIndex = 6
    const file = join(dir, 'mempool.sqlite')
    const conn = await chain.as(accountIndex)
    const gateway = getAnvilAccount(accountIndex).address
    const testClient = createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) })
    let store = createSqliteStore(file)
    const ids = await appendReadings(store, 4, device)
    await testClient.setAutomine(false)
    try {
      const crashing = createAnchorer({
        store,
        conn: crashingAt(conn, 'after-mark-sent'),
        anchorAddress: anchor,
        batchSize: 4,
      })
      await assert.rejects(crashing.flush(), isSimulatedCrash)
      await crashing.stop()
      await store.close()

      store = createSqliteStore(file)
      const [batch] = await store.getUnanchoredBatches()
      assert.equal(batch?.status, 'sent')
      assert.ok(batch.txHash)
      const pendingNonce = () =>
        conn.publicClient.getTransactionCount({ address: gateway, blockTag: 'pending' })
      const before = await pendingNonce()

      const restarted = createAnchorer({ store, conn, anchorAddress: anchor, batchSize: 4 })
      await restarted.runOnce()
      assert.equal((await store.getBatch(1))?.status, 'sent', 'still waiting for the mempool')
      assert.equal(await pendingNonce(), before, 'no competing transaction')

      await testClient.mine({ blocks: 1 })
      await restarted.runOnce()
      await restarted.stop()
      assert.equal((await store.getBatch(1))?.txHash, batch.txHash)
      assert.equal(await pendingNonce(), before)
      await assertAllAnchored(store, conn, anchor, gateway, ids)
    } finally {
      await testClient.setAutomine(true)
      await store.close()
    }
  })

  test('behavior: chain unreachable: anchoring reports RPC_UNREACHABLE, ingest goes on, a later pass catches up', async () => {
    const accountIndex = 7
    const conn = await chain.as(accountIndex)
    const gateway = getAnvilAccount(accountIndex).address
    const store = createSqliteStore(join(dir, 'unreachable.sqlite'))
    const registry = createRegistryClient(await chain.as(0), chain.deployment)
    const devices = createDeviceCache(await chain.as(0), registry)
    const ingest = createIngest({ store, devices })
    const sensor = await createActiveDevice(chain)
    try {
      const accepted: Hex[] = []
      const send = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const r = await ingest.ingest(await sensor.message())
          assert.equal(r.status, 'accepted')
          accepted.push(r.readingId)
        }
      }
      await send(5)

      const errors: VeriotError[] = []
      const down = createAnchorer({
        store,
        conn: await unreachable(conn),
        anchorAddress: anchor,
        batchSize: 3,
        maxBatchAgeMs: 0,
        onEvent: (e) => {
          if (e.kind === 'error') errors.push(e.error)
        },
      })
      await assert.rejects(down.runOnce(), (err) => isVeriotError(err, 'RPC_UNREACHABLE'))
      await assert.rejects(down.flush(), (err) => isVeriotError(err, 'RPC_UNREACHABLE'))
      await down.stop()
      assert.deepEqual(
        errors.map((e) => e.code),
        ['RPC_UNREACHABLE', 'RPC_UNREACHABLE'],
      )
      // Batches were closed and wait; the readings are stored; ingest goes on.
      await send(4)
      const waiting = await store.getCounts()
      assert.equal(waiting.readings, 9)
      assert.equal(waiting.anchored, 0)
      assert.ok(waiting.batches.pending >= 2)
      assert.equal((await anchoredEventCounts(conn, anchor, gateway)).size, 0)

      const up = createAnchorer({ store, conn, anchorAddress: anchor, batchSize: 3 })
      await up.flush()
      await up.stop()
      const counts = await store.getCounts()
      assert.equal(counts.anchored, 9)
      assert.equal(counts.batches.pending + counts.batches.sent, 0)
      await assertAllAnchored(store, conn, anchor, gateway, accepted)
    } finally {
      devices.stop()
      await store.close()
    }
  })
})
