// The slow telemetry codec as it was before the fast paths (HEAD's decodeTelemetry,
// telemetryToCbor and telemetryFromCbor, messages included), kept as the reference that the fast
// decodeTelemetry, telemetryToCbor and telemetrySigningBytes(FromEncoded) are held to: cborg
// decode, the field check, a full checked re-encode with rfc8949EncodeOptions, compare.

import { equalBytes } from '@noble/curves/utils.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { decode, encode, rfc8949EncodeOptions } from 'cborg'
import {
  TELEMETRY_DOMAIN,
  TELEMETRY_MAX_BYTES,
  type TelemetryMessage,
  type UnsignedTelemetry,
  VeriotError,
} from '../../src/index.ts'
import { telemetryFromCborReference as telemetryFromCbor } from './telemetryFromCborReference.ts'

const DECODE_OPTIONS = {
  strict: false,
  allowIndefinite: true,
  allowUndefined: false,
  rejectDuplicateMapKeys: true,
  useMaps: true,
} as const

const PREFIX = Uint8Array.of(...new TextEncoder().encode(TELEMETRY_DOMAIN), 0x00)

/** decodeTelemetry as it was: decode, check, re-encode (checked again) with rfc8949EncodeOptions, compare. */
export function decodeTelemetryReference(bytes: Uint8Array): TelemetryMessage {
  if (!(bytes instanceof Uint8Array)) {
    throw new VeriotError('TELEMETRY_MALFORMED', `"message" expected bytes, got ${typeof bytes}`)
  }
  if (bytes.length > TELEMETRY_MAX_BYTES) {
    throw new VeriotError(
      'TELEMETRY_TOO_LARGE',
      `"message" expected at most ${TELEMETRY_MAX_BYTES} bytes, got ${bytes.length}`,
      { context: { length: bytes.length } },
    )
  }
  let value: unknown
  try {
    value = decode(bytes, DECODE_OPTIONS)
  } catch (cause) {
    throw new VeriotError(
      'TELEMETRY_MALFORMED',
      `"message" expected one deterministic CBOR item, got ${bytes.length} bytes that are not: ${messageOf(cause)}`,
      { cause, context: { length: bytes.length } },
    )
  }
  const message = telemetryFromCbor(value, true)
  if (!equalBytes(telemetryToCborReference(message, true), bytes)) {
    throw new VeriotError(
      'TELEMETRY_NOT_CANONICAL',
      '"message" expected the canonical deterministic CBOR encoding, got another encoding of the same message',
      { context: { length: bytes.length } },
    )
  }
  return message
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** telemetrySigningBytes as it was: the prefix, then a full checked re-encode without `g`. */
export function telemetrySigningBytesReference(message: UnsignedTelemetry): Uint8Array {
  return concatBytes(PREFIX, telemetryToCborReference(message, false))
}

/** telemetryToCbor as it was: build the wire map, check it, encode with rfc8949EncodeOptions. */
export function telemetryToCborReference(
  message: UnsignedTelemetry | TelemetryMessage,
  signed: boolean,
): Uint8Array {
  const map = wireMapOf(message, signed)
  if (signed) telemetryFromCbor(map, true)
  else telemetryFromCbor(map, false)
  return encode(map, rfc8949EncodeOptions)
}

function wireMapOf(
  message: UnsignedTelemetry | TelemetryMessage,
  signed: boolean,
): Map<string, unknown> {
  const m = (message ?? {}) as Partial<TelemetryMessage>
  const map = new Map<string, unknown>()
  const put = (key: string, value: unknown) => {
    if (value !== undefined) map.set(key, value)
  }
  put('v', m.version)
  put('d', m.deviceId)
  put('n', m.sequence)
  put('t', m.timestamp)
  put('y', m.type)
  put(
    'r',
    Array.isArray(m.readings)
      ? m.readings.map((r: unknown) => {
          if (typeof r !== 'object' || r === null) return r
          const reading = r as Record<string, unknown>
          const entries = new Map<string, unknown>()
          for (const [key, name] of [
            ['k', 'name'],
            ['v', 'value'],
            ['u', 'unit'],
          ] as const) {
            if (reading[name] !== undefined) entries.set(key, reading[name])
          }
          return entries
        })
      : m.readings,
  )
  put('s', m.suite)
  put('a', m.auxPublicKey)
  if (signed) put('g', m.signature)
  return map
}
