// Opens a SQLite file for the gateway's durable side records (attestations, lockdowns, breach
// jobs, webhook outbox): WAL with synchronous=FULL, so a row is on disk when a write returns.

import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { VeriotError } from '@veriot/core'
import Database from 'better-sqlite3'

/**
 * Opens (or creates) `path` (`:memory:` for tests) and applies `schema`.
 * @throws STORE_FAILED naming `what` when the file cannot be opened
 */
export function openDurableDatabase(path: string, schema: string, what: string): Database.Database {
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    const db = new Database(path)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.exec(schema)
    return db
  } catch (cause) {
    throw new VeriotError('STORE_FAILED', `cannot open the ${what} at ${path}`, { cause })
  }
}
