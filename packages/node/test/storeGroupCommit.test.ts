// Group commit in the SQLite store: appends of one event-loop turn share one transaction; each
// settles only after that transaction committed (checked from a second connection); sequence
// and duplicate checks see the earlier readings of the same group; a failed commit refuses
// every reading of its group and leaves none of them stored.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { VeriotError } from '@veriot/core'
import Database from 'better-sqlite3'
import { bytesToHex, type Hex, keccak256, toHex } from 'viem'
import { createSqliteStore } from '../src/store/createSqliteStore.ts'
import type { ReadingInput } from '../src/store/TelemetryStore.ts'

const dir = mkdtempSync(join(tmpdir(), 'veriot-group-commit-'))
after(() => rmSync(dir, { recursive: true, force: true }))

let files = 0
function openStore() {
  const file = join(dir, `store-${files++}.sqlite`)
  const groups: number[] = []
  const failed: number[] = []
  const store = createSqliteStore(file, {
    onGroupCommit: ({ size, failed: f }) => (f ? failed : groups).push(size),
  })
  return { file, store, groups, failed }
}

const deviceIdOf = (n: number): Hex => keccak256(toHex(`device ${n}`))

/** A reading input whose id is derived from (device, seq, variant), as the ingest would make. */
function reading(device: number, seq: number, variant = ''): ReadingInput {
  const message = new TextEncoder().encode(`device ${device} seq ${seq}${variant}`)
  return {
    id: keccak256(message),
    deviceId: deviceIdOf(device),
    seq,
    timestamp: 1_700_000_000_000 + seq,
    type: 'temperature',
    message,
    receivedAt: 1_700_000_000_000,
  }
}

/** Reading ids stored in `file`, read through a connection of its own (committed data only). */
function committedIds(file: string): Hex[] {
  const db = new Database(file, { readonly: true })
  try {
    return db
      .prepare<[], { id: Buffer }>('SELECT id FROM readings ORDER BY pos')
      .all()
      .map((r) => bytesToHex(r.id))
  } finally {
    db.close()
  }
}

const settle = <T>(ps: Array<Promise<T>>) => Promise.allSettled(ps)
const codeOf = (r: PromiseSettledResult<unknown>) =>
  r.status === 'rejected' && r.reason instanceof VeriotError ? r.reason.code : r.status

