// SQLite lockdown journal (better-sqlite3, WAL, synchronous=FULL): a lock is on disk before the
// gateway starts refusing the device, so a restart keeps it locked until the owner reactivates.

import type { Hex } from 'viem'
import { openDurableDatabase } from '../store/openDurableDatabase.ts'
import type { LockdownJournal, LockdownRecord, LockdownState } from './LockdownJournal.ts'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS lockdowns (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL,
  scope TEXT NOT NULL,
  score REAL NOT NULL,
  reasons TEXT NOT NULL,
  locked_at INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'suspended', 'failed', 'released')),
  tx_hash TEXT,
  error TEXT,
  released_at INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS lockdowns_live ON lockdowns(device_id) WHERE state <> 'released';
`

type Row = {
  device_id: string
  scope: LockdownRecord['scope']
  score: number
  reasons: string
  locked_at: number
  state: LockdownState
  tx_hash: string | null
  error: string | null
  released_at: number | null
}

function fromRow(row: Row): LockdownRecord {
  return Object.freeze({
    deviceId: row.device_id as Hex,
    scope: row.scope,
    score: row.score,
    reasons: JSON.parse(row.reasons),
    lockedAt: row.locked_at,
    state: row.state,
    txHash: (row.tx_hash ?? undefined) as Hex | undefined,
    error: row.error ?? undefined,
    releasedAt: row.released_at ?? undefined,
  })
}

/**
 * Opens (or creates) the journal at `path` (`:memory:` for tests).
 * @throws STORE_FAILED when the file cannot be opened
 */
export function createSqliteLockdownJournal(path: string): LockdownJournal {
  const db = openDurableDatabase(path, SCHEMA, 'lockdown journal')
  const insert = db.prepare(
    `INSERT INTO lockdowns (device_id, scope, score, reasons, locked_at, state)
     VALUES (?, ?, ?, ?, ?, 'pending') ON CONFLICT DO NOTHING`,
  )
  const live = db.prepare<[string], Row>(
    `SELECT * FROM lockdowns WHERE device_id = ? AND state <> 'released'`,
  )
  const active = db.prepare<[], Row>(
    `SELECT * FROM lockdowns WHERE state <> 'released' ORDER BY id`,
  )
  const history = db.prepare<[string], Row>(
    `SELECT * FROM lockdowns WHERE device_id = ? ORDER BY id DESC`,
  )

  return {
    insert(record) {
      const result = insert.run(
        record.deviceId.toLowerCase(),
        record.scope,
        record.score,
        JSON.stringify(record.reasons),
        record.lockedAt,
      )
      return result.changes === 1
    },
    update(deviceId, change) {
      const sets: string[] = []
      const values: (string | number | null)[] = []
      if (change.state !== undefined) sets.push('state = ?') && values.push(change.state)
      if (change.txHash !== undefined) sets.push('tx_hash = ?') && values.push(change.txHash)
      if (change.error !== undefined) sets.push('error = ?') && values.push(change.error)
      if (change.releasedAt !== undefined) {
        sets.push('released_at = ?') && values.push(change.releasedAt)
      }
      if (sets.length === 0) return
      db.prepare(
        `UPDATE lockdowns SET ${sets.join(', ')} WHERE device_id = ? AND state <> 'released'`,
      ).run(...values, deviceId.toLowerCase())
    },
    get(deviceId) {
      const row = live.get(deviceId.toLowerCase())
      return row ? fromRow(row) : undefined
    },
    listActive: () => active.all().map(fromRow),
    history: (deviceId) => history.all(deviceId.toLowerCase()).map(fromRow),
    close: () => db.close(),
  }
}
