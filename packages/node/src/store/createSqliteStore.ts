// SQLite implementation of TelemetryStore (better-sqlite3, WAL, synchronous=FULL): a reading
// is on disk before appendReading resolves, so the gateway acknowledges only what survives
// a crash. Appends are group-committed: those of one event-loop turn share a transaction.

import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { type AssuranceLevel, VeriotError } from '@veriot/core'
import Database from 'better-sqlite3'
import { bytesToHex, type Hex, hexToBytes } from 'viem'
import { createGroupCommit, type GroupOutcome } from './createGroupCommit.ts'
import type {
  Batch,
  BatchStatus,
  ReadingInput,
  StoreCounts,
  StoredReading,
  TelemetryStore,
} from './TelemetryStore.ts'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS readings (
  pos INTEGER PRIMARY KEY,
  id BLOB NOT NULL UNIQUE,
  device_id BLOB NOT NULL,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  type TEXT NOT NULL,
  message BLOB NOT NULL,
  received_at INTEGER NOT NULL,
  batch_id INTEGER REFERENCES batches(id),
  leaf_index INTEGER,
  assurance_level TEXT,
  UNIQUE (device_id, seq)
);
CREATE INDEX IF NOT EXISTS readings_unbatched ON readings(pos) WHERE batch_id IS NULL;
CREATE INDEX IF NOT EXISTS readings_batch ON readings(batch_id, leaf_index);
CREATE TABLE IF NOT EXISTS device_sequences (
  device_id BLOB PRIMARY KEY,
  last_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  count INTEGER NOT NULL,
  first_ts INTEGER NOT NULL,
  last_ts INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'anchored')),
  tx_hash TEXT,
  block_number TEXT
);
CREATE TABLE IF NOT EXISTS rejections (
  code TEXT PRIMARY KEY,
  count INTEGER NOT NULL
);
`

type ReadingRow = {
  id: Buffer
  device_id: Buffer
  seq: number
  ts: number
  type: string
  message: Buffer
  received_at: number
  batch_id: number | null
  leaf_index: number | null
  assurance_level: AssuranceLevel | null
}
type BatchRow = {
  id: number
  root: Buffer
  count: number
  first_ts: number
  last_ts: number
  created_at: number
  status: BatchStatus
  tx_hash: string | null
  block_number: string | null
}

export type SqliteStoreOptions = {
  /** `FULL` (default) survives power loss; `NORMAL` survives a process crash only. */
  synchronous?: 'FULL' | 'NORMAL'
  /** Largest number of appends committed in one transaction. Default 1024. */
  maxGroup?: number
  /** Told after each group commit of appends (size, time in the transaction), for metrics. */
  onGroupCommit?: (info: { size: number; ms: number; failed: boolean }) => void
}

type AppendOutcome = 'accepted' | 'duplicate'

/**
 * Opens (or creates) the SQLite store at `path`.
 * @throws STORE_FAILED
 */
export function createSqliteStore(path: string, options: SqliteStoreOptions = {}): TelemetryStore {
  let db: Database.Database
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    db = new Database(path)
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`)
    db.pragma('foreign_keys = ON')
    db.exec(SCHEMA)
    migrate(db)
  } catch (cause) {
    throw new VeriotError('STORE_FAILED', `cannot open the SQLite store at ${path}`, { cause })
  }

  const q = {
    readingById: db.prepare<[Buffer], ReadingRow>('SELECT * FROM readings WHERE id = ?'),
    recent: db.prepare<[number], ReadingRow>('SELECT * FROM readings ORDER BY pos DESC LIMIT ?'),
    recentOfDevice: db.prepare<[Buffer, number], ReadingRow>(
      'SELECT * FROM readings WHERE device_id = ? ORDER BY seq DESC LIMIT ?',
    ),
    lastSeq: db.prepare<[Buffer], { last_seq: number }>(
      'SELECT last_seq FROM device_sequences WHERE device_id = ?',
    ),
    insertReading: db.prepare(
      'INSERT INTO readings (id, device_id, seq, ts, type, message, received_at, assurance_level) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    upsertSeq: db.prepare(
      'INSERT INTO device_sequences (device_id, last_seq) VALUES (?, ?) ON CONFLICT(device_id) DO UPDATE SET last_seq = excluded.last_seq',
    ),
    unbatched: db.prepare<[number], ReadingRow>(
      'SELECT * FROM readings WHERE batch_id IS NULL ORDER BY pos LIMIT ?',
    ),
    oldestUnbatched: db.prepare<[], { t: number | null }>(
      'SELECT MIN(received_at) AS t FROM readings WHERE batch_id IS NULL',
    ),
    insertBatch: db.prepare(
      "INSERT INTO batches (root, count, first_ts, last_ts, created_at, status) VALUES (?, ?, ?, ?, ?, 'pending')",
    ),
    assignLeaf: db.prepare(
      'UPDATE readings SET batch_id = ?, leaf_index = ? WHERE id = ? AND batch_id IS NULL',
    ),
    batchById: db.prepare<[number], BatchRow>('SELECT * FROM batches WHERE id = ?'),
    batchLeaves: db.prepare<[number], { id: Buffer }>(
      'SELECT id FROM readings WHERE batch_id = ? ORDER BY leaf_index',
    ),
    unanchored: db.prepare<[], BatchRow>(
      "SELECT * FROM batches WHERE status != 'anchored' ORDER BY id",
    ),
    markSent: db.prepare(
      "UPDATE batches SET status = 'sent', tx_hash = ? WHERE id = ? AND status != 'anchored'",
    ),
    markAnchored: db.prepare(
      "UPDATE batches SET status = 'anchored', tx_hash = ?, block_number = ? WHERE id = ?",
    ),
    reject: db.prepare(
      'INSERT INTO rejections (code, count) VALUES (?, 1) ON CONFLICT(code) DO UPDATE SET count = count + 1',
    ),
    countReadings: db.prepare<[], { n: number; b: number }>(
      'SELECT COUNT(*) AS n, COUNT(batch_id) AS b FROM readings',
    ),
    countAnchored: db.prepare<[], { n: number | null }>(
      "SELECT SUM(count) AS n FROM batches WHERE status = 'anchored'",
    ),
    batchStatusCounts: db.prepare<[], { status: BatchStatus; n: number }>(
      'SELECT status, COUNT(*) AS n FROM batches GROUP BY status',
    ),
    rejections: db.prepare<[], { code: string; count: number }>(
      'SELECT code, count FROM rejections',
    ),
  }

  // One reading inside the group's transaction. Earlier readings of the same group are
  // visible here (same connection), so a replay or a retransmission within one group is
  // refused or answered as a duplicate exactly as across groups.
  const appendOne = (r: ReadingInput): AppendOutcome => {
    const id = Buffer.from(hexToBytes(r.id))
    if (q.readingById.get(id)) return 'duplicate'
    const device = Buffer.from(hexToBytes(r.deviceId))
    const last = q.lastSeq.get(device)?.last_seq
    if (last !== undefined && r.seq <= last) {
      throw new VeriotError(
        'SEQUENCE_REPLAYED',
        `"seq" expected > ${last} for device ${r.deviceId}, got ${r.seq}`,
        { context: { deviceId: r.deviceId, expectedAbove: last, got: r.seq } },
      )
    }
    q.insertReading.run(
      id,
      device,
      r.seq,
      r.timestamp,
      r.type,
      Buffer.from(r.message),
      r.receivedAt,
      r.assuranceLevel ?? null,
    )
    q.upsertSeq.run(device, r.seq)
    return 'accepted'
  }

  // All or nothing: a refusal (SEQUENCE_REPLAYED) is an outcome of its reading, anything
  // thrown (SQLite, I/O, the COMMIT itself) rolls the whole group back.
  const appendGroup = db.transaction(
    (group: readonly ReadingInput[]): Array<GroupOutcome<AppendOutcome>> =>
      group.map((r) => {
        try {
          return { ok: true, value: appendOne(r) }
        } catch (error) {
          if (error instanceof VeriotError && error.code === 'SEQUENCE_REPLAYED') {
            return { ok: false, error }
          }
          throw error
        }
      }),
  )

  const appends = createGroupCommit<ReadingInput, AppendOutcome>({
    commit: (group) => appendGroup.immediate(group),
    onGroupError: (cause, size) =>
      new VeriotError(
        'STORE_FAILED',
        `SQLite store: committing a group of ${size} readings failed; none was stored`,
        { cause, context: { groupSize: size } },
      ),
    ...(options.maxGroup !== undefined ? { maxGroup: options.maxGroup } : {}),
    ...(options.onGroupCommit ? { onCommit: options.onGroupCommit } : {}),
  })

  const createBatchTx = db.transaction(
    (b: Parameters<TelemetryStore['createBatch']>[0]): number => {
      const info = q.insertBatch.run(
        Buffer.from(hexToBytes(b.root)),
        b.readingIds.length,
        b.firstTimestamp,
        b.lastTimestamp,
        b.createdAt,
      )
      const batchId = Number(info.lastInsertRowid)
      b.readingIds.forEach((id, i) => {
        const changed = q.assignLeaf.run(batchId, i, Buffer.from(hexToBytes(id))).changes
        if (changed !== 1) {
          throw new VeriotError('STORE_FAILED', `reading ${id} is unknown or already batched`)
        }
      })
      return batchId
    },
  )

  // Every other call is ordered after the appends submitted before it: queued appends are
  // committed first, so a read sees them and a batch can include them.
  const guard = <T>(what: string, fn: () => T, afterAppends = true): Promise<T> => {
    try {
      if (afterAppends && appends.pending > 0 && db.open) appends.flush()
      return Promise.resolve(fn())
    } catch (cause) {
      if (cause instanceof VeriotError) return Promise.reject(cause)
      return Promise.reject(
        new VeriotError('STORE_FAILED', `SQLite store: ${what} failed`, { cause }),
      )
    }
  }

  return {
    appendReading: (r) =>
      db.open
        ? appends.submit(r)
        : Promise.reject(new VeriotError('STORE_FAILED', 'SQLite store: the store is closed')),
    getLastSequence: (deviceId) =>
      guard('read sequence', () => q.lastSeq.get(Buffer.from(hexToBytes(deviceId)))?.last_seq),
    getReading: (id) =>
      guard('read reading', () => {
        const row = q.readingById.get(Buffer.from(hexToBytes(id)))
        return row ? toReading(row) : undefined
      }),
    listReadings: ({ deviceId, limit }) =>
      guard('list readings', () =>
        (deviceId
          ? q.recentOfDevice.all(Buffer.from(hexToBytes(deviceId)), limit)
          : q.recent.all(limit)
        ).map(toReading),
      ),
    getUnbatched: (limit) => guard('read unbatched', () => q.unbatched.all(limit).map(toReading)),
    getOldestUnbatchedAt: (): Promise<number | undefined> =>
      guard('read oldest', () => q.oldestUnbatched.get()?.t ?? undefined),
    createBatch: (b) =>
      guard('create batch', () => toBatch(q.batchById.get(createBatchTx.immediate(b)) as BatchRow)),
    getBatch: (id) =>
      guard('read batch', () => {
        const row = q.batchById.get(id)
        return row ? toBatch(row) : undefined
      }),
    getBatchLeaves: (id) =>
      guard('read leaves', () => q.batchLeaves.all(id).map((r) => bytesToHex(r.id))),
    getUnanchoredBatches: () => guard('read batches', () => q.unanchored.all().map(toBatch)),
    markBatchSent: (id, txHash) =>
      guard('mark sent', () => {
        q.markSent.run(txHash, id)
      }),
    markBatchAnchored: (id, txHash, blockNumber) =>
      guard('mark anchored', () => {
        q.markAnchored.run(txHash, blockNumber.toString(), id)
      }),
    countRejection: (code) =>
      guard(
        'count rejection',
        () => {
          q.reject.run(code)
        },
        false,
      ),
    getCounts: () =>
      guard('count', (): StoreCounts => {
        const r = q.countReadings.get() ?? { n: 0, b: 0 }
        const batches = { pending: 0, sent: 0, anchored: 0 }
        for (const row of q.batchStatusCounts.all()) batches[row.status] = row.n
        return {
          readings: r.n,
          batched: r.b,
          anchored: q.countAnchored.get()?.n ?? 0,
          batches,
          rejected: Object.fromEntries(q.rejections.all().map((x) => [x.code, x.count])),
        }
      }),
    close: () =>
      guard('close', () => {
        if (db.open) db.close()
      }),
  }
}

