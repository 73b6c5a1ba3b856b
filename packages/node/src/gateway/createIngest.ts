// The gateway's check pipeline, shared by MQTT and HTTP: well-formed → known and Active (its
// model's breaker not tripped, not locked down by this gateway) → attested, release approved (when the rule is on) → capability → suite and keys
// → signature → sequence → timestamp skew → persisted. Every rejection is a VeriotError with
// its code, counted in the store; nothing is stored for it. A guard, when given, scores every
// accepted and rejected message and locks a device out when its score reaches the threshold.

import {
  type AssuranceLevel,
  auxKeyHashOf,
  capabilityToBytes32,
  decodeTelemetry,
  readingIdOf,
  Suite,
  type TelemetryKeys,
  type TelemetryMessage,
  telemetrySigningBytesFromEncoded,
  VeriotError,
  verifyTelemetrySignature,
} from '@veriot/core'
import { bytesToHex, type Hex, hexToBytes } from 'viem'
import {
  ATTESTATION_REFUSALS,
  type GatewayAttestation,
} from '../attestation/createGatewayAttestation.ts'
import type { TelemetryStore } from '../store/TelemetryStore.ts'
import type { DeviceCache } from './createDeviceCache.ts'
import type { DeviceGuard } from './createDeviceGuard.ts'
import {
  createSignatureVerifierPool,
  type TelemetrySignatureVerifier,
} from './createSignatureVerifierPool.ts'
import { isRetryableFailure } from './isRetryableFailure.ts'
import { requireActiveDevice } from './requireActiveDevice.ts'

export type IngestOptions = {
  store: TelemetryStore
  devices: DeviceCache
  /** Largest accepted |device time − gateway time| in ms. Default 5 minutes. */
  maxSkewMs?: number
  /** Oldest accepted reading, ms before the gateway's clock (offline backlogs). Default 24 h. */
  maxAgeMs?: number
  now?: () => number
  /**
   * Worker threads that check P-256 signatures, off the event loop that runs the transports
   * and the store. 0 (default) checks them inline.
   */
  verifyThreads?: number
  /** Lockdown and anomaly scoring (createDeviceGuard); none by default. */
  guard?: DeviceGuard
  /**
   * The attestation rule (createGatewayAttestation): readings only from devices with a fresh
   * attestation of an approved release, stored with its assurance level. None by default.
   */
  attestation?: Pick<GatewayAttestation, 'admit'>
  /** Told of every newly accepted (stored) reading, e.g. the policy engine. Must not throw. */
  onAccepted?: (message: TelemetryMessage, result: IngestResult) => void
}

export type IngestResult = {
  status: 'accepted' | 'duplicate'
  readingId: Hex
  deviceId: Hex
  sequence: number
  /** The device's assurance level when the attestation rule is on. */
  level?: AssuranceLevel
}

export type Ingest = {
  /**
   * Checks and persists one encoded message. `expectedDeviceId` is the identity the transport
   * authenticated (MQTT topic/username); the message must be from that device.
   * @throws VeriotError with the rejection code
   */
  ingest(bytes: Uint8Array, context?: { expectedDeviceId?: Hex }): Promise<IngestResult>
  /** Rejections counted since start, by code. */
  readonly rejected: Map<string, number>
  readonly accepted: { count: number; duplicates: number }
  /** Stops the verifier threads; later calls of ingest check signatures inline. */
  close(): Promise<void>
}

