// CPU cost of each pure step the gateway runs per reading, on the calling thread and in the
// same run as the ingest measurements, so the ingest figures can be taken apart: decoding
// (CBOR decode + canonical re-encode), the reading id (SHA-256), the signing bytes (cut from the
// received bytes, as the gateway does, and re-encoded, as verifyTelemetrySignature alone does)
// and the P-256 check itself.

import {
  decodeTelemetry,
  readingIdOf,
  telemetrySigningBytes,
  telemetrySigningBytesFromEncoded,
  verifyP256,
  verifyTelemetrySignature,
} from '@veriot/core'
import { bytesToHex, type Hex } from 'viem'
import { timeOnThread } from '../threads/timeOnThread.ts'

/** Microseconds per call, contention removed (see timeOnThread). */
export type PipelinePartsUs = {
  decodeTelemetry: number
  readingIdOf: number
  telemetrySigningBytes: number
  telemetrySigningBytesFromEncoded: number
  verifyP256: number
  verifyTelemetrySignature: number
}

/** Times each step over `messages` (encoded), after a warm-up pass. */
export function measurePipelineParts(
  messages: readonly Uint8Array[],
  publicKeys: Record<Hex, Uint8Array>,
): PipelinePartsUs {
  const decoded = messages.map(decodeTelemetry)
  const keys = decoded.map((m) => publicKeys[bytesToHex(m.deviceId)] as Uint8Array)
  const signed = decoded.map(telemetrySigningBytes)
  const steps: Record<keyof PipelinePartsUs, (i: number) => unknown> = {
    decodeTelemetry: (i) => decodeTelemetry(messages[i] as Uint8Array),
    readingIdOf: (i) => readingIdOf(messages[i] as Uint8Array),
    telemetrySigningBytes: (i) => telemetrySigningBytes(decoded[i] as (typeof decoded)[number]),
    telemetrySigningBytesFromEncoded: (i) =>
      telemetrySigningBytesFromEncoded(
        messages[i] as Uint8Array,
        decoded[i] as (typeof decoded)[number],
      ),
    verifyP256: (i) => {
      const m = decoded[i] as (typeof decoded)[number]
      if (!verifyP256(m.signature, signed[i] as Uint8Array, keys[i] as Uint8Array)) {
        throw new Error('a pre-made signature did not verify')
      }
    },
    verifyTelemetrySignature: (i) =>
      verifyTelemetrySignature(decoded[i] as (typeof decoded)[number], {
        p256PublicKey: keys[i] as Uint8Array,
      }),
  }
  const out = {} as PipelinePartsUs
  for (const [name, step] of Object.entries(steps) as Array<
    [keyof PipelinePartsUs, (i: number) => unknown]
  >) {
    for (let i = 0; i < Math.min(50, messages.length); i++) step(i)
    const t = timeOnThread(() => {
      for (let i = 0; i < messages.length; i++) step(i)
    })
    out[name] = Math.round((t.uncontendedMs * 10_000) / messages.length) / 10
  }
  return out
}
