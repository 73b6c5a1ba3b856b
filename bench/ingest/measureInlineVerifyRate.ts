// Verify rates on the calling thread: the gateway's verifyTelemetrySignature (verifyP256, on
// OpenSSL where node:crypto is sound), and for reference node:crypto called directly.

import { createPublicKey, verify } from 'node:crypto'
import {
  decodeTelemetry,
  type TelemetryMessage,
  telemetrySigningBytes,
  verifyTelemetrySignature,
} from '@veriot/core'
import { bytesToHex, type Hex } from 'viem'
import { timeOnThread } from '../threads/timeOnThread.ts'

export type Rate = { perSecond: number; uncontendedPerSecond: number }

export type InlineVerifyRates = {
  verified: number
  /** verifyTelemetrySignature on this thread. */
  noble: Rate
  /** node:crypto (OpenSSL) verify of the same signing bytes and signatures. */
  openssl: Rate
}

/** Verifies `messages` (encoded) on this thread both ways; throws if any fails to verify. */
export function measureInlineVerifyRate(
  messages: readonly Uint8Array[],
  publicKeys: Record<Hex, Uint8Array>,
): InlineVerifyRates {
  const decoded = messages.map((bytes) => {
    const message = decodeTelemetry(bytes)
    const key = publicKeys[bytesToHex(message.deviceId)]
    if (!key) throw new Error(`no public key for device ${bytesToHex(message.deviceId)}`)
    return { message, key, openssl: toKeyObject(key) }
  })
  const noble = (m: TelemetryMessage, key: Uint8Array) =>
    verifyTelemetrySignature(m, { p256PublicKey: key })
  const openssl = (m: TelemetryMessage, key: ReturnType<typeof toKeyObject>) =>
    verify('sha256', telemetrySigningBytes(m), { key, dsaEncoding: 'ieee-p1363' }, m.signature)

  for (const d of decoded.slice(0, 20)) {
    noble(d.message, d.key)
    openssl(d.message, d.openssl)
  }
  let valid = 0
  const nobleTime = timeOnThread(() => {
    for (const d of decoded) if (noble(d.message, d.key)) valid++
  })
  const opensslTime = timeOnThread(() => {
    for (const d of decoded) if (openssl(d.message, d.openssl)) valid++
  })
  if (valid !== 2 * decoded.length) throw new Error('a pre-made signature did not verify')
  const rate = (t: ReturnType<typeof timeOnThread>): Rate => ({
    perSecond: (decoded.length * 1000) / t.wallMs,
    uncontendedPerSecond: (decoded.length * 1000) / t.uncontendedMs,
  })
  return { verified: decoded.length, noble: rate(nobleTime), openssl: rate(opensslTime) }
}

function toKeyObject(publicKey: Uint8Array) {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')
  return createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: b64(publicKey.subarray(1, 33)),
      y: b64(publicKey.subarray(33, 65)),
    },
    format: 'jwk',
  })
}
