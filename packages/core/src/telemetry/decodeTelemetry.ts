// Strict parser for telemetry messages arriving from devices (MQTT, HTTP, files): one
// canonical encoding in, a frozen message out, a TELEMETRY_* error for anything else.

import { decode } from 'cborg'
import { VeriotError } from '../errors/VeriotError.ts'
import { TELEMETRY_MAX_BYTES, type TelemetryMessage } from './TelemetryMessage.ts'
import { telemetryFromCbor } from './telemetryFromCbor.ts'
import { isCanonicalTelemetry } from './telemetryToCbor.ts'

// Encoding choices that are valid CBOR (longer integer heads, indefinite lengths) are let
// through here and refused by the byte comparison below, as TELEMETRY_NOT_CANONICAL; what is
// not valid CBOR for a message (duplicate keys, tags, undefined, trailing bytes) is MALFORMED.
const DECODE_OPTIONS = {
  strict: false,
  allowIndefinite: true,
  allowUndefined: false,
  rejectDuplicateMapKeys: true,
  useMaps: true, // keys of any type reach the field check, and "__proto__" stays a plain key
} as const

/**
 * Decodes a telemetry message and accepts it only in its canonical encoding: the bytes must be
 * exactly what encodeTelemetry writes for the decoded message (map key order, float widths and
 * everything cborg's decoder does not check itself). The field check runs once, on the decoded
 * value; the re-encode it is compared with skips it (isCanonicalTelemetry). The signature is
 * not checked here (see verifyTelemetrySignature; telemetrySigningBytesFromEncoded takes the
 * signed bytes out of `bytes` without encoding again). The result is frozen; its byte fields
 * are copies.
 *
 * @throws TELEMETRY_TOO_LARGE above 16 KiB; TELEMETRY_MALFORMED for bytes that are not one
 *   CBOR item or a field that is missing, unknown or mistyped (the message and `context.field`
 *   name it); TELEMETRY_VALUE_INVALID for a NaN, ±Infinity, bad name or unit in a reading;
 *   TELEMETRY_NOT_CANONICAL when the message is valid but encoded in another way.
 * @example
 * const message = decodeTelemetry(payload)
 * if (!verifyTelemetrySignature(message, { p256PublicKey })) reject('SIGNATURE_INVALID')
 */
export function decodeTelemetry(bytes: Uint8Array): TelemetryMessage {
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
  if (!isCanonicalTelemetry(message, bytes)) {
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
