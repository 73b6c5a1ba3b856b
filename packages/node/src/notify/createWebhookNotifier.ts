// Webhook notifications with an outbox: an event is written to SQLite before `notify` returns,
// then POSTed with a signed payload and retried with exponential backoff until the receiver
// answers 2xx — across restarts. Each event keeps one id (`veriot-event-id`), so receivers
// can drop the duplicates that at-least-once delivery implies.

import { randomUUID } from 'node:crypto'
import { VeriotError } from '@veriot/core'
import { openDurableDatabase } from '../store/openDurableDatabase.ts'
import { createWebhookSignature } from './webhookSignature.ts'

export type WebhookNotifierOptions = {
  /** Where events go (http or https). */
  url: string
  /** Shared secret for the HMAC signature (at least 16 characters). */
  secret: string
  /** Outbox file (`:memory:` for tests). */
  path: string
  /** First retry delay; doubles up to `maxDelayMs`. Default 1000. */
  retryMs?: number
  /** Default 5 minutes. */
  maxDelayMs?: number
  /** Attempts before an event is given up (kept in the outbox as dead). Default 25. */
  maxAttempts?: number
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number
  now?: () => number
}

export type WebhookEvent = { type: string; data: unknown }

export type OutboxEntry = {
  id: string
  type: string
  body: string
  attempts: number
  nextAt: number
  deliveredAt: number | undefined
  dead: boolean
  lastError: string | undefined
}

export type WebhookNotifier = {
  /** Queues an event durably and returns its id; delivery happens in the background. */
  notify(event: WebhookEvent): string
  /** Entries not yet delivered (dead ones included), oldest first. */
  pending(): OutboxEntry[]
  get(id: string): OutboxEntry | undefined
  /** Resolves when nothing is due or in flight (tests). */
  drain(): Promise<void>
  close(): Promise<void>
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS webhook_outbox (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  delivered_at INTEGER,
  dead INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS webhook_due ON webhook_outbox(next_at) WHERE delivered_at IS NULL AND dead = 0;
`

type Row = {
  id: string
  type: string
  body: string
  attempts: number
  next_at: number
  delivered_at: number | null
  dead: number
  last_error: string | null
}

const fromRow = (row: Row): OutboxEntry => ({
  id: row.id,
  type: row.type,
  body: row.body,
  attempts: row.attempts,
  nextAt: row.next_at,
  deliveredAt: row.delivered_at ?? undefined,
  dead: row.dead === 1,
  lastError: row.last_error ?? undefined,
})

/**
 * Starts a notifier; undelivered events from a previous run are sent again.
 * @throws CONFIG_INVALID for a bad url or a short secret, STORE_FAILED when the outbox cannot open
 */
export function createWebhookNotifier(options: WebhookNotifierOptions): WebhookNotifier {
  let url: URL
  try {
    url = new URL(options.url)
  } catch {
    throw new VeriotError(
      'CONFIG_INVALID',
      `"webhook url" expected an http(s) URL, got ${options.url}`,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new VeriotError(
      'CONFIG_INVALID',
      `"webhook url" expected http or https, got ${url.protocol}`,
    )
  }
  if (options.secret.length < 16) {
    throw new VeriotError(
      'CONFIG_INVALID',
      `"webhook secret" expected at least 16 characters, got ${options.secret.length}`,
    )
  }
  const now = options.now ?? Date.now
  const retryMs = options.retryMs ?? 1000
  const maxDelay = options.maxDelayMs ?? 5 * 60_000
  const maxAttempts = options.maxAttempts ?? 25
  const timeoutMs = options.timeoutMs ?? 10_000
  const db = openDurableDatabase(options.path, SCHEMA, 'webhook outbox')
  const insert = db.prepare(
    'INSERT INTO webhook_outbox (id, type, body, next_at) VALUES (?, ?, ?, ?)',
  )
  const due = db.prepare<[number], Row>(
    'SELECT * FROM webhook_outbox WHERE delivered_at IS NULL AND dead = 0 AND next_at <= ? ORDER BY seq LIMIT 32',
  )
  const nextDue = db.prepare<[], { next_at: number }>(
    'SELECT MIN(next_at) AS next_at FROM webhook_outbox WHERE delivered_at IS NULL AND dead = 0',
  )
  const delivered = db.prepare(
    'UPDATE webhook_outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?',
  )
  const failed = db.prepare(
    'UPDATE webhook_outbox SET attempts = ?, next_at = ?, dead = ?, last_error = ? WHERE id = ?',
  )
  const byId = db.prepare<[string], Row>('SELECT * FROM webhook_outbox WHERE id = ?')
  const undelivered = db.prepare<[], Row>(
    'SELECT * FROM webhook_outbox WHERE delivered_at IS NULL ORDER BY seq',
  )

  let closed = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: Promise<void> | undefined
  const controllers = new Set<AbortController>()

  async function deliver(row: Row): Promise<void> {
    const timestamp = now()
    const controller = new AbortController()
    controllers.add(controller)
    const timeout = setTimeout(() => controller.abort(), timeoutMs)
    let error: string | undefined
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'veriot-event-id': row.id,
          'veriot-event-type': row.type,
          'veriot-signature': createWebhookSignature(options.secret, timestamp, row.body),
        },
        body: row.body,
        signal: controller.signal,
      })
      await response.body?.cancel()
      if (!response.ok) error = `HTTP ${response.status}`
    } catch (cause) {
      error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)
    } finally {
      clearTimeout(timeout)
      controllers.delete(controller)
    }
    if (closed) return
    if (error === undefined) {
      delivered.run(now(), row.id)
      return
    }
    const attempts = row.attempts + 1
    const delay = Math.min(retryMs * 2 ** (attempts - 1), maxDelay)
    failed.run(attempts, now() + delay, attempts >= maxAttempts ? 1 : 0, error, row.id)
  }

  async function pump(): Promise<void> {
    for (;;) {
      if (closed) return
      const rows = due.all(now())
      if (rows.length === 0) break
      await Promise.all(rows.map(deliver))
    }
    schedule()
  }

  function schedule(): void {
    if (closed) return
    if (timer) clearTimeout(timer)
    const next = nextDue.get()?.next_at
    if (next === null || next === undefined) return
    timer = setTimeout(kick, Math.max(0, next - now()))
  }

  function kick(): void {
    if (closed || running) return
    running = pump().finally(() => {
      running = undefined
    })
  }

  kick()
  return {
    notify(event) {
      const id = randomUUID()
      const body = JSON.stringify(
        { id, type: event.type, createdAt: now(), data: event.data },
        (_, v) => (typeof v === 'bigint' ? v.toString() : v),
      )
      insert.run(id, event.type, body, now())
      if (running) void running.then(kick)
      else kick()
      return id
    },
    pending: () => undelivered.all().map(fromRow),
    get(id) {
      const row = byId.get(id)
      return row ? fromRow(row) : undefined
    },
    async drain() {
      for (;;) {
        if (running) await running
        const next = nextDue.get()?.next_at
        if (closed || next === null || next === undefined) return
        await new Promise((resolve) => setTimeout(resolve, Math.max(5, next - now())))
        kick()
      }
    },
    async close() {
      closed = true
      if (timer) clearTimeout(timer)
      for (const controller of controllers) controller.abort()
      await running
      db.close()
    },
  }
}
