// Opening a store file written before version 2 (readings named their batch and leaf index in
// columns): it is migrated in place, batches become runs of positions, and every reading keeps
// its batch and leaf index. A file whose batches are not such runs is refused, unchanged.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { type Hex, keccak256, toHex } from 'viem'
import { createSqliteStore } from '../src/store/createSqliteStore.ts'

const dir = mkdtempSync(join(tmpdir(), 'veriot-store-migration-'))
after(() => rmSync(dir, { recursive: true, force: true }))

// The layout of version 0 (until this change), as that code created it.
const V0_SCHEMA = `
CREATE TABLE readings (
  pos INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, device_id BLOB NOT NULL,
  seq INTEGER NOT NULL, ts INTEGER NOT NULL, type TEXT NOT NULL, message BLOB NOT NULL,
  received_at INTEGER NOT NULL, batch_id INTEGER REFERENCES batches(id), leaf_index INTEGER,
  assurance_level TEXT, UNIQUE (device_id, seq));
CREATE INDEX readings_unbatched ON readings(pos) WHERE batch_id IS NULL;
CREATE INDEX readings_batch ON readings(batch_id, leaf_index);
CREATE TABLE device_sequences (device_id BLOB PRIMARY KEY, last_seq INTEGER NOT NULL);
CREATE TABLE batches (
  id INTEGER PRIMARY KEY, root BLOB NOT NULL, count INTEGER NOT NULL, first_ts INTEGER NOT NULL,
  last_ts INTEGER NOT NULL, created_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'anchored')),
  tx_hash TEXT, block_number TEXT);
CREATE TABLE rejections (code TEXT PRIMARY KEY, count INTEGER NOT NULL);`

const device: Hex = keccak256(toHex('migrated device'))
const idOf = (seq: number): Hex => keccak256(toHex(`reading ${seq}`))
const buf = (hex: Hex) => Buffer.from(hex.slice(2), 'hex')

/** A version-0 file: readings 1..6, batch 1 = readings 1..4 (anchored), 5 and 6 unbatched. */
function writeV0File(file: string, leafOf: (seq: number) => number = (seq) => seq - 1) {
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.exec(V0_SCHEMA)
  db.prepare(
    "INSERT INTO batches VALUES (1, ?, 4, 1001, 1004, 5000, 'anchored', '0xabc', '12')",
  ).run(Buffer.alloc(32, 7))
  const insert = db.prepare(
    'INSERT INTO readings (pos, id, device_id, seq, ts, type, message, received_at, batch_id, leaf_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  )
  for (let seq = 1; seq <= 6; seq++) {
    const batched = seq <= 4
    insert.run(
      seq,
      buf(idOf(seq)),
      buf(device),
      seq,
      1000 + seq,
      'temperature',
      Buffer.from(`message ${seq}`),
      4000 + seq,
      batched ? 1 : null,
      batched ? leafOf(seq) : null,
    )
  }
  db.prepare('INSERT INTO device_sequences VALUES (?, 6)').run(buf(device))
  db.close()
}

describe('SQLite store: migration of version-0 files', () => {
  test('default: readings keep their batch and leaf index; batching and appends go on', async () => {
    const file = join(dir, 'v0.sqlite')
    writeV0File(file)
    const store = createSqliteStore(file)
    try {
      const third = await store.getReading(idOf(3))
      assert.equal(third?.batchId, 1)
      assert.equal(third?.leafIndex, 2)
      assert.deepEqual(await store.getBatchLeaves(1), [1, 2, 3, 4].map(idOf))
      assert.equal((await store.getReading(idOf(5)))?.batchId, undefined)
      assert.equal(await store.getLastSequence(device), 6)
      // The unbatched readings are the next batch.
      const unbatched = await store.getUnbatched(10)
      assert.deepEqual(
        unbatched.map((r) => r.pos),
        [5, 6],
      )
      assert.equal(await store.getOldestUnbatchedAt(), 4005)
      const batch = await store.createBatch({
        firstPos: 5,
        count: 2,
        root: `0x${'11'.repeat(32)}`,
        firstTimestamp: 1005,
        lastTimestamp: 1006,
        createdAt: 6000,
      })
      assert.equal(batch.id, 2)
      const sixth = await store.getReading(idOf(6))
      assert.deepEqual([sixth?.batchId, sixth?.leafIndex], [2, 1])
      // New readings are appended after them, in the same sequence.
      await assert.rejects(
        store.appendReading({
          id: idOf(60),
          deviceId: device,
          seq: 6,
          timestamp: 1,
          type: 'temperature',
          message: new Uint8Array(1),
          receivedAt: 1,
        }),
        { code: 'SEQUENCE_REPLAYED' },
      )
      assert.equal(
        await store.appendReading({
          id: idOf(7),
          deviceId: device,
          seq: 7,
          timestamp: 1007,
          type: 'temperature',
          message: new Uint8Array(1),
          receivedAt: 4007,
        }),
        'accepted',
      )
      assert.deepEqual(
        (await store.getUnbatched(10)).map((r) => r.pos),
        [7],
      )
      const counts = await store.getCounts()
      assert.deepEqual([counts.readings, counts.batched, counts.anchored], [7, 6, 4])
    } finally {
      await store.close()
    }
    // Opening the migrated file again changes nothing.
    const again = createSqliteStore(file)
    try {
      assert.equal((await again.getReading(idOf(3)))?.leafIndex, 2)
    } finally {
      await again.close()
    }
  })

  test('error: a file whose batch is not a run of leaves in position order is refused, unchanged', async () => {
    const file = join(dir, 'v0-scrambled.sqlite')
    // Leaves 1 and 2 swapped: not what any version wrote; position order would change the root.
    writeV0File(file, (seq) => (seq === 1 ? 1 : seq === 2 ? 0 : seq - 1))
    assert.throws(
      () => createSqliteStore(file),
      (err: Error & { code?: string }) =>
        err.code === 'STORE_FAILED' &&
        /batch 1 is not a run of consecutive readings/.test(String(err.cause)),
    )
    const db = new Database(file, { readonly: true })
    try {
      assert.equal(db.pragma('user_version', { simple: true }), 0)
      const columns = db.prepare<[], { name: string }>('PRAGMA table_info(batches)').all()
      assert.ok(!columns.some((c) => c.name === 'first_pos'))
    } finally {
      db.close()
    }
  })
})
