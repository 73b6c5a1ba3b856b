// SQLite implementation of TelemetryStore (better-sqlite3, WAL): a reading is on disk before
// appendReading resolves, so the gateway acknowledges only what survives a crash or a power
// loss. Appends are group-committed (those of one event-loop turn share a transaction) and made
// durable by one fdatasync of the log off the event loop, shared by the groups committed
// meanwhile. A reading is one row insert with two small integer index entries: sequence and
// duplicate checks run on the device's last sequence kept in memory, devices are numbered, ids
// are found by a 48-bit prefix, and a batch is a run of consecutive arrival positions.

import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { type AssuranceLevel, VeriotError } from '@veriot/core'
import Database from 'better-sqlite3'
import { bytesToHex, type Hex } from 'viem'
import { createGroupCommit, type GroupOutcome } from './createGroupCommit.ts'
import { createWalSync, type WalSync } from './createWalSync.ts'
import type {
  Batch,
  BatchStatus,
  ReadingInput,
  StoreCounts,
  StoredReading,
  TelemetryStore,
  UnbatchedReading,
} from './TelemetryStore.ts'

/** `PRAGMA user_version` of the layout below; older files are migrated on open. */
const SCHEMA_VERSION = 2

// Keys are small integers where the hot path inserts them: a device's number instead of its
// 32-byte id, the first 48 bits of a reading id instead of all of it (lookups compare the whole
// id). (device, seq) is unique, and so is the id: equal ids are equal bytes, so the same device
// and sequence.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS devices (
  key INTEGER PRIMARY KEY,
  device_id BLOB NOT NULL UNIQUE,
  last_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS readings (
  pos INTEGER PRIMARY KEY,
  id BLOB NOT NULL,
  id_key INTEGER NOT NULL,
  device INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  type TEXT NOT NULL,
  message BLOB NOT NULL,
  received_at INTEGER NOT NULL,
  assurance_level TEXT,
  UNIQUE (device, seq)
);
CREATE INDEX IF NOT EXISTS readings_id ON readings(id_key);
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  count INTEGER NOT NULL,
  first_ts INTEGER NOT NULL,
  last_ts INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'anchored')),
  tx_hash TEXT,
  block_number TEXT,
  first_pos INTEGER NOT NULL,
  last_pos INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS batches_first_pos ON batches(first_pos);
