// The device's secure update flow: read the release information of (own model, candidate
// version) through a verified read, check it and the image (verifyReleaseForInstall), boot into
// the image (simulated measured boot), record the installed version, and re-attest so a
// verifier sees the new release's measurement. No node is trusted: what a node serves is
// believed only with k authority signatures and storage proofs.

import {
  type AttestationEvidence,
  FIRMWARE_MEASUREMENT_PCR,
  firmwareVersionFromUint64,
  VeriotError,
} from '@veriot/core'
import type { Attester } from '../attestation/Attester.ts'
import type { VerifyingClient } from '../client/createVerifyingClient.ts'
import type { Address } from '../verified/VerifiedRead.ts'
import type {
  FirmwareCandidate,
  InstallableRelease,
  InstallPolicy,
  MeasuredBoot,
} from './FirmwareUpdate.ts'
import { releaseInstallSlots } from './releaseInstallSlots.ts'
import { verifyReleaseForInstall } from './verifyReleaseForInstall.ts'

export type FirmwareUpdaterOptions = {
  /** The verifying client (k trusted authorities); only its `read` is used. */
  readonly client: Pick<VerifyingClient, 'read'>
  /** FirmwareRegistry's address (from the device's provisioning, never from a node). */
  readonly firmwareRegistry: Address
  /** The device's own model. */
  readonly model: string
  /** The version the device runs now (from its own persistent state). */
  readonly installedVersion: bigint
  /** Boots into an image so the firmware PCR carries its measurement. */
  readonly boot: MeasuredBoot
  /**
   * Answers a verifier's nonce after the update (createTpmAttester / createSoftwareAttester).
   * To claim the new version in that evidence and later ones, give the attester
   * `firmwareVersion: () => firmwareVersionFromUint64(updater.installedVersion)`: during
   * `install` the getter already shows the booted release.
   */
  readonly attester: Attester
  /** The PCR the attester reports the firmware in (TPM evidence); default 16. */
  readonly pcr?: number
  /** Maximum age of the release information's block, seconds. Default 300. */
  readonly maxAgeSeconds?: number
  /** The highest block already believed (persisted across restarts); default none. */
  readonly notBeforeBlock?: bigint
  /** The device's clock, ms since the Unix epoch. Default Date.now. */
  readonly now?: () => number
  /** Persists the new version and block once booted and checked (before install resolves). */
  readonly onInstalled?: (release: InstallableRelease) => void | Promise<void>
}

export type FirmwareUpdate = {
  readonly release: InstallableRelease
  /** The installed version as "major.minor.patch" (what a verifier is to check against). */
  readonly firmwareVersion: string
  /** Fresh evidence for the verifier's nonce, showing the new release's measurement. */
  readonly evidence: AttestationEvidence
}

export type FirmwareUpdater = {
  /** The version the device runs (during `install`, from the boot on: the new one). */
  readonly installedVersion: bigint
  /** The highest block whose release information this device believed. */
  readonly notBeforeBlock: bigint | undefined
  /**
   * Reads and checks the release for `candidate`; installs nothing.
   * @throws the codes of verifyReleaseForInstall and of the verifying client's read
   */
  check(candidate: FirmwareCandidate): Promise<InstallableRelease>
  /**
   * Checks, boots into the image, records the version, and attests for `nonce` (re-attest to a
   * gateway afterwards, e.g. GatewayAttestationClient.attest(), with an attester that claims the
   * new version).
   * @throws the codes of check; ATTESTATION_PCR_MISMATCH when the booted image does not show
   *   the approved measurement (nothing is recorded); the boot's and attester's errors
   */
  install(candidate: FirmwareCandidate, options: { nonce: Uint8Array }): Promise<FirmwareUpdate>
}

/**
 * Creates the update flow of one device.
 *
 * @throws INVALID_ARGUMENT on a bad model, version or registry address
 * @example
 * const updater = createFirmwareUpdater({
 *   client, firmwareRegistry, model: 'coldchain-sensor', installedVersion: v('1.0.0'),
 *   boot: createTpmMeasuredBoot({ store, tcti }), attester: createTpmAttester({ store }),
 * })
 * const { release, evidence } = await updater.install({ model, version: v('1.1.0'), image }, { nonce })
 */
export function createFirmwareUpdater(options: FirmwareUpdaterOptions): FirmwareUpdater {
  const { client, firmwareRegistry, model, boot, attester } = options
  const now = options.now ?? Date.now
  const maxAgeSeconds = options.maxAgeSeconds ?? 300
  const pcr = options.pcr ?? FIRMWARE_MEASUREMENT_PCR
  if (typeof firmwareRegistry !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(firmwareRegistry)) {
    throw new VeriotError('INVALID_ARGUMENT', '"firmwareRegistry" expected 0x + 40 hex digits')
  }
  releaseInstallSlots(model, options.installedVersion) // validates model and version
  let installedVersion = options.installedVersion
  let notBeforeBlock = options.notBeforeBlock
  let busy = false

  async function check(candidate: FirmwareCandidate): Promise<InstallableRelease> {
    // Slots of the device's own model: a package for another model can only match by hash.
    const version = typeof candidate?.version === 'bigint' ? candidate.version : -1n
    const slots = releaseInstallSlots(model, version)
    const read = await client.read({ address: firmwareRegistry, slots: slots.all, maxAgeSeconds })
    const policy: InstallPolicy = {
      model,
      installedVersion,
      maxAgeSeconds,
      now: now(),
      ...(notBeforeBlock !== undefined ? { notBeforeBlock } : {}),
    }
    const release = verifyReleaseForInstall(read, candidate, policy)
    if (notBeforeBlock === undefined || release.blockNumber > notBeforeBlock) {
      notBeforeBlock = release.blockNumber
    }
    return release
  }

  return {
    get installedVersion() {
      return installedVersion
    },
    get notBeforeBlock() {
      return notBeforeBlock
    },
    check,
    async install(candidate, { nonce }) {
      if (busy) throw new VeriotError('INVALID_ARGUMENT', 'an update is already in progress')
      busy = true
      try {
        const release = await check(candidate)
        await boot(candidate.image)
        const firmwareVersion = firmwareVersionFromUint64(release.version)
        const previous = installedVersion
        // The device runs the new image now: an attester that claims `installedVersion` claims
        // it. Put back unless the measurement is the approved one and onInstalled persisted it.
        installedVersion = release.version
        try {
          const evidence = await attester.attest(nonce)
          const shown =
            evidence.kind === 'tpm' ? evidence.pcrValues[String(pcr)] : evidence.measurement
          if (shown === undefined || !equal(shown, release.measurement)) {
            throw new VeriotError(
              'ATTESTATION_PCR_MISMATCH',
              `after booting ${model} ${firmwareVersion} the firmware measurement is not the approved one`,
              { context: { model, version: firmwareVersion, pcr } },
            )
          }
          await options.onInstalled?.(release)
          return Object.freeze({ release, firmwareVersion, evidence })
        } catch (err) {
          installedVersion = previous
          throw err
        }
      } finally {
        busy = false
      }
    },
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
