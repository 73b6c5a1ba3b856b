// A device that signs telemetry: its keys bound to its suite, plus a durable sequence counter,
// so every message it produces has a fresh number and the current time.

import { join } from 'node:path'
import { hexToBytes } from '@noble/hashes/utils.js'
import {
  decodeTelemetry,
  deviceIdFromPublicKey,
  encodeTelemetry,
  type Reading,
  readingIdOf,
  type SuiteName,
  TELEMETRY_VERSION,
} from '@veriot/core'
import type { DeviceKey } from '../keys/DeviceKey.ts'
import type { AuxKey } from '../suites/AuxKey.ts'
import { createTelemetrySigner, type TelemetrySignerKeys } from '../suites/createTelemetrySigner.ts'
import { signTelemetry } from '../suites/signTelemetry.ts'
import type { TelemetrySigner } from '../suites/TelemetrySigner.ts'
import { createMqttConnectToken } from './createMqttConnectToken.ts'
import { createSequenceCounter } from './createSequenceCounter.ts'
import type { Hex, TelemetryDevice } from './TelemetryDevice.ts'

export type TelemetryDeviceOptions = {
  /**
   * The device's P-256 key (any DeviceKey): its identity (device id), its MQTT connect tokens,
   * and its telemetry signatures under the p256 and mldsa44P256 suites.
   */
  key: Pick<DeviceKey, 'publicKey' | 'sign'>
  /**
   * The registered suite. Default: from `auxKey` (ed25519 → 'ed25519', mlDsa44 →
   * 'mldsa44P256'), else 'p256'. Ignored when `signer` is given.
   */
  suite?: SuiteName
  /** The Ed25519 or ML-DSA-44 key of the ed25519 and mldsa44P256 suites. */
  auxKey?: AuxKey
  /** A ready signer (createTelemetrySigner) instead of `suite` and `auxKey`. */
  signer?: TelemetrySigner
  /** The sequence counter lives in `<dataDir>/sequence.json`; one device per directory. */
  dataDir: string
  /** Clock for message timestamps and connect tokens, ms since the Unix epoch; default Date.now. */
  now?: () => number
  /** Sequence numbers reserved per durable write (see createSequenceCounter); default 100. */
  sequenceReserve?: number
}

/**
 * Creates a telemetry device. Every message carries the suite's auxiliary public key (field
 * `a`) when the suite has one, so a gateway that restarted can always learn it again.
 *
 * @throws KEY_MALFORMED for a public key that is not 65-byte uncompressed P-256 or a missing
 *   or wrong auxiliary key; SUITE_UNSUPPORTED (both from createTelemetrySigner); STORE_FAILED when the counter cannot be opened
 * @example
 * const device = await createTelemetryDevice({ key: await openDeviceKey(ref, secrets), dataDir })
 * const { bytes, readingId } = await device.sign('climate', [{ name: 'temp', value: -21.5, unit: 'Cel' }])
 */
export async function createTelemetryDevice(
  options: TelemetryDeviceOptions,
): Promise<TelemetryDevice> {
  const { key } = options
  const deviceId = deviceIdFromPublicKey(key.publicKey) as Hex
  const deviceIdBytes = hexToBytes(deviceId.slice(2))
  const signer = options.signer ?? signerOf(options)
  const now = options.now ?? Date.now
  const counter = await createSequenceCounter(
    join(options.dataDir, 'sequence.json'),
    options.sequenceReserve === undefined ? {} : { reserve: options.sequenceReserve },
  )

  return Object.freeze({
    deviceId,
    async sign(type: string, readings: readonly Reading[]) {
      const sequence = await counter.next()
      const signed = await signTelemetry(
        {
          version: TELEMETRY_VERSION,
          deviceId: deviceIdBytes,
          sequence,
          timestamp: now(),
          type,
          readings,
          suite: signer.suite,
          ...(signer.auxPublicKey === undefined ? {} : { auxPublicKey: signer.auxPublicKey }),
        },
        signer,
      )
      const bytes = encodeTelemetry(signed)
      // Decoded back: a frozen copy that shares nothing with the caller's readings.
      return Object.freeze({
        bytes,
        readingId: readingIdOf(bytes),
        message: decodeTelemetry(bytes),
      })
    },
    createConnectToken: () => createMqttConnectToken(key, deviceId, now()),
    close: () => counter.close(),
  })
}

function signerOf(options: TelemetryDeviceOptions): TelemetrySigner {
  const { key, auxKey } = options
  const suite: SuiteName =
    options.suite ??
    (auxKey?.algorithm === 'ed25519'
      ? 'ed25519'
      : auxKey?.algorithm === 'mlDsa44'
        ? 'mldsa44P256'
        : 'p256')
  // The auxiliary key goes to the suite's own slot, so a key of the other algorithm is named
  // in createTelemetrySigner's KEY_MALFORMED message.
  const keys: TelemetrySignerKeys =
    auxKey === undefined
      ? { p256: key }
      : suite === 'ed25519'
        ? { p256: key, ed25519: auxKey }
        : { p256: key, mlDsa44: auxKey }
  return createTelemetrySigner(suite, keys)
}
