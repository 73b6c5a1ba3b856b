// HTTP ingest (Hono): POST /v1/telemetry with the encoded message as the body; the same
// checks as MQTT. 202 accepted (persisted), 200 duplicate, 4xx with the rejection code.

import { TELEMETRY_MAX_BYTES } from '@veriot/core'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { DeviceGuard } from './createDeviceGuard.ts'
import type { Ingest } from './createIngest.ts'
import { rejectionPayload } from './rejectionPayload.ts'

/** HTTP status for each rejection code. */
const statusOf: Record<string, ContentfulStatusCode> = {
  TELEMETRY_MALFORMED: 400,
  TELEMETRY_NOT_CANONICAL: 400,
  TELEMETRY_VALUE_INVALID: 400,
  TELEMETRY_TOO_LARGE: 413,
  DEVICE_UNKNOWN: 404,
  DEVICE_NOT_ACTIVE: 403,
  CAPABILITY_MISSING: 403,
  TOPIC_FORBIDDEN: 403,
  SIGNATURE_INVALID: 401,
  SUITE_MISMATCH: 422,
  AUX_KEY_MISMATCH: 422,
  SEQUENCE_REPLAYED: 409,
  MODEL_PAUSED: 403,
  DEVICE_LOCKED_DOWN: 403,
  TIMESTAMP_SKEW: 422,
  RPC_UNREACHABLE: 503,
  STORE_FAILED: 503,
}

export function createHttpApp(options: {
  ingest: Ingest
  stats: () => Promise<unknown>
  guard?: DeviceGuard
}): Hono {
  const app = new Hono()
  app.post(
    '/v1/telemetry',
    bodyLimit({
      maxSize: TELEMETRY_MAX_BYTES,
      onError: (c) =>
        c.json(
          {
            error: {
              code: 'TELEMETRY_TOO_LARGE',
              message: `"body" expected at most ${TELEMETRY_MAX_BYTES} bytes`,
            },
          },
          413,
        ),
    }),
    async (c) => {
      const bytes = new Uint8Array(await c.req.arrayBuffer())
      try {
        const r = await options.ingest.ingest(bytes)
        return c.json(
          { status: r.status, readingId: r.readingId, sequence: r.sequence },
          r.status === 'accepted' ? 202 : 200,
        )
      } catch (err) {
        const error = rejectionPayload(err)
        return c.json({ error }, statusOf[error.code] ?? 500)
      }
    },
  )
  app.get('/v1/health', (c) => c.json({ status: 'ok' }))
  app.get('/v1/stats', async (c) => c.json((await options.stats()) as object))
  // Read-only views of anomaly scores and lockdowns (veriot alerts, veriot device show).
  app.get('/v1/alerts', (c) => {
    const guard = options.guard
    if (!guard) return c.json({ enabled: false, devices: [], lockdowns: [] })
    const min = Number(c.req.query('min') ?? '0')
    if (!Number.isFinite(min) || min < 0) {
      return c.json(
        {
          error: {
            code: 'INVALID_ARGUMENT',
            message: `"min" expected a number ≥ 0, got ${c.req.query('min')}`,
          },
        },
        400,
      )
    }
    return c.json({
      enabled: true,
      devices: guard.detector.list(min),
      lockdowns: guard.lockdown.list(),
    })
  })
  app.get('/v1/devices/:id/anomaly', (c) => {
    const id = c.req.param('id').toLowerCase()
    if (!/^0x[0-9a-f]{64}$/.test(id)) {
      return c.json(
        {
          error: {
            code: 'INVALID_DEVICE_ID',
            message: `"id" expected 0x and 64 hex digits, got ${id.slice(0, 80)}`,
          },
        },
        400,
      )
    }
    const guard = options.guard
    if (!guard) return c.json({ enabled: false })
    const deviceId = id as `0x${string}`
    return c.json({
      enabled: true,
      report: guard.detector.get(deviceId) ?? null,
      lockdown: guard.lockdown.get(deviceId) ?? null,
      history: guard.lockdown.history(deviceId),
    })
  })
  app.notFound((c) =>
    c.json(
      { error: { code: 'INVALID_ARGUMENT', message: `no route ${c.req.method} ${c.req.path}` } },
      404,
    ),
  )
  app.onError((_err, c) => c.json({ error: { code: 'INTERNAL', message: 'internal error' } }, 500))
  return app
}
