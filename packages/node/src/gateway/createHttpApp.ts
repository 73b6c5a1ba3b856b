// HTTP ingest (Hono): POST /v1/telemetry with the encoded message as the body; the same
// checks as MQTT. 202 accepted (persisted), 200 duplicate, 4xx with the rejection code.

import { ATTESTATION_EVIDENCE_MAX_JSON_BYTES, TELEMETRY_MAX_BYTES, VeriotError } from '@veriot/core'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { GatewayAttestation } from '../attestation/createGatewayAttestation.ts'
import type { DeviceGuard } from './createDeviceGuard.ts'
import type { Ingest } from './createIngest.ts'
import { rejectionPayload } from './rejectionPayload.ts'

/**
 * Refuses a body over `maxSize` bytes with `code`. The rest of such a body is never read, so the
 * connection cannot carry another request: the answer says so (Connection: close, RFC 9112
 * §9.6), or a client that pools connections sends its next request into a socket the server is
 * closing and sees a reset instead of an answer.
 */
function limitBody(maxSize: number, code: string, message: string, status: ContentfulStatusCode) {
  return bodyLimit({
    maxSize,
    onError: (c) => c.json({ error: { code, message } }, status, { connection: 'close' }),
  })
}

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
  ATTESTATION_REQUIRED: 403,
  ATTESTATION_MALFORMED: 400,
  ATTESTATION_NONCE_MISMATCH: 401,
  ATTESTATION_REPLAYED: 409,
  ATTESTATION_EXPIRED: 401,
  ATTESTATION_KEY_UNKNOWN: 401,
  ATTESTATION_SIGNATURE_INVALID: 401,
  ATTESTATION_PCR_MISMATCH: 403,
  FIRMWARE_RELEASE_UNKNOWN: 403,
  FIRMWARE_RELEASE_NOT_APPROVED: 403,
  FIRMWARE_VERSION_BELOW_MINIMUM: 403,
  FIRMWARE_RELEASE_REVOKED: 403,
  INVALID_ARGUMENT: 400,
  INVALID_DEVICE_ID: 400,
  CONTRACT_NOT_DEPLOYED: 404,
  RPC_UNREACHABLE: 503,
  STORE_FAILED: 503,
}

export function createHttpApp(options: {
  ingest: Ingest
  stats: () => Promise<unknown>
  guard?: DeviceGuard
  attestation?: GatewayAttestation
}): Hono {
  const app = new Hono()
  const refuse = (err: unknown) => {
    const error = rejectionPayload(err)
    return [{ error }, statusOf[error.code] ?? 500] as const
  }
  // Attestation (docs/attestation.md): a nonce for a device, then its evidence for that nonce.
  app.post(
    '/v1/attestation/challenge',
    limitBody(1024, 'INVALID_ARGUMENT', '"body" expected at most 1024 bytes', 400),
    async (c) => {
      const attestation = options.attestation
      if (!attestation) return c.json(...refuse(notDeployed()))
      try {
        const body = (await c.req.json().catch(() => ({}))) as { deviceId?: unknown }
        return c.json(await attestation.challenge(String(body?.deviceId ?? '')), 200)
      } catch (err) {
        return c.json(...refuse(err))
      }
    },
  )
  app.post(
    '/v1/attestation',
    limitBody(
      ATTESTATION_EVIDENCE_MAX_JSON_BYTES,
      'ATTESTATION_MALFORMED',
      `"body" expected at most ${ATTESTATION_EVIDENCE_MAX_JSON_BYTES} bytes of evidence JSON`,
      400,
    ),
    async (c) => {
      const attestation = options.attestation
      if (!attestation) return c.json(...refuse(notDeployed()))
      try {
        const text = await c.req.text()
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined // the schema names what is wrong
        }
        const record = await attestation.submit(json)
        return c.json({ status: 'attested', ...record }, 200)
      } catch (err) {
        return c.json(...refuse(err))
      }
    },
  )
  app.get('/v1/devices/:id/attestation', async (c) => {
    const id = c.req.param('id').toLowerCase()
    if (!/^0x[0-9a-f]{64}$/.test(id)) {
      return c.json(
        ...refuse(
          new VeriotError(
            'INVALID_DEVICE_ID',
            `"id" expected 0x and 64 hex digits, got ${id.slice(0, 80)}`,
          ),
        ),
      )
    }
    const attestation = options.attestation
    if (!attestation) return c.json({ enabled: false })
    try {
      return c.json({ enabled: true, ...(await attestation.status(id as `0x${string}`)) })
    } catch (err) {
      return c.json(...refuse(err))
    }
  })
  app.post(
    '/v1/telemetry',
    limitBody(
      TELEMETRY_MAX_BYTES,
      'TELEMETRY_TOO_LARGE',
      `"body" expected at most ${TELEMETRY_MAX_BYTES} bytes`,
      413,
    ),
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

function notDeployed(): VeriotError {
  return new VeriotError(
    'CONTRACT_NOT_DEPLOYED',
    'this gateway has no FirmwareRegistry: attestation is not available',
  )
}
