// Attests a device to a Veriot gateway over HTTP: asks for a nonce (POST /v1/attestation/challenge),
// answers it with the attester's evidence (POST /v1/attestation), and keeps the result, so the
// publishers can attest before sending and again before the gateway's result expires.

import { hexToBytes } from '@noble/hashes/utils.js'
import {
  type AssuranceLevel,
  attestationEvidenceToJson,
  type ErrorCode,
  ErrorCodes,
  VeriotError,
} from '@veriot/core'
import { z } from 'zod'
import { parseGatewayBaseUrl } from '../telemetry/parseGatewayBaseUrl.ts'
import type { Hex } from '../telemetry/TelemetryDevice.ts'
import type { Attester } from './Attester.ts'

const DEFAULT_TIMEOUT_MS = 10_000
const MAX_REFRESH_MARGIN_MS = 5 * 60_000

export type GatewayAttestationClientOptions = {
  /** The gateway's HTTP base URL, without credentials, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string
  /** The device's id (keccak256 of its registered P-256 key). */
  deviceId: Hex
  /** Makes the evidence: createTpmAttester or createSoftwareAttester. */
  attester: Attester
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number
  fetch?: typeof fetch
  /** The device's clock (only for when to attest again). Default Date.now. */
  now?: () => number
}

/** The gateway's verified result (its clock). */
export type GatewayAttestationResult = {
  readonly deviceId: Hex
  readonly level: AssuranceLevel
  readonly measurement: Hex
  readonly model: string
  readonly firmwareVersion: string
  readonly verifiedAt: number
  readonly expiresAt: number
}

export type GatewayAttestationClient = {
  /**
   * Runs one challenge/evidence round now.
   * @throws the gateway's code (ATTESTATION_*, FIRMWARE_*, DEVICE_*), GATEWAY_UNREACHABLE, and
   *   the attester's errors
   */
  attest(): Promise<GatewayAttestationResult>
  /** The current result while it is not due for renewal, else a new round (as attest). */
  ensure(): Promise<GatewayAttestationResult>
  /** True while the current result is not due for renewal. */
  isFresh(): boolean
  /** Forgets the current result (e.g. after the gateway answered ATTESTATION_REQUIRED). */
  invalidate(): void
  /** Local time (device clock) at which the result is due for renewal; 0 without one. */
  renewAt(): number
}

const hex = (bytes: number) => z.string().regex(new RegExp(`^0x[0-9a-f]{${2 * bytes}}$`))
const challengeSchema = z.object({ deviceId: hex(32), nonce: hex(32), expiresAt: z.number() })
const resultSchema = z.object({
  status: z.literal('attested'),
  deviceId: hex(32),
  level: z.enum(['tpm', 'hsm', 'software']),
  measurement: hex(32),
  model: z.string(),
  firmwareVersion: z.string(),
  verifiedAt: z.number().int().nonnegative(),
  expiresAt: z.number().int().nonnegative(),
})
const errorSchema = z.object({
  error: z.object({ code: z.string().max(64), message: z.string().max(4096) }),
})

/**
 * Creates the client. Renewal is due `margin` before the gateway's expiry, where margin is a
 * tenth of the validity, at most 5 minutes (measured on the device's clock from when the
 * answer arrived, so the two clocks need not agree).
 *
 * @throws INVALID_ARGUMENT for a base URL that is not http(s) or carries credentials
 * @example
 * const attestation = createGatewayAttestationClient({
 *   baseUrl: 'http://127.0.0.1:8080', deviceId: device.deviceId, attester: createTpmAttester({ store }),
 * })
 * const { level, expiresAt } = await attestation.ensure()
 */
export function createGatewayAttestationClient(
  options: GatewayAttestationClientOptions,
): GatewayAttestationClient {
  const base = parseGatewayBaseUrl(options.baseUrl)
  const shown = `${base.origin}${base.pathname}`
  const fetchFn = options.fetch ?? fetch
  const now = options.now ?? Date.now
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  let current: GatewayAttestationResult | undefined
  let due = 0
  let running: Promise<GatewayAttestationResult> | undefined

  async function post(path: string, body: unknown): Promise<unknown> {
    const url = new URL(path, base)
    let response: Response
    let text: string
    try {
      response = await fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      })
      text = await response.text()
    } catch (cause) {
      throw new VeriotError('GATEWAY_UNREACHABLE', `gateway ${shown} did not answer (${path})`, {
        cause,
        context: { url: shown },
      })
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    if (response.status === 200) return json
    const parsed = errorSchema.safeParse(json)
    if (response.status >= 400 && response.status < 500 && parsed.success) {
      const { code, message } = parsed.data.error
      if (Object.hasOwn(ErrorCodes, code)) {
        throw new VeriotError(code as ErrorCode, `gateway refused the attestation: ${message}`, {
          context: { url: shown, status: response.status, deviceId: options.deviceId },
        })
      }
    }
    throw new VeriotError(
      'GATEWAY_UNREACHABLE',
      `gateway ${shown} answered ${path} unexpectedly: HTTP ${response.status}`,
      { context: { url: shown, status: response.status } },
    )
  }

  function unexpected(what: string): VeriotError {
    return new VeriotError(
      'GATEWAY_UNREACHABLE',
      `gateway ${shown} answered ${what} unexpectedly`,
      {
        context: { url: shown },
      },
    )
  }

  async function round(): Promise<GatewayAttestationResult> {
    const challenge = challengeSchema.safeParse(
      await post('v1/attestation/challenge', { deviceId: options.deviceId }),
    )
    if (!challenge.success || challenge.data.deviceId !== options.deviceId.toLowerCase()) {
      throw unexpected('the challenge')
    }
    const evidence = await options.attester.attest(hexToBytes(challenge.data.nonce.slice(2)))
    const sentAt = now()
    const result = resultSchema.safeParse(
      await post('v1/attestation', attestationEvidenceToJson(evidence)),
    )
    if (!result.success || result.data.deviceId !== options.deviceId.toLowerCase()) {
      throw unexpected('the evidence')
    }
    const { status: _, ...r } = result.data
    const validity = Math.max(0, r.expiresAt - r.verifiedAt)
    due = sentAt + validity - Math.min(MAX_REFRESH_MARGIN_MS, Math.floor(validity / 10))
    current = Object.freeze({
      ...r,
      deviceId: r.deviceId as Hex,
      measurement: r.measurement as Hex,
    })
    return current
  }

  function attest(): Promise<GatewayAttestationResult> {
    running ??= round().finally(() => {
      running = undefined
    })
    return running
  }

  const isFresh = () => current !== undefined && now() < due

  return {
    attest,
    ensure: () => (isFresh() && current ? Promise.resolve(current) : attest()),
    isFresh,
    invalidate() {
      current = undefined
      due = 0
    },
    renewAt: () => (current ? due : 0),
  }
}
