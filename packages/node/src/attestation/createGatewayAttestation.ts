// The gateway's attestation rule (docs/attestation.md, "The gateway"): it issues nonces, verifies
// evidence against the device's registered key and the measurement FirmwareRegistry approved
// for the device's registered model and the version the device claims (its registered version
// by default, never below it), keeps the last result per device, and admits a device's readings
// only while that result is fresh and the attested release's verdict is still Approved (re-read
// at most every `verdictTtlMs`, so a revocation or a raised minimum reaches devices that
// attested before it).

import {
  type AssuranceLevel,
  createAttestationChallenges,
  type FirmwareVerdict,
  firmwareVersionToUint64,
  isVeriotError,
  parseAttestationEvidence,
  VeriotError,
  verifyAttestation,
} from '@veriot/core'
import { bytesToHex, type Hex, hexToBytes } from 'viem'
import type { DeviceCache } from '../gateway/createDeviceCache.ts'
import { requireActiveDevice } from '../gateway/requireActiveDevice.ts'
import type { DeviceRecord } from '../registry/createRegistryClient.ts'
import { assertFirmwareApproved } from './assertFirmwareApproved.ts'
import type { AttestationRecord, AttestationStore } from './createSqliteAttestationStore.ts'

/** What the gateway needs of FirmwareRegistry (createFirmwareClient fits). */
export type FirmwareReader = {
  readVerdict(model: string, version: bigint): Promise<FirmwareVerdict>
  readRelease(
    model: string,
    version: bigint,
  ): Promise<{ verdict: FirmwareVerdict; measurement: Hex }>
}

export type GatewayAttestationOptions = {
  devices: DeviceCache
  firmware: FirmwareReader
  store: AttestationStore
  /** How long a verified attestation admits readings. Default 1 hour. */
  maxAgeMs?: number
  /** How long a nonce may be answered. Default 60 s. */
  nonceTtlMs?: number
  /** How long a release verdict is reused before FirmwareRegistry is read again. Default 5 s. */
  verdictTtlMs?: number
  /** How long a last-known verdict is used while the chain cannot be read. Default 10 min. */
  maxStaleMs?: number
  now?: () => number
}

/** A device's attestation as the gateway reports it (HTTP, veriot device show). */
export type AttestationStatus = {
  deviceId: Hex
  attestation: AttestationRecord | null
  /** True while the attestation admits readings (not expired, release still approved). */
  fresh: boolean
  /**
   * The verdict of the release that decides admission: the attested one when the attestation is
   * for the registered model at or above the registered version, else the registered one
   * (undefined for an unknown device).
   */
  release?: { model: string; firmwareVersion: string; verdict: FirmwareVerdict }
}

export type GatewayAttestation = {
  readonly maxAgeMs: number
  /**
   * A fresh nonce for a registered, Active device.
   * @throws INVALID_DEVICE_ID, DEVICE_UNKNOWN, DEVICE_NOT_ACTIVE, RPC_UNREACHABLE
   */
  challenge(deviceId: string): Promise<{ deviceId: Hex; nonce: Hex; expiresAt: number }>
  /**
   * Verifies evidence (JSON, as the device sent it) against the release of the registered model
   * and the claimed `firmwareVersion` (default the registered version), and stores the result.
   * @throws ATTESTATION_MALFORMED, DEVICE_UNKNOWN, DEVICE_NOT_ACTIVE, ATTESTATION_REPLAYED,
   *   ATTESTATION_NONCE_MISMATCH, ATTESTATION_EXPIRED, FIRMWARE_VERSION_BELOW_MINIMUM (also a
   *   claimed version below the device's registered version), FIRMWARE_RELEASE_UNKNOWN,
   *   FIRMWARE_RELEASE_NOT_APPROVED, FIRMWARE_VERSION_BELOW_MINIMUM, FIRMWARE_RELEASE_REVOKED,
   *   ATTESTATION_KEY_UNKNOWN, ATTESTATION_SIGNATURE_INVALID, ATTESTATION_PCR_MISMATCH,
   *   RPC_UNREACHABLE, STORE_FAILED
   */
  submit(evidence: unknown): Promise<AttestationRecord>
  /**
   * The ingest check: the device's assurance level when it may send readings now.
   * @throws ATTESTATION_REQUIRED (none, expired, or made for another model or a version below
   *   the registered one), the FIRMWARE_* codes of the attested release's verdict, RPC_UNREACHABLE
   */
  admit(deviceId: Hex, device: DeviceRecord): AssuranceLevel | Promise<AssuranceLevel>
  /** @throws RPC_UNREACHABLE */
  status(deviceId: Hex): Promise<AttestationStatus>
}