describe('SQLite store: group commit', () => {
  test('behavior: concurrent appends from several devices: one transaction, all accepted and stored', async () => {
    const { file, store, groups } = openStore()
    try {
      const inputs = Array.from({ length: 5 }, (_, d) =>
        Array.from({ length: 40 }, (_, s) => reading(d, s + 1)),
      ).flat()
      const results = await Promise.all(inputs.map((r) => store.appendReading(r)))
      assert.deepEqual(new Set(results), new Set(['accepted']))
      assert.deepEqual(groups, [200])
      assert.deepEqual(new Set(committedIds(file)), new Set(inputs.map((r) => r.id)))
      for (let d = 0; d < 5; d++) assert.equal(await store.getLastSequence(deviceIdOf(d)), 40)
    } finally {
      await store.close()
    }
  })

  test('behavior: each append settles only after the transaction holding it committed', async () => {
    const { file, store } = openStore()
    try {
      const inputs = [reading(1, 1), reading(2, 1), reading(1, 2)]
      const settledWith: Hex[][] = []
      const all = inputs.map((r) =>
        store.appendReading(r).then(() => settledWith.push(committedIds(file))),
      )
      // Submitted, not yet committed: another connection sees nothing.
      assert.deepEqual(committedIds(file), [])
      await Promise.all(all)
      // Every settlement already saw all three readings on disk.
      for (const seen of settledWith)
        assert.deepEqual(
          seen,
          inputs.map((r) => r.id),
        )
    } finally {
      await store.close()
    }
  })

  test('behavior: a replay within one group is refused; a retransmission within it is a duplicate, stored once', async () => {
    const { file, store, groups } = openStore()
    try {
      const results = await settle([
        store.appendReading(reading(1, 5)),
        store.appendReading(reading(1, 5)), // the same message again
        store.appendReading(reading(1, 5, ' forged')), // another message with a used sequence
        store.appendReading(reading(1, 4)), // older than one already accepted in the group
        store.appendReading(reading(1, 6)),
      ])
      assert.deepEqual(groups, [5])
      assert.deepEqual(results.map(codeOf), [
        'fulfilled',
        'fulfilled',
        'SEQUENCE_REPLAYED',
        'SEQUENCE_REPLAYED',
        'fulfilled',
      ])
      assert.deepEqual(
        results.map((r) => (r.status === 'fulfilled' ? r.value : undefined)),
        ['accepted', 'duplicate', undefined, undefined, 'accepted'],
      )
      assert.deepEqual(committedIds(file), [reading(1, 5).id, reading(1, 6).id])
      assert.equal(await store.getLastSequence(deviceIdOf(1)), 6)
      // Across groups the same rules hold.
      assert.equal(await store.appendReading(reading(1, 6)), 'duplicate')
      await assert.rejects(store.appendReading(reading(1, 6, ' forged')), {
        code: 'SEQUENCE_REPLAYED',
      })
    } finally {
      await store.close()
    }
  })

  test('behavior: a read after appends sees them (queued appends are committed first)', async () => {
    const { store, groups } = openStore()
    try {
      const pending = [store.appendReading(reading(3, 1)), store.appendReading(reading(3, 2))]
      // Same turn, before the group closed on its own.
      assert.equal(await store.getLastSequence(deviceIdOf(3)), 2)
      assert.equal((await store.getReading(reading(3, 2).id))?.seq, 2)
      assert.deepEqual(await Promise.all(pending), ['accepted', 'accepted'])
      assert.deepEqual(groups, [2])
    } finally {
      await store.close()
    }
  })

  test('error: a failing insert in the middle of a group refuses the whole group, stores nothing of it', async () => {
    const { file, store, groups, failed } = openStore()
    try {
      assert.equal(await store.appendReading(reading(1, 1)), 'accepted')
      // Another connection makes the third reading's insert fail inside the transaction.
      const other = new Database(file)
      other.exec(`CREATE TRIGGER fail_seq_3 BEFORE INSERT ON readings WHEN NEW.seq = 3
        BEGIN SELECT RAISE(ABORT, 'injected failure'); END`)
      const group = [reading(1, 2), reading(2, 1), reading(1, 3), reading(2, 2), reading(1, 1)]
      const results = await settle(group.map((r) => store.appendReading(r)))
      // The exact retransmission (would be a duplicate) is refused too: not acknowledged.
      assert.deepEqual(results.map(codeOf), Array(5).fill('STORE_FAILED'))
      const reason = (results[0] as PromiseRejectedResult).reason as VeriotError
      assert.match(reason.message, /group of 5 readings failed; none was stored/)
      assert.deepEqual(failed, [5])
      assert.deepEqual(committedIds(file), [reading(1, 1).id])
      assert.equal(await store.getLastSequence(deviceIdOf(1)), 1)
      assert.equal(await store.getLastSequence(deviceIdOf(2)), undefined)
      // Once the fault is gone, the devices' retries are accepted.
      other.exec('DROP TRIGGER fail_seq_3')
      other.close()
      const retried = await Promise.all(group.map((r) => store.appendReading(r)))
      assert.deepEqual(retried, ['accepted', 'accepted', 'accepted', 'accepted', 'duplicate'])
      assert.deepEqual(groups, [1, 5])
    } finally {
      await store.close()
    }
  })

  test('error: a failing COMMIT refuses the whole group and stores nothing of it', async () => {
    const { file, store, failed } = openStore()
    try {
      // A deferred foreign-key violation is detected only by COMMIT itself.
      const other = new Database(file)
      other.exec(`CREATE TABLE fault (batch INTEGER REFERENCES batches(id) DEFERRABLE INITIALLY DEFERRED);
        CREATE TRIGGER fail_commit AFTER INSERT ON readings WHEN NEW.seq = 2
        BEGIN INSERT INTO fault VALUES (424242); END`)
      const group = [reading(1, 1), reading(1, 2), reading(2, 1)]
      const results = await settle(group.map((r) => store.appendReading(r)))
      assert.deepEqual(results.map(codeOf), Array(3).fill('STORE_FAILED'))
      assert.match(
        String(((results[0] as PromiseRejectedResult).reason as VeriotError).cause),
        /FOREIGN KEY/,
      )
      assert.deepEqual(failed, [3])
      assert.deepEqual(committedIds(file), [])
      // The connection is usable again, with no transaction left open.
      other.exec('DROP TRIGGER fail_commit')
      other.close()
      assert.deepEqual(await Promise.all(group.map((r) => store.appendReading(r))), [
        'accepted',
        'accepted',
        'accepted',
      ])
    } finally {
      await store.close()
    }
  })

  test('error: a failed flush to disk refuses its group and every later append', async () => {
    const { file, store } = openStore()
    try {
      // Whatever the cause (here the log is gone from the folder before the first flush opened
      // it), once a flush fails nothing written after it is known to be on disk: refuse, never
      // acknowledge.
      unlinkSync(`${file}-wal`)
      await assert.rejects(store.appendReading(reading(1, 2)), (err: VeriotError) => {
        assert.equal(err.code, 'STORE_FAILED')
        assert.match(err.message, /flushing a group of 1 readings to disk failed/)
        return true
      })
      await assert.rejects(store.appendReading(reading(1, 3)), {
        code: 'STORE_FAILED',
        message: /an earlier flush to disk failed/,
      })
    } finally {
      await store.close().catch(() => {})
    }
  })

  test('args: maxGroup splits a large burst into several transactions, in order', async () => {
    const file = join(dir, `store-${files++}.sqlite`)
    const groups: number[] = []
    const store = createSqliteStore(file, {
      maxGroup: 8,
      onGroupCommit: ({ size }) => groups.push(size),
    })
    try {
      const inputs = Array.from({ length: 20 }, (_, s) => reading(7, s + 1))
      const results = await Promise.all(inputs.map((r) => store.appendReading(r)))
      assert.deepEqual(new Set(results), new Set(['accepted']))
      assert.deepEqual(groups, [8, 8, 4])
      assert.deepEqual(
        committedIds(file),
        inputs.map((r) => r.id),
      )
    } finally {
      await store.close()
    }
  })

  test('behavior: close commits what is queued; appends after close are refused', async () => {
    const { file, store } = openStore()
    const pending = store.appendReading(reading(9, 1))
    await store.close()
    assert.equal(await pending, 'accepted')
    assert.deepEqual(committedIds(file), [reading(9, 1).id])
    await assert.rejects(store.appendReading(reading(9, 2)), { code: 'STORE_FAILED' })
  })
})
