// The signed bytes of a received telemetry message, cut out of its canonical encoding instead of
// encoding the message again: the gateway has those bytes at hand when it checks the signature.

import { equalBytes } from '@noble/curves/utils.js'
import { VeriotError } from '../errors/VeriotError.ts'
import { TELEMETRY_SIGNING_PREFIX as PREFIX, type TelemetryMessage } from './TelemetryMessage.ts'

// The canonical encoding (encodeTelemetry) is a map of 8 entries, 9 with `a`, keys in the
// order a, d, g, n, r, s, t, v, y. Everything in front of `g` has a fixed length:
//   a8 | a9                      map head (8 or 9 entries; below 24, so one byte)
//   61 61  58 20 ‖ 32 B          "a": Ed25519 key       (36 bytes)
//   61 61  59 05 20 ‖ 1312 B     "a": ML-DSA-44 key     (1317 bytes)
//   61 64  58 20 ‖ 32 B          "d": device id         (36 bytes)
//   61 67  58 40 ‖ 64 B          "g": P-256 or Ed25519 signature
//   61 67  59 09 b4 ‖ 2484 B     "g": hybrid signature
// and the message without `g` is the same map with one entry fewer and the `g` entry left out:
// removing an entry keeps the others in canonical order, and the map head stays one byte.
const MAP_HEAD = { withoutAux: 0xa8, withAux: 0xa9 } as const
const DEVICE_ID_ENTRY_HEAD = Uint8Array.of(0x61, 0x64, 0x58, 0x20)
/** Key and byte-string head of the `a` entry, by key length. */
const AUX_ENTRY_HEADS: ReadonlyMap<number, Uint8Array> = new Map([
  [32, Uint8Array.of(0x61, 0x61, 0x58, 0x20)],
  [1312, Uint8Array.of(0x61, 0x61, 0x59, 0x05, 0x20)],
])
/** Key and byte-string head of the `g` entry, by signature length. */
const SIGNATURE_ENTRY_HEADS: ReadonlyMap<number, Uint8Array> = new Map([
  [64, Uint8Array.of(0x61, 0x67, 0x58, 0x40)],
  [2484, Uint8Array.of(0x61, 0x67, 0x59, 0x09, 0xb4)],
])
/** The key after `g`: the cut must end where the next entry starts. */
const SEQUENCE_KEY = Uint8Array.of(0x61, 0x6e)
const DEVICE_ID_BYTES = 32

/**
 * The same bytes as telemetrySigningBytes(message), utf8("VERIOT/telemetry/v1") ‖ 0x00 ‖
 * CBOR(message without `g`), cut out of `encoded` instead of encoded again (about one copy of
 * the message, against a full check and encode).
 *
 * Precondition: `message` is what decodeTelemetry(encoded) returned for these exact bytes,
 * unchanged since. Only what the cut rests on is checked here (the map head, the `a`, `d`, `g`
 * and `n` keys and heads at their offsets, and the message's aux key, device id and signature
 * at theirs), not that the other fields match the bytes: for any other pair of bytes and
 * message use telemetrySigningBytes(message).
 *
 * @throws TELEMETRY_MALFORMED when `encoded` does not have the layout `message` calls for
 *   (bytes of another message or suite, another device id, aux key or signature); nothing is returned
 *   that the layout does not back.
 * @example
 * const message = decodeTelemetry(payload)
 * const signed = telemetrySigningBytesFromEncoded(payload, message)
 */
export function telemetrySigningBytesFromEncoded(
  encoded: Uint8Array,
  message: TelemetryMessage,
): Uint8Array {
  if (!(encoded instanceof Uint8Array) || typeof message !== 'object' || message === null) {
    throw mismatch('expected bytes and a decoded message')
  }
  const { auxPublicKey, deviceId, signature } = message
  let offset = 0
  if (encoded[offset++] !== (auxPublicKey === undefined ? MAP_HEAD.withoutAux : MAP_HEAD.withAux)) {
    throw mismatch(`expected a map of ${auxPublicKey === undefined ? 8 : 9} entries at byte 0`)
  }
  if (auxPublicKey !== undefined) {
    const head = auxPublicKey instanceof Uint8Array && AUX_ENTRY_HEADS.get(auxPublicKey.length)
    if (!head || !hasAt(encoded, offset, head)) throw mismatch(`expected "a" at byte ${offset}`)
    offset += head.length
    if (!hasAt(encoded, offset, auxPublicKey)) {
      throw mismatch(`expected the message's "a" at byte ${offset}`)
    }
    offset += auxPublicKey.length
  }
  if (!hasAt(encoded, offset, DEVICE_ID_ENTRY_HEAD))
    throw mismatch(`expected "d" at byte ${offset}`)
  offset += DEVICE_ID_ENTRY_HEAD.length
  if (
    !(deviceId instanceof Uint8Array) ||
    deviceId.length !== DEVICE_ID_BYTES ||
    !hasAt(encoded, offset, deviceId)
  ) {
    throw mismatch(`expected the message's "d" at byte ${offset}`)
  }
  offset += DEVICE_ID_BYTES
  const signatureStart = offset
  const head = signature instanceof Uint8Array && SIGNATURE_ENTRY_HEADS.get(signature.length)
  if (!head || !hasAt(encoded, offset, head)) throw mismatch(`expected "g" at byte ${offset}`)
  offset += head.length
  if (!hasAt(encoded, offset, signature)) {
    throw mismatch(`expected the message's "g" at byte ${offset}`)
  }
  const signatureEnd = offset + signature.length
  if (!hasAt(encoded, signatureEnd, SEQUENCE_KEY)) {
    throw mismatch(`expected "n" after "g", at byte ${signatureEnd}`)
  }

  const out = new Uint8Array(PREFIX.length + encoded.length - (signatureEnd - signatureStart))
  out.set(PREFIX)
  out[PREFIX.length] = (encoded[0] as number) - 1 // one entry fewer: 0xa8 → 0xa7, 0xa9 → 0xa8
  out.set(encoded.subarray(1, signatureStart), PREFIX.length + 1)
  out.set(encoded.subarray(signatureEnd), PREFIX.length + signatureStart)
  return out
}

/** True when `bytes` occurs in `encoded` at `offset`. */
function hasAt(encoded: Uint8Array, offset: number, bytes: Uint8Array): boolean {
  return (
    offset + bytes.length <= encoded.length &&
    equalBytes(encoded.subarray(offset, offset + bytes.length), bytes)
  )
}

function mismatch(detail: string): VeriotError {
  return new VeriotError(
    'TELEMETRY_MALFORMED',
    `"encoded" expected the canonical encoding of "message" (as decodeTelemetry returned it), got bytes that do not match it: ${detail}`,
  )
}
