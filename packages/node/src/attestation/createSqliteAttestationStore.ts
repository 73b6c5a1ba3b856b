// The gateway's record of each device's last verified attestation (better-sqlite3, WAL,
// synchronous=FULL): a result is on disk before the device is told it attested, so a restart
// keeps every device attested until its result expires.

import { type AssuranceLevel, VeriotError } from '@veriot/core'
import type { Hex } from 'viem'
import { openDurableDatabase } from '../store/openDurableDatabase.ts'

/** A verified attestation as the gateway keeps it (one per device: the last one). */
export type AttestationRecord = {
  readonly deviceId: Hex
  readonly level: AssuranceLevel
  /** The measurement that matched the release's (the PCR value for a TPM quote). */
  readonly measurement: Hex
  /** The PCR that carried it (TPM evidence only). */
  readonly pcr?: number
  /** The attestation key that signed the quote (TPM evidence only). */
  readonly attestationPublicKey?: Hex
  /**
   * The release the measurement was checked against: the device's registered model, and the
   * version the device claimed (its registered version when it claimed none), never below the
   * registered version.
   */
  readonly model: string
  readonly firmwareVersion: string
  readonly verifiedAt: number
  readonly expiresAt: number
}

export type AttestationStore = {
  get(deviceId: Hex): AttestationRecord | undefined
  /** Replaces the device's record; on disk when it returns. @throws STORE_FAILED */
  put(record: AttestationRecord): void
  close(): void
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS attestations (
  device_id TEXT PRIMARY KEY,
  level TEXT NOT NULL CHECK (level IN ('tpm', 'hsm', 'software')),
  measurement TEXT NOT NULL,
  pcr INTEGER,
  attestation_key TEXT,
  model TEXT NOT NULL,
  firmware_version TEXT NOT NULL,
  verified_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
`

type Row = {
  device_id: string
  level: AssuranceLevel
  measurement: string
  pcr: number | null
  attestation_key: string | null
  model: string
  firmware_version: string
  verified_at: number
  expires_at: number
}

/**
 * Opens (or creates) the attestation store at `path` (`:memory:` for tests).
 * @throws STORE_FAILED when the file cannot be opened
 */
export function createSqliteAttestationStore(path: string): AttestationStore {
  const db = openDurableDatabase(path, SCHEMA, 'attestation store')
  const select = db.prepare<[string], Row>('SELECT * FROM attestations WHERE device_id = ?')
  const upsert = db.prepare(
    `INSERT INTO attestations (device_id, level, measurement, pcr, attestation_key, model,
       firmware_version, verified_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(device_id) DO UPDATE SET level = excluded.level,
       measurement = excluded.measurement, pcr = excluded.pcr,
       attestation_key = excluded.attestation_key, model = excluded.model,
       firmware_version = excluded.firmware_version, verified_at = excluded.verified_at,
       expires_at = excluded.expires_at`,
  )
  // Read on every reading's admission: kept in memory, written through.
  const cache = new Map<string, AttestationRecord | undefined>()

  return {
    get(deviceId) {
      const id = deviceId.toLowerCase()
      if (cache.has(id)) return cache.get(id)
      const row = db.open ? select.get(id) : undefined
      const record = row ? fromRow(row) : undefined
      cache.set(id, record)
      return record
    },
    put(record) {
      const id = record.deviceId.toLowerCase()
      try {
        upsert.run(
          id,
          record.level,
          record.measurement,
          record.pcr ?? null,
          record.attestationPublicKey ?? null,
          record.model,
          record.firmwareVersion,
          record.verifiedAt,
          record.expiresAt,
        )
      } catch (cause) {
        throw new VeriotError('STORE_FAILED', `attestation store: saving device ${id} failed`, {
          cause,
          context: { deviceId: id },
        })
      }
      cache.set(id, Object.freeze({ ...record, deviceId: id as Hex }))
    },
    close() {
      if (db.open) db.close()
    },
  }
}

function fromRow(row: Row): AttestationRecord {
  return Object.freeze({
    deviceId: row.device_id as Hex,
    level: row.level,
    measurement: row.measurement as Hex,
    ...(row.pcr === null ? {} : { pcr: row.pcr }),
    ...(row.attestation_key === null ? {} : { attestationPublicKey: row.attestation_key as Hex }),
    model: row.model,
    firmwareVersion: row.firmware_version,
    verifiedAt: row.verified_at,
    expiresAt: row.expires_at,
  })
}