function toReading(row: ReadingRow): StoredReading {
  return {
    id: bytesToHex(row.id),
    deviceId: bytesToHex(row.device_id),
    seq: row.seq,
    timestamp: row.ts,
    type: row.type,
    message: new Uint8Array(row.message),
    receivedAt: row.received_at,
    batchId: row.batch_id ?? undefined,
    leafIndex: row.leaf_index ?? undefined,
    ...(row.assurance_level ? { assuranceLevel: row.assurance_level } : {}),
  }
}

/** Additive migrations of files created by older versions. */
function migrate(db: Database.Database): void {
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(readings)').all()
  // Before the attestation rule: readings had no assurance level (NULL = not attested).
  if (!columns.some((c) => c.name === 'assurance_level')) {
    db.exec('ALTER TABLE readings ADD COLUMN assurance_level TEXT')
  }
}

function toBatch(row: BatchRow): Batch {
  return {
    id: row.id,
    root: bytesToHex(row.root),
    count: row.count,
    firstTimestamp: row.first_ts,
    lastTimestamp: row.last_ts,
    createdAt: row.created_at,
    status: row.status,
    txHash: (row.tx_hash ?? undefined) as Hex | undefined,
    blockNumber: row.block_number === null ? undefined : BigInt(row.block_number),
  }
}