/** Ingest refusals that come from this rule; the anomaly guard does not score them. */
export const ATTESTATION_REFUSALS: ReadonlySet<string> = new Set([
  'ATTESTATION_REQUIRED',
  'FIRMWARE_RELEASE_UNKNOWN',
  'FIRMWARE_RELEASE_NOT_APPROVED',
  'FIRMWARE_VERSION_BELOW_MINIMUM',
  'FIRMWARE_RELEASE_REVOKED',
])

type Verdict = { verdict: FirmwareVerdict; fetchedAt: number }

/**
 * Creates the gateway's attestation verifier and ingest rule.
 * @example
 * const attestation = createGatewayAttestation({ devices, firmware, store, maxAgeMs: 3_600_000 })
 * const { nonce } = await attestation.challenge(deviceId)
 * const record = await attestation.submit(JSON.parse(body)) // device answered the nonce
 * const level = await attestation.admit(deviceId, device)   // 'tpm' | 'hsm' | 'software'
 */
export function createGatewayAttestation(options: GatewayAttestationOptions): GatewayAttestation {
  const { devices, firmware, store } = options
  const now = options.now ?? Date.now
  const maxAgeMs = options.maxAgeMs ?? 60 * 60_000
  const verdictTtlMs = options.verdictTtlMs ?? 5_000
  const maxStaleMs = options.maxStaleMs ?? 10 * 60_000
  if (!Number.isSafeInteger(maxAgeMs) || maxAgeMs <= 0) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"maxAgeMs" expected a positive integer, got ${maxAgeMs}`,
    )
  }
  const challenges = createAttestationChallenges({ ttlMs: options.nonceTtlMs ?? 60_000, now })
  const verdicts = new Map<string, Verdict>()
  const inflight = new Map<string, Promise<FirmwareVerdict>>()

  const activeDevice = (deviceId: Hex): Promise<DeviceRecord> =>
    requireActiveDevice(devices, deviceId)

  type Release = { model: string; firmwareVersion: string }
  const releaseKey = (release: Release) => `${release.model}\0${release.firmwareVersion}`

  /** The verdict of a release, from FirmwareRegistry at most verdictTtlMs ago. */
  function verdictOf(release: Release): FirmwareVerdict | Promise<FirmwareVerdict> {
    const key = releaseKey(release)
    const cached = verdicts.get(key)
    const t = now()
    if (cached && t - cached.fetchedAt < verdictTtlMs) return cached.verdict
    const pending = inflight.get(key)
    if (pending) return pending
    const read = firmware
      .readVerdict(release.model, firmwareVersionToUint64(release.firmwareVersion))
      .then(
        (verdict) => {
          verdicts.set(key, { verdict, fetchedAt: now() })
          return verdict
        },
        (err: unknown) => {
          // Chain unreachable: keep going on what we last knew, for a while (like the device
          // cache); nothing newer could be learned anyway.
          if (
            cached &&
            isVeriotError(err, 'RPC_UNREACHABLE') &&
            now() - cached.fetchedAt < maxStaleMs
          ) {
            return cached.verdict
          }
          throw err
        },
      )
      .finally(() => inflight.delete(key))
    inflight.set(key, read)
    return read
  }

  function freshRecord(deviceId: Hex, device: DeviceRecord): AttestationRecord {
    const record = store.get(deviceId)
    const t = now()
    const required = (why: string, context: Record<string, unknown> = {}) =>
      new VeriotError(
        'ATTESTATION_REQUIRED',
        `device ${deviceId} has ${why}: attest to this gateway (POST /v1/attestation/challenge, then POST /v1/attestation) before sending readings`,
        { context: { deviceId, ...context } },
      )
    if (!record) throw required('no attestation')
    if (!(t < record.expiresAt)) {
      throw required(`an attestation that expired at ${record.expiresAt}`, {
        expiresAt: record.expiresAt,
        now: t,
      })
    }
    // Made for what the registry says now: its model, and a version not below the registered
    // one (the device updated since it was registered). The verdict is then the attested
    // release's.
    if (!isRecordForDevice(record, device)) {
      throw required(
        `an attestation for release ${record.model} ${record.firmwareVersion}, not its registered ${device.model} ${device.firmwareVersion} or a later version`,
      )
    }
    return record
  }

  return {
    maxAgeMs,
    async challenge(raw) {
      const deviceId = deviceIdOf(raw)
      await activeDevice(deviceId)
      const nonce = challenges.issue(deviceId)
      return {
        deviceId,
        nonce: bytesToHex(nonce),
        expiresAt: now() + (options.nonceTtlMs ?? 60_000),
      }
    },

    async submit(json) {
      const evidence = parseAttestationEvidence(json)
      const deviceId = evidence.deviceId.toLowerCase() as Hex
      const device = await activeDevice(deviceId)
      challenges.redeem(deviceId, evidence.nonce)
      // The claim needs no signature: it only picks the release whose approved measurement the
      // signed one (a TPM quote's PCR, or the device's own report) must equal below. The model
      // is always the registered one, and the registered version is a per-device rollback floor.
      const claimed = evidence.firmwareVersion ?? device.firmwareVersion
      const version = firmwareVersionToUint64(claimed)
      if (version < firmwareVersionToUint64(device.firmwareVersion)) {
        throw new VeriotError(
          'FIRMWARE_VERSION_BELOW_MINIMUM',
          `release ${device.model} ${claimed} of device ${deviceId} is below its registered version ${device.firmwareVersion}`,
          {
            context: {
              deviceId,
              model: device.model,
              version: claimed,
              registeredVersion: device.firmwareVersion,
            },
          },
        )
      }
      const attested: Release = { model: device.model, firmwareVersion: claimed }
      let release: { verdict: FirmwareVerdict; measurement: Hex }
      try {
        release = await firmware.readRelease(device.model, version)
      } catch (err) {
        // No vendor for the model: no release of it can be known either.
        if (!isVeriotError(err, 'FIRMWARE_MODEL_UNKNOWN')) throw err
        release = { verdict: 'unknown', measurement: '0x' }
      }
      verdicts.set(releaseKey(attested), { verdict: release.verdict, fetchedAt: now() })
      assertFirmwareApproved(release.verdict, { deviceId, ...attested })
      const result = verifyAttestation(evidence, {
        nonce: evidence.nonce,
        boundKey: hexToBytes(device.publicKey),
        expectedMeasurement: hexToBytes(release.measurement),
        maxAgeMs,
        now: now(),
      })
      const record: AttestationRecord = Object.freeze({
        deviceId,
        level: result.level,
        measurement: bytesToHex(result.measurement),
        ...(result.pcr === undefined ? {} : { pcr: result.pcr }),
        ...(result.attestationPublicKey === undefined
          ? {}
          : { attestationPublicKey: bytesToHex(result.attestationPublicKey) }),
        model: attested.model,
        firmwareVersion: attested.firmwareVersion,
        verifiedAt: result.verifiedAt,
        expiresAt: result.expiresAt,
      })
      store.put(record)
      return record
    },

    admit(deviceId, device) {
      const record = freshRecord(deviceId, device)
      const check = (verdict: FirmwareVerdict): AssuranceLevel => {
        assertFirmwareApproved(verdict, {
          deviceId,
          model: record.model,
          firmwareVersion: record.firmwareVersion,
        })
        return record.level
      }
      const verdict = verdictOf(record)
      return typeof verdict === 'string' ? check(verdict) : verdict.then(check)
    },

    async status(deviceId) {
      const record = store.get(deviceId) ?? null
      const device = await devices.get(deviceId)
      if (!device) return { deviceId, attestation: record, fresh: false }
      const forDevice = record !== null && isRecordForDevice(record, device)
      const release: Release = forDevice ? record : device
      const verdict = await verdictOf(release)
      const fresh = forDevice && now() < record.expiresAt && verdict === 'approved'
      return {
        deviceId,
        attestation: record,
        fresh,
        release: { model: release.model, firmwareVersion: release.firmwareVersion, verdict },
      }
    },
  }
}

/** The record is for the device's registered model, at or above its registered version. */
function isRecordForDevice(record: AttestationRecord, device: DeviceRecord): boolean {
  try {
    return (
      record.model === device.model &&
      firmwareVersionToUint64(record.firmwareVersion) >=
        firmwareVersionToUint64(device.firmwareVersion)
    )
  } catch {
    return false // a version that does not parse admits nothing
  }
}

function deviceIdOf(raw: string): Hex {
  const id = typeof raw === 'string' ? raw.toLowerCase() : ''
  if (!/^0x[0-9a-f]{64}$/.test(id)) {
    throw new VeriotError(
      'INVALID_DEVICE_ID',
      `"deviceId" expected 0x and 64 hex digits, got ${JSON.stringify(String(raw).slice(0, 80))}`,
    )
  }
  return id as Hex
}
