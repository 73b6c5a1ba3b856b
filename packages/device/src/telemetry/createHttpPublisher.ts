// Sends telemetry to the gateway over HTTP: POST <baseUrl>/v1/telemetry, one message per request.

import {
  type ErrorCode,
  ErrorCodes,
  isVeriotError,
  type Reading,
  readingIdOf,
  VeriotError,
} from '@veriot/core'
import { z } from 'zod'
import type { Attester } from '../attestation/Attester.ts'
import {
  createGatewayAttestationClient,
  type GatewayAttestationClient,
} from '../attestation/createGatewayAttestationClient.ts'
import { parseGatewayBaseUrl } from './parseGatewayBaseUrl.ts'
import type { Hex, TelemetryDevice } from './TelemetryDevice.ts'

const DEFAULT_TIMEOUT_MS = 10_000
const MAX_MESSAGE_CHARS = 300

export type HttpPublisherOptions = {
  /** The gateway's base URL, http: or https:, without credentials, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string
  device: TelemetryDevice
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number
  /** The fetch to use; default the global one (Node 20). */
  fetch?: typeof fetch
  /**
   * Attests the device to the gateway before the first message and again before the result
   * expires (gateways accept readings only from attested devices unless run without the rule).
   */
  attester?: Attester
}

/** The gateway's answer to an accepted message. */
export type HttpSendResult = {
  /** 'accepted' (202), or 'duplicate' (200) when these exact bytes were stored before. */
  readonly status: 'accepted' | 'duplicate'
  readonly readingId: Hex
}

export type HttpPublisher = {
  /** The attestation client, when an attester was given. */
  readonly attestation: GatewayAttestationClient | undefined
  /**
   * Signs a message (next sequence number, current time) and sends it.
   * @throws the gateway's code (e.g. SIGNATURE_INVALID, SEQUENCE_REPLAYED) for a 4xx answer;
   *   GATEWAY_UNREACHABLE when the gateway cannot be reached or answers unexpectedly; the
   *   errors of TelemetryDevice.sign
   */
  send(type: string, readings: readonly Reading[]): Promise<HttpSendResult>
  /**
   * Sends an already signed message, e.g. again after GATEWAY_UNREACHABLE: the same bytes keep
   * their reading id and a repeat is answered as a duplicate.
   * @throws as send
   */
  sendEncoded(bytes: Uint8Array): Promise<HttpSendResult>
}

const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/)
const acceptedSchema = z.object({ status: z.literal('accepted'), readingId: hex32 })
const duplicateSchema = z.object({ status: z.literal('duplicate'), readingId: hex32 })
const errorSchema = z.object({
  error: z.object({ code: z.string().max(64), message: z.string() }),
})

/**
 * Creates an HTTP publisher. Unlike createMqttPublisher it keeps nothing on disk: a message
 * that fails with GATEWAY_UNREACHABLE is not delivered; sign it with `device.sign` and retry
 * with sendEncoded to keep its reading id.
 *
 * @throws INVALID_ARGUMENT for a base URL that is not http(s) or contains credentials
 * @example
 * const http = createHttpPublisher({ baseUrl: 'http://127.0.0.1:8080', device })
 * const { status, readingId } = await http.send('climate', [{ name: 'temp', value: -21.5, unit: 'Cel' }])
 */
export function createHttpPublisher(options: HttpPublisherOptions): HttpPublisher {
  const { device } = options
  const endpoint = endpointOf(options.baseUrl)
  const shown = `${endpoint.origin}${endpoint.pathname}`
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const fetchFn = options.fetch ?? fetch

  const attestation = options.attester
    ? createGatewayAttestationClient({
        baseUrl: options.baseUrl,
        deviceId: device.deviceId,
        attester: options.attester,
        timeoutMs,
        fetch: fetchFn,
      })
    : undefined

  async function sendEncoded(bytes: Uint8Array): Promise<HttpSendResult> {
    if (!attestation) return post(bytes)
    await attestation.ensure()
    try {
      return await post(bytes)
    } catch (err) {
      // The gateway no longer holds a fresh attestation (restarted with another store, or its
      // clock ran ahead): attest once more and send the same bytes again.
      if (!isVeriotError(err, 'ATTESTATION_REQUIRED')) throw err
      attestation.invalidate()
      await attestation.attest()
      return post(bytes)
    }
  }

  async function post(bytes: Uint8Array): Promise<HttpSendResult> {
    const readingId = readingIdOf(bytes)
    let response: Response
    let text: string
    try {
      response = await fetchFn(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/cbor', accept: 'application/json' },
        body: bytes,
        // A gateway that redirects is misconfigured or not ours: fail rather than re-post.
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      })
      text = await response.text()
    } catch (cause) {
      throw new VeriotError(
        'GATEWAY_UNREACHABLE',
        `gateway ${shown} did not answer: ${describe(cause)}`,
        { cause, context: { url: shown, readingId } },
      )
    }
    const body = parseJson(text)
    if (response.status === 202 || response.status === 200) {
      const schema = response.status === 202 ? acceptedSchema : duplicateSchema
      const parsed = schema.safeParse(body)
      if (parsed.success && parsed.data.readingId === readingId) {
        return Object.freeze({ status: parsed.data.status, readingId })
      }
      throw unexpected(shown, response.status, text, readingId)
    }
    if (response.status >= 400 && response.status < 500) {
      const parsed = errorSchema.safeParse(body)
      if (parsed.success && isErrorCode(parsed.data.error.code)) {
        const { code, message } = parsed.data.error
        throw new VeriotError(code, `gateway rejected the message: ${clip(message)}`, {
          context: { url: shown, status: response.status, readingId },
        })
      }
    }
    throw unexpected(shown, response.status, text, readingId)
  }

  return {
    attestation,
    async send(type, readings) {
      const signed = await device.sign(type, readings)
      return sendEncoded(signed.bytes)
    },
    sendEncoded,
  }
}

function endpointOf(baseUrl: string): URL {
  return new URL('v1/telemetry', parseGatewayBaseUrl(baseUrl))
}

function unexpected(shown: string, status: number, text: string, readingId: Hex): VeriotError {
  return new VeriotError(
    'GATEWAY_UNREACHABLE',
    `gateway ${shown} answered unexpectedly: HTTP ${status} ${JSON.stringify(clip(text))}`,
    { context: { url: shown, status, readingId } },
  )
}

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ErrorCodes, code)
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text
}

function describe(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out'
  const cause = err instanceof Error ? err.cause : undefined
  if (cause instanceof Error && 'code' in cause && typeof cause.code === 'string') return cause.code
  return err instanceof Error ? err.message : String(err)
}
