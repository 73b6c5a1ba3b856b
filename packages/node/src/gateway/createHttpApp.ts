// HTTP ingest (Hono): POST /v1/telemetry with the encoded message as the body; the same
// checks as MQTT. 202 accepted (persisted), 200 duplicate, 4xx with the rejection code.

import { TELEMETRY_MAX_BYTES } from '@veriot/core'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
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
  TIMESTAMP_SKEW: 422,
  RPC_UNREACHABLE: 503,
  STORE_FAILED: 503,
}

export function createHttpApp(options: { ingest: Ingest; stats: () => Promise<unknown> }): Hono {
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
  app.notFound((c) =>
    c.json(
      { error: { code: 'INVALID_ARGUMENT', message: `no route ${c.req.method} ${c.req.path}` } },
      404,
    ),
  )
  app.onError((_err, c) => c.json({ error: { code: 'INTERNAL', message: 'internal error' } }, 500))
  return app
}