CREATE TABLE IF NOT EXISTS rejections (
  code TEXT PRIMARY KEY,
  count INTEGER NOT NULL
);
`

/** The indexed prefix of a reading id: its first 48 bits, a safe integer. */
const idKeyOf = (id: Buffer): number => id.readUIntBE(0, 6)

/** Reading columns with the batch and leaf index derived from the batch holding its position. */
const READING_COLUMNS = `r.pos, r.id, d.device_id, r.seq, r.ts, r.type, r.message, r.received_at,
  r.assurance_level, b.id AS batch_id, r.pos - b.first_pos AS leaf_index
  FROM readings r JOIN devices d ON d.key = r.device LEFT JOIN batches b
    ON b.first_pos = (SELECT MAX(first_pos) FROM batches WHERE first_pos <= r.pos)
    AND r.pos <= b.last_pos`

type ReadingRow = {
  pos: number
  id: Buffer
  device_id: Buffer
  seq: number
  ts: number
  type: string
  message: Buffer
  received_at: number
  assurance_level: AssuranceLevel | null
  batch_id: number | null
  leaf_index: number | null
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
  /**
   * `FULL` (default): a write is on disk (fdatasync of the log) before it is reported done, so
   * it survives a power loss. `NORMAL`: it survives a crash of the process, not of the machine.
   */
  synchronous?: 'FULL' | 'NORMAL'
  /** Largest number of appends committed in one transaction. Default 1024. */
  maxGroup?: number
  /** Told after each group commit of appends (size, time in the transaction), for metrics. */
  onGroupCommit?: (info: { size: number; ms: number; failed: boolean }) => void
}

type AppendOutcome = 'accepted' | 'duplicate'

/** Devices whose number and last sequence are kept in memory; others are read from the file. */
const DEVICE_CACHE_SIZE = 100_000

/**
 * Opens (or creates) the SQLite store at `path` (`:memory:` for tests), migrating a file
 * written by an older version.
 * @throws STORE_FAILED
 */
export function createSqliteStore(path: string, options: SqliteStoreOptions = {}): TelemetryStore {
  let db: Database.Database
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    db = new Database(path)
    db.pragma('journal_mode = WAL')
    // NORMAL: commits write the log without an fsync; with FULL the log is then flushed by
    // walSync, off the event loop, before any write is reported done (see createWalSync).
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    migrate(db)
    db.exec(SCHEMA)
    db.pragma(`user_version = ${SCHEMA_VERSION}`)
  } catch (cause) {
    throw new VeriotError('STORE_FAILED', `cannot open the SQLite store at ${path}`, { cause })
  }
  const walSync: WalSync | undefined =
    path !== ':memory:' && (options.synchronous ?? 'FULL') === 'FULL'
      ? createWalSync(`${path}-wal`)
      : undefined
  // Set when a flush of the log failed: nothing written since is known to be on disk.
  let syncFailure: unknown

  const q = {
    readingById: db.prepare<[number, Buffer], ReadingRow>(
      `SELECT ${READING_COLUMNS} WHERE r.id_key = ? AND r.id = ?`,
    ),
    readingAt: db.prepare<[number, number, Buffer], { one: number }>(
      'SELECT 1 AS one FROM readings WHERE device = ? AND seq = ? AND id = ?',
    ),
    recent: db.prepare<[number], ReadingRow>(
      `SELECT ${READING_COLUMNS} ORDER BY r.pos DESC LIMIT ?`,
    ),
    recentOfDevice: db.prepare<[Buffer, number], ReadingRow>(
      `SELECT ${READING_COLUMNS} WHERE r.device = (SELECT key FROM devices WHERE device_id = ?) ORDER BY r.seq DESC LIMIT ?`,
    ),
    device: db.prepare<[Buffer], { key: number; last_seq: number }>(
      'SELECT key, last_seq FROM devices WHERE device_id = ?',
    ),
    insertDevice: db.prepare<[Buffer, number]>(
      'INSERT INTO devices (device_id, last_seq) VALUES (?, ?)',
    ),
    setLastSeq: db.prepare<[number, number]>(
      'UPDATE devices SET last_seq = MAX(last_seq, ?) WHERE key = ?',
    ),
    insertReading: db.prepare(
      'INSERT INTO readings (id, id_key, device, seq, ts, type, message, received_at, assurance_level) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    unbatched: db.prepare<[number, number], { pos: number; id: Buffer; ts: number; at: number }>(
      'SELECT pos, id, ts, received_at AS at FROM readings WHERE pos > ? ORDER BY pos LIMIT ?',
    ),
    countUnbatched: db.prepare<[number], { n: number }>(
      'SELECT COUNT(*) AS n FROM readings WHERE pos > ?',
    ),
    firstUnbatched: db.prepare<[number], { pos: number; at: number }>(
      'SELECT pos, received_at AS at FROM readings WHERE pos > ? ORDER BY pos LIMIT 1',
    ),
    countRange: db.prepare<[number, number], { n: number }>(
      'SELECT COUNT(*) AS n FROM readings WHERE pos BETWEEN ? AND ?',
    ),
    lastBatchedPos: db.prepare<[], { p: number | null }>('SELECT MAX(last_pos) AS p FROM batches'),
    insertBatch: db.prepare(
      "INSERT INTO batches (root, count, first_ts, last_ts, created_at, status, first_pos, last_pos) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
    ),
    batchById: db.prepare<[number], BatchRow>('SELECT * FROM batches WHERE id = ?'),
    batchLeaves: db.prepare<[number], { id: Buffer }>(
      'SELECT r.id FROM batches b JOIN readings r ON r.pos BETWEEN b.first_pos AND b.last_pos WHERE b.id = ? ORDER BY r.pos',
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
    countReadings: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM readings'),
    countBatched: db.prepare<[], { n: number | null; anchored: number | null }>(
      "SELECT SUM(count) AS n, SUM(CASE WHEN status = 'anchored' THEN count END) AS anchored FROM batches",
    ),
    batchStatusCounts: db.prepare<[], { status: BatchStatus; n: number }>(
      'SELECT status, COUNT(*) AS n FROM batches GROUP BY status',
    ),
    rejections: db.prepare<[], { code: string; count: number }>(
      'SELECT code, count FROM rejections',
    ),
  }

  // Readings at positions up to this one are in batches; later ones are not.
  let lastBatchedPos = q.lastBatchedPos.get()?.p ?? 0
  // Device id (lowercase hex) → its number and last accepted sequence, as committed.
  type DeviceState = { key: number; lastSeq: number }
  const deviceStates = new Map<string, DeviceState>()
  const stateOf = (device: string): DeviceState | undefined => {
    const known = deviceStates.get(device)
    if (known !== undefined) return known
    const row = q.device.get(bytes32(device, 'deviceId'))
    if (row === undefined) return undefined
    const state = { key: row.key, lastSeq: row.last_seq }
    remember(device, state)
    return state
  }
  const remember = (device: string, state: DeviceState) => {
    if (deviceStates.size >= DEVICE_CACHE_SIZE && !deviceStates.has(device)) {
      const oldest = deviceStates.keys().next()
      if (oldest.done !== true) deviceStates.delete(oldest.value)
    }
    deviceStates.set(device, state)
  }

  const replayed = (r: ReadingInput, last: number) =>
    new VeriotError(
      'SEQUENCE_REPLAYED',
      `"seq" expected > ${last} for device ${r.deviceId}, got ${r.seq}`,
      { context: { deviceId: r.deviceId, expectedAbove: last, got: r.seq } },
    )

  // The readings of one group, inside its transaction. Earlier readings of the same group are
  // visible here (same connection), so a replay or a retransmission within one group is refused
  // or answered as a duplicate exactly as across groups. `touched` collects each device's new
  // state (a new device's number included), applied to memory only once the transaction has
  // committed.
  const appendGroup = db.transaction(
    (
      group: readonly ReadingInput[],
      touched: Map<string, DeviceState>,
    ): Array<GroupOutcome<AppendOutcome>> => {
      const outcomes = group.map((r): GroupOutcome<AppendOutcome> => {
        const device = r.deviceId.toLowerCase()
        const id = bytes32(r.id, 'id')
        let state = touched.get(device) ?? stateOf(device)
        if (state !== undefined && r.seq <= state.lastSeq) {
          // Only an exact retransmission (same bytes, so the same id) is not a replay.
          if (q.readingAt.get(state.key, r.seq, id)) return { ok: true, value: 'duplicate' }
          return { ok: false, error: replayed(r, state.lastSeq) }
        }
        if (state === undefined) {
          const key = Number(q.insertDevice.run(bytes32(device, 'deviceId'), 0).lastInsertRowid)
          state = { key, lastSeq: 0 }
        }
        try {
          q.insertReading.run(
            id,
            idKeyOf(id),
            state.key,
            r.seq,
            r.timestamp,
            r.type,
            Buffer.from(r.message.buffer, r.message.byteOffset, r.message.length),
            r.receivedAt,
            r.assuranceLevel ?? null,
          )
        } catch (error) {
          // The unique key is the last word if the sequence kept in memory were ever behind.
          if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error
          if (q.readingAt.get(state.key, r.seq, id)) return { ok: true, value: 'duplicate' }
          return { ok: false, error: replayed(r, Math.max(state.lastSeq, r.seq)) }
        }
        touched.set(device, { key: state.key, lastSeq: r.seq })
        return { ok: true, value: 'accepted' }
      })
      for (const { key, lastSeq } of touched.values()) q.setLastSeq.run(lastSeq, key)
      return outcomes
    },
  )

  const appends = createGroupCommit<ReadingInput, AppendOutcome>({
    commit: (group) => {
      const touched = new Map<string, DeviceState>()
      const outcomes = appendGroup.immediate(group, touched)
      for (const [device, state] of touched) remember(device, state)
      return outcomes
    },
    onGroupError: (cause, size, stage) =>
      new VeriotError(
        'STORE_FAILED',
        stage === 'commit'
          ? `SQLite store: committing a group of ${size} readings failed; none was stored`
          : `SQLite store: flushing a group of ${size} readings to disk failed; none was acknowledged`,
        { cause, context: { groupSize: size } },
      ),
    ...(walSync ? { durable: () => durably() } : {}),
    ...(options.maxGroup !== undefined ? { maxGroup: options.maxGroup } : {}),
    ...(options.onGroupCommit ? { onCommit: options.onGroupCommit } : {}),
  })

  /** Resolves when everything committed so far is on disk (no-op without walSync). */
  function durably(): Promise<void> {
    if (!walSync) return Promise.resolve()
    return walSync.sync().catch((cause) => {
      syncFailure ??= cause
      throw cause
    })
  }

  const createBatchTx = db.transaction((b: Parameters<TelemetryStore['createBatch']>[0]) => {
    const next = q.firstUnbatched.get(lastBatchedPos)?.pos
    const lastPos = b.firstPos + b.count - 1
    if (
      !Number.isSafeInteger(b.count) ||
      b.count < 1 ||
      b.firstPos !== next ||
      q.countRange.get(b.firstPos, lastPos)?.n !== b.count
    ) {
      throw new VeriotError(
        'STORE_FAILED',
        `a batch must be the next unbatched readings: expected ${b.count} readings from position ${next ?? '(none)'}, got from ${b.firstPos}`,
        { context: { firstPos: b.firstPos, count: b.count } },
      )
    }
    const info = q.insertBatch.run(
      Buffer.from(b.root.slice(2), 'hex'),
      b.count,
      b.firstTimestamp,
      b.lastTimestamp,
      b.createdAt,
      b.firstPos,
      lastPos,
    )
    return { id: Number(info.lastInsertRowid), lastPos }
  })

  // Every other call is ordered after the appends submitted before it: queued appends are
  // committed first, so a read sees them and a batch can include them.
  const guard = <T>(what: string, fn: () => T, afterAppends = true): Promise<T> => {
    try {
      if (afterAppends && appends.pending > 0 && db.open) appends.flush()
      return Promise.resolve(fn())
    } catch (cause) {
      return Promise.reject(storeError(what, cause))
    }
  }
  // A write whose effect others rely on (a batch, its transaction hash): on disk before done.
  const durableWrite = async <T>(what: string, fn: () => T): Promise<T> => {
    const value = await guard(what, fn)
    try {
      await durably()
    } catch (cause) {
      throw storeError(`${what} (flush to disk)`, cause)
    }
    return value
  }

  return {
    appendReading: (r) => {
      if (!db.open) {
        return Promise.reject(new VeriotError('STORE_FAILED', 'SQLite store: the store is closed'))
      }
      if (syncFailure !== undefined) {
        return Promise.reject(
          new VeriotError(
            'STORE_FAILED',
            'SQLite store: an earlier flush to disk failed; restart the gateway',
            { cause: syncFailure },
          ),
        )
      }
      return appends.submit(r)
    },
    getLastSequence: (deviceId) =>
      guard('read sequence', () => {
        const lastSeq = stateOf(deviceId.toLowerCase())?.lastSeq
        // A device is numbered by its first reading; 0 means none was ever accepted.
        return lastSeq ? lastSeq : undefined
      }),
    getReading: (id) =>
      guard('read reading', () => {
        const bytes = bytes32(id, 'id')
        const row = q.readingById.get(idKeyOf(bytes), bytes)
        return row ? toReading(row) : undefined
      }),
    listReadings: ({ deviceId, limit }) =>
      guard('list readings', () =>
        (deviceId
          ? q.recentOfDevice.all(bytes32(deviceId, 'deviceId'), limit)
          : q.recent.all(limit)
        ).map(toReading),
      ),
    getUnbatched: (limit) =>
      guard('read unbatched', () =>
        q.unbatched.all(lastBatchedPos, limit).map(
          (r): UnbatchedReading => ({
            pos: r.pos,
            id: new Uint8Array(r.id.buffer, r.id.byteOffset, r.id.length),
            timestamp: r.ts,
            receivedAt: r.at,
          }),
        ),
      ),
    countUnbatched: () =>
      guard('count unbatched', () => q.countUnbatched.get(lastBatchedPos)?.n ?? 0),
    getOldestUnbatchedAt: (): Promise<number | undefined> =>
      guard('read oldest', () => q.firstUnbatched.get(lastBatchedPos)?.at),
    createBatch: (b) =>
      durableWrite('create batch', () => {
        const { id, lastPos } = createBatchTx.immediate(b)
        lastBatchedPos = lastPos
        return toBatch(q.batchById.get(id) as BatchRow)
      }),
    getBatch: (id) =>
      guard('read batch', () => {
        const row = q.batchById.get(id)
        return row ? toBatch(row) : undefined
      }),
    getBatchLeaves: (id) =>
      guard('read leaves', () => q.batchLeaves.all(id).map((r) => bytesToHex(r.id))),
    getUnanchoredBatches: () => guard('read batches', () => q.unanchored.all().map(toBatch)),
    markBatchSent: (id, txHash) =>
      durableWrite('mark sent', () => {
        q.markSent.run(txHash, id)
      }),
    markBatchAnchored: (id, txHash, blockNumber) =>
      durableWrite('mark anchored', () => {
        q.markAnchored.run(txHash, blockNumber.toString(), id)
      }),
    // A counter, acknowledged to no one: committed, not waited on to be on disk.
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
        const batched = q.countBatched.get()
        const batches = { pending: 0, sent: 0, anchored: 0 }
        for (const row of q.batchStatusCounts.all()) batches[row.status] = row.n
        return {
          readings: q.countReadings.get()?.n ?? 0,
          batched: batched?.n ?? 0,
          anchored: batched?.anchored ?? 0,
          batches,
          rejected: Object.fromEntries(q.rejections.all().map((x) => [x.code, x.count])),
        }
      }),
    async close() {
      await guard('close', () => {})
      // Appends committed by the flush above settle once their flush to disk is done.
      await walSync?.close()
      await guard('close', () => {
        if (db.open) db.close()
      })
    },
  }
}

function storeError(what: string, cause: unknown): VeriotError {
  if (cause instanceof VeriotError) return cause
  return new VeriotError('STORE_FAILED', `SQLite store: ${what} failed`, { cause })
}

/** 0x-prefixed hex of 32 bytes → the bytes; the store keys ids and devices by them. */
function bytes32(hex: string, field: string): Buffer {
  const bytes = Buffer.from(hex.startsWith('0x') ? hex.slice(2) : hex, 'hex')
  if (bytes.length !== 32 || hex.length !== 66) {
    throw new VeriotError('STORE_FAILED', `"${field}" expected 32 bytes of 0x hex, got ${hex}`)
  }
  return bytes
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

/**
 * Brings a file written by an older version to {@link SCHEMA_VERSION}, in one transaction.
 * Version 0 (no user_version) kept a reading's 32-byte device id and its batch and leaf index in
 * the row, with unique indexes on the id and on (device id, seq) and an update per reading at
 * batching; version 2 numbers devices (their last sequence with them), indexes ids by a 48-bit
 * prefix and derives batch and leaf index from the batch's range of positions. The readings are
 * copied into the new layout, keeping their positions. Refuses a file whose batches are not runs
 * of consecutive positions in leaf order (which the old anchorer always made).
 */
function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number
  const hasReadings =
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'readings'").get() !==
    undefined
  if (!hasReadings || version >= SCHEMA_VERSION) return
  db.function('veriot_id_key', { deterministic: true }, (id: unknown) => idKeyOf(id as Buffer))
  db.transaction(() => {
    const columns = (table: string) =>
      db
        .prepare<[], { name: string }>(`PRAGMA table_info(${table})`)
        .all()
        .map((c) => c.name)
    // Before the attestation rule: readings had no assurance level (NULL = not attested).
    if (!columns('readings').includes('assurance_level')) {
      db.exec('ALTER TABLE readings ADD COLUMN assurance_level TEXT')
    }
    // The version-0 tables a file may lack (a file that never batched, a very early one).
    db.exec(`CREATE TABLE IF NOT EXISTS device_sequences (
        device_id BLOB PRIMARY KEY, last_seq INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS batches (
        id INTEGER PRIMARY KEY, root BLOB NOT NULL, count INTEGER NOT NULL,
        first_ts INTEGER NOT NULL, last_ts INTEGER NOT NULL, created_at INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'anchored')),
        tx_hash TEXT, block_number TEXT);`)
    db.exec(`ALTER TABLE batches ADD COLUMN first_pos INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE batches ADD COLUMN last_pos INTEGER NOT NULL DEFAULT 0;
      UPDATE batches SET
        first_pos = (SELECT MIN(pos) FROM readings WHERE batch_id = batches.id),
        last_pos = (SELECT MAX(pos) FROM readings WHERE batch_id = batches.id);`)
    const bad = db
      .prepare<[], { id: number | null }>(
        `SELECT b.id FROM batches b WHERE b.last_pos - b.first_pos + 1 != b.count
           OR (SELECT COUNT(*) FROM readings r WHERE r.pos BETWEEN b.first_pos AND b.last_pos
               AND r.batch_id = b.id AND r.leaf_index = r.pos - b.first_pos) != b.count
         UNION ALL SELECT NULL FROM readings r WHERE r.batch_id IS NULL
           AND r.pos < (SELECT MAX(last_pos) FROM batches) LIMIT 1`,
      )
      .get()
    if (bad) {
      throw new Error(
        bad.id === null
          ? 'an unbatched reading lies before a batched one'
          : `batch ${bad.id} is not a run of consecutive readings in arrival order`,
      )
    }
    db.exec(`CREATE TABLE devices (
        key INTEGER PRIMARY KEY, device_id BLOB NOT NULL UNIQUE, last_seq INTEGER NOT NULL);
      INSERT INTO devices (device_id, last_seq)
        SELECT device_id, MAX(seq) FROM (
          SELECT device_id, seq, pos AS first FROM readings
          UNION ALL SELECT device_id, last_seq, 9e18 FROM device_sequences)
        GROUP BY device_id ORDER BY MIN(first);
      CREATE TABLE readings_v2 (
        pos INTEGER PRIMARY KEY, id BLOB NOT NULL, id_key INTEGER NOT NULL,
        device INTEGER NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, type TEXT NOT NULL,
        message BLOB NOT NULL, received_at INTEGER NOT NULL, assurance_level TEXT,
        UNIQUE (device, seq));
      INSERT INTO readings_v2
        SELECT r.pos, r.id, veriot_id_key(r.id), d.key, r.seq, r.ts, r.type, r.message,
          r.received_at, r.assurance_level
        FROM readings r JOIN devices d ON d.device_id = r.device_id ORDER BY r.pos;
      DROP TABLE readings;
      DROP TABLE device_sequences;
      ALTER TABLE readings_v2 RENAME TO readings;`)
  })()
}