export function createIngest(options: IngestOptions): Ingest {
  const { store, devices } = options
  const now = options.now ?? Date.now
  const maxSkew = options.maxSkewMs ?? 5 * 60_000
  const maxAge = options.maxAgeMs ?? 24 * 60 * 60_000
  const auxKeys = new Map<Hex, Uint8Array>()
  const rejected = new Map<string, number>()
  const accepted = { count: 0, duplicates: 0 }
  let verifier: TelemetrySignatureVerifier | undefined = options.verifyThreads
    ? createSignatureVerifierPool(options.verifyThreads)
    : undefined
  const verifySignature = (
    msg: TelemetryMessage,
    keys: TelemetryKeys,
    signed: Uint8Array,
  ): Promise<boolean> | boolean =>
    verifier ? verifier.verify(msg, keys, signed) : verifyTelemetrySignature(msg, keys, signed)

  /** What the catch block needs to score a rejection: whose it is and whether it is theirs. */
  type Attribution = { deviceId?: Hex; msg?: TelemetryMessage; signed: boolean }

  async function check(
    bytes: Uint8Array,
    expected: Hex | undefined,
    seen: Attribution,
  ): Promise<IngestResult> {
    const msg: TelemetryMessage = decodeTelemetry(bytes)
    const deviceId = bytesToHex(msg.deviceId)
    seen.deviceId = expected !== undefined ? (expected.toLowerCase() as Hex) : deviceId
    seen.msg = msg
    if (expected !== undefined && expected.toLowerCase() !== deviceId) {
      throw new VeriotError(
        'TOPIC_FORBIDDEN',
        `"device id" expected ${expected} (the authenticated client), got ${deviceId}`,
        { context: { deviceId, expected } },
      )
    }
    const device = await requireActiveDevice(devices, deviceId)
    if (device.modelPaused) {
      throw new VeriotError(
        'MODEL_PAUSED',
        `the breaker of model ${device.model} is tripped on chain: device ${deviceId} is not operational`,
        { context: { deviceId, model: device.model } },
      )
    }
    options.guard?.admit(deviceId, device)
    // Attestation rule (docs/attestation.md): fresh attestation, release still approved.
    const level = options.attestation
      ? await options.attestation.admit(deviceId, device)
      : undefined
    const capability = `telemetry:${msg.type}`
    if (!device.capabilities.includes(capability)) {
      throw new VeriotError('CAPABILITY_MISSING', `device ${deviceId} lacks ${capability}`, {
        context: { deviceId, capability: capabilityToBytes32(capability) },
      })
    }
    const registeredSuite = device.suite in Suite ? Suite[device.suite as keyof typeof Suite] : -1
    if (msg.suite !== registeredSuite) {
      throw new VeriotError(
        'SUITE_MISMATCH',
        `"suite" expected ${registeredSuite} (${device.suite}, as registered), got ${msg.suite}`,
        { context: { deviceId } },
      )
    }
    const auxPublicKey = resolveAuxKey(deviceId, msg, device.auxKeyHash)
    const keys = auxPublicKey
      ? { p256PublicKey: hexToBytes(device.publicKey), auxPublicKey }
      : { p256PublicKey: hexToBytes(device.publicKey) }
    // The bytes the signature covers, sliced from the canonical bytes decodeTelemetry accepted.
    const signed = telemetrySigningBytesFromEncoded(bytes, msg)
    if (!(await verifySignature(msg, keys, signed))) {
      throw new VeriotError(
        'SIGNATURE_INVALID',
        `signature of device ${deviceId} does not verify`,
        {
          context: { deviceId, sequence: msg.sequence },
        },
      )
    }
    seen.signed = true
    const readingId = readingIdOf(bytes)
    const t = now()
    // Ahead of the gateway's clock: at most the skew. Behind it: up to maxAge, so readings a
    // device queued while offline still count (replay is stopped by the sequence, not the clock).
    if (msg.timestamp - t > maxSkew || t - msg.timestamp > maxAge) {
      // Rare path: keep the documented order (duplicate, then sequence, then time) with two
      // reads; the common path leaves both checks to the append's single transaction.
      if (await store.getReading(readingId)) {
        return { status: 'duplicate', readingId, deviceId, sequence: msg.sequence }
      }
      const last = await store.getLastSequence(deviceId)
      if (last !== undefined && msg.sequence <= last) {
        throw new VeriotError(
          'SEQUENCE_REPLAYED',
          `"seq" expected > ${last} for device ${deviceId}, got ${msg.sequence}`,
          { context: { deviceId, expectedAbove: last, got: msg.sequence } },
        )
      }
      const ahead = msg.timestamp > t
      throw new VeriotError(
        'TIMESTAMP_SKEW',
        ahead
          ? `"timestamp" expected at most ${maxSkew} ms ahead of ${t}, got ${msg.timestamp}`
          : `"timestamp" expected at most ${maxAge} ms before ${t}, got ${msg.timestamp}`,
        { context: { deviceId, skewMs: msg.timestamp - t } },
      )
    }
    // Duplicate (same id: acknowledged again, stored once) and sequence are checked atomically
    // inside the append transaction.
    const status = await store.appendReading({
      id: readingId,
      deviceId,
      seq: msg.sequence,
      timestamp: msg.timestamp,
      type: msg.type,
      message: bytes,
      receivedAt: t,
      ...(level ? { assuranceLevel: level } : {}),
    })
    if (auxPublicKey) auxKeys.set(deviceId, auxPublicKey)
    return { status, readingId, deviceId, sequence: msg.sequence, ...(level ? { level } : {}) }
  }

  function resolveAuxKey(
    deviceId: Hex,
    msg: TelemetryMessage,
    auxKeyHash: Hex,
  ): Uint8Array | undefined {
    if (msg.suite === Suite.p256) return undefined
    const candidate = msg.auxPublicKey ?? auxKeys.get(deviceId)
    if (!candidate || auxKeyHashOf(candidate).toLowerCase() !== auxKeyHash.toLowerCase()) {
      throw new VeriotError(
        'AUX_KEY_MISMATCH',
        candidate
          ? `auxiliary key of device ${deviceId} does not hash to the registered ${auxKeyHash}`
          : `device ${deviceId} must send its auxiliary public key (field "a") at least once`,
        { context: { deviceId } },
      )
    }
    return candidate
  }

  return {
    rejected,
    accepted,
    async close() {
      const closing = verifier
      verifier = undefined
      await closing?.close()
    },
    async ingest(bytes, context = {}) {
      const seen: Attribution = { signed: false }
      try {
        const result = await check(bytes, context.expectedDeviceId, seen)
        if (result.status === 'accepted') {
          accepted.count++
          if (seen.msg) {
            options.guard?.accepted(seen.msg, result.deviceId)
            options.onAccepted?.(seen.msg, result)
          }
        } else accepted.duplicates++
        return result
      } catch (err) {
        const error =
          err instanceof VeriotError
            ? err
            : new VeriotError('INTERNAL', 'ingest failed unexpectedly', { cause: err })
        rejected.set(error.code, (rejected.get(error.code) ?? 0) + 1)
        // Score the rejection against the device only when it is the device's own doing: the
        // transport authenticated it, or its signature verified (a replay of a signed message
        // can come from anyone who saw it). Failures of the gateway itself are not scored.
        // Attestation refusals state the device's firmware, not its behaviour: not scored.
        if (
          options.guard &&
          seen.deviceId &&
          !isRetryableFailure(error.code) &&
          !ATTESTATION_REFUSALS.has(error.code)
        ) {
          const attributable =
            context.expectedDeviceId !== undefined ||
            (seen.signed && error.code !== 'SEQUENCE_REPLAYED')
          options.guard.rejected(seen.deviceId, error.code, error.message, attributable)
        }
        // Counting is best effort: a failing store must not turn a rejection into a crash.
        await store.countRejection(error.code).catch(() => {})
        throw error
      }
    },
  }
}
