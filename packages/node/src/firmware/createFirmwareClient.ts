// Typed access to FirmwareRegistry: release keys per model, publishing and approving releases
// with P-256 release keys (any DeviceKey: file or PKCS#11), revocation, the minimum version,
// and the reads a gateway or guardian needs (release record, minimum, verdict).

import { firmwareRegistryAbi } from '@veriot/contracts'
import {
  encodeReleaseMessage,
  type FirmwareRelease,
  type FirmwareVerdict,
  firmwareVerdictOf,
  firmwareVersionFromUint64,
  publicKeyToCoordinates,
  type ReleaseStatus,
  releaseStatusOf,
  shortStringFromBytes32,
  shortStringToBytes32,
  VeriotError,
} from '@veriot/core'
import { type Address, bytesToHex, type Hex, hexToBytes, keccak256, zeroHash } from 'viem'
import type { ChainConnection } from '../chain/connectChain.ts'
import { sendContractTx, type TxResult } from '../chain/sendContractTx.ts'
import { toVeriotError } from '../chain/toVeriotError.ts'
import type { Deployment } from '../deployment/deployContracts.ts'

/** A P-256 release key (a DeviceKey from @veriot/device fits). */
export type ReleaseSigner = {
  readonly publicKey: Uint8Array
  sign(message: Uint8Array): Promise<Uint8Array>
}

/** What a vendor publishes; `model` is the name (≤ 31 ASCII), `version` the packed uint64. */
export type ReleaseParams = {
  model: string
  version: bigint
  imageHash: Hex
  imageSize: bigint
  measurement: Hex
  metadataHash?: Hex
  metadataUri?: string
}

export type ReleaseRecord = {
  model: string
  version: string
  versionNumber: bigint
  status: ReleaseStatus
  verdict: FirmwareVerdict
  lockdown: boolean
  /** Approvals counted (for an approved release: when it was approved). */
  approvals: number
  /** The model's current threshold k. */
  threshold: number
  /** Current release keys that signed in the current round (empty after a key-set change). */
  approvedBy: Hex[]
  imageHash: Hex
  imageSize: bigint
  measurement: Hex
  metadataHash: Hex
  metadataUri: string
  publishedAt: Date
  approvedAt: Date | undefined
  revokedAt: Date | undefined
  revocationReason: string | undefined
}

export type ModelRecord = {
  model: string
  vendor: Address
  threshold: number
  keyEpoch: number
  keys: Array<{ keyId: Hex; publicKey: Hex }>
  minimumVersion: string
  latestVersion: string
  latestApprovedVersion: string
}

export type FirmwareClient = ReturnType<typeof createFirmwareClient>

const zeroAddress = '0x0000000000000000000000000000000000000000'

/**
 * A client for the FirmwareRegistry of `deployment` on `conn`.
 * @throws CONTRACT_NOT_DEPLOYED when the deployment record has no FirmwareRegistry
 * @example
 * const firmware = createFirmwareClient(conn, deployment)
 * const key = await openDeviceKey('pkcs11:token=vendor;object=release-1', { pin })
 * await firmware.approveRelease('coldchain-sensor', firmwareVersionToUint64('1.2.0'), [key])
 * await firmware.readVerdict('coldchain-sensor', firmwareVersionToUint64('1.2.0')) // 'approved'
 */
export function createFirmwareClient(conn: ChainConnection, deployment: Deployment) {
  const deployed = deployment.contracts.FirmwareRegistry
  if (deployed === undefined) {
    throw new VeriotError(
      'CONTRACT_NOT_DEPLOYED',
      'the deployment record names no FirmwareRegistry; run `veriot up` once to deploy it',
    )
  }
  const address = deployed.address
  const contract = { address, abi: firmwareRegistryAbi } as const

  async function read<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw toVeriotError(err)
    }
  }

  const modelId = (model: string): Hex => {
    const id = shortStringToBytes32('model', model)
    if (id === zeroHash) {
      throw new VeriotError('INVALID_ARGUMENT', '"model" expected 1 to 31 ASCII characters, got ""')
    }
    return id
  }

  /** Reads a model. @throws FIRMWARE_MODEL_UNKNOWN */
  async function readModel(model: string): Promise<ModelRecord> {
    const id = modelId(model)
    const [m, keys] = await read(() =>
      Promise.all([
        conn.publicClient.readContract({ ...contract, functionName: 'getModel', args: [id] }),
        conn.publicClient.readContract({ ...contract, functionName: 'releaseKeysOf', args: [id] }),
      ]),
    )
    const [vendor, threshold, , keyEpoch, minimum, latest, latestApproved] = m
    if (vendor === zeroAddress) {
      throw new VeriotError(
        'FIRMWARE_MODEL_UNKNOWN',
        `model ${model} has no vendor on FirmwareRegistry`,
        {
          context: { model },
        },
      )
    }
    return {
      model,
      vendor,
      threshold,
      keyEpoch,
      keys: keys.map((k) => ({
        keyId: keccak256(`0x${k.x.slice(2)}${k.y.slice(2)}`),
        publicKey: `0x04${k.x.slice(2)}${k.y.slice(2)}` as Hex,
      })),
      minimumVersion: firmwareVersionFromUint64(minimum),
      latestVersion: firmwareVersionFromUint64(latest),
      latestApprovedVersion: firmwareVersionFromUint64(latestApproved),
    }
  }

  /** Reads one release. @throws FIRMWARE_RELEASE_UNKNOWN, FIRMWARE_MODEL_UNKNOWN */
  async function readRelease(model: string, version: bigint): Promise<ReleaseRecord> {
    const m = await readModel(model)
    const id = modelId(model)
    const [r, verdict, approved] = await read(() =>
      Promise.all([
        conn.publicClient.readContract({
          ...contract,
          functionName: 'getRelease',
          args: [id, version],
        }),
        conn.publicClient.readContract({
          ...contract,
          functionName: 'verdictOf',
          args: [id, version],
        }),
        Promise.all(
          m.keys.map((k) =>
            conn.publicClient.readContract({
              ...contract,
              functionName: 'hasApproved',
              args: [id, version, k.keyId],
            }),
          ),
        ),
      ]),
    )
    const status = releaseStatusOf(r.status)
    if (status === 'none') {
      throw new VeriotError(
        'FIRMWARE_RELEASE_UNKNOWN',
        `model ${model} has no release ${firmwareVersionFromUint64(version)}`,
        { context: { model, version: firmwareVersionFromUint64(version) } },
      )
    }
    const date = (s: bigint) => (s === 0n ? undefined : new Date(Number(s) * 1000))
    return {
      model,
      version: firmwareVersionFromUint64(version),
      versionNumber: version,
      status,
      verdict: firmwareVerdictOf(verdict),
      lockdown: r.lockdown,
      // Stored count; a pending release whose round is older than the key set has none left.
      approvals: status === 'pending' && r.keyEpoch !== m.keyEpoch ? 0 : r.approvals,
      threshold: m.threshold,
      approvedBy: m.keys.filter((_, i) => approved[i]).map((k) => k.keyId),
      imageHash: r.imageHash,
      imageSize: r.imageSize,
      measurement: r.measurement,
      metadataHash: r.metadataHash,
      metadataUri: r.metadataUri,
      publishedAt: new Date(Number(r.publishedAt) * 1000),
      approvedAt: date(r.approvedAt),
      revokedAt: date(r.revokedAt),
      revocationReason:
        status === 'revoked' ? shortStringFromBytes32(r.revocationReason) : undefined,
    }
  }

  /** The P-256 approval of `release` by `signer`, over the message the contract rebuilds. */
  async function signRelease(
    release: FirmwareRelease,
    signer: ReleaseSigner,
  ): Promise<{ keyId: Hex; r: Hex; s: Hex }> {
    const { x, y } = publicKeyToCoordinates(signer.publicKey)
    const message = encodeReleaseMessage(release, {
      chainId: BigInt(conn.chainId),
      registry: address,
    })
    const signature = await signer.sign(hexToBytes(message))
    if (signature.length !== 64) {
      throw new VeriotError(
        'SIGNATURE_MALFORMED',
        `"signature" expected 64 bytes r ‖ s, got ${signature.length} bytes`,
      )
    }
    return {
      keyId: keccak256(`0x${x.slice(2)}${y.slice(2)}`),
      r: bytesToHex(signature.subarray(0, 32)),
      s: bytesToHex(signature.subarray(32, 64)),
    }
  }

  function toRelease(p: ReleaseParams): FirmwareRelease {
    return {
      model: modelId(p.model),
      version: p.version,
      imageHash: p.imageHash,
      imageSize: p.imageSize,
      measurement: p.measurement,
      metadataHash: p.metadataHash ?? zeroHash,
      metadataUri: p.metadataUri ?? '',
    }
  }

  /** The verdict of (model, version): what a gateway does with a device running it. */
  async function readVerdict(model: string, version: bigint): Promise<FirmwareVerdict> {
    const v = await read(() =>
      conn.publicClient.readContract({
        ...contract,
        functionName: 'verdictOf',
        args: [modelId(model), version],
      }),
    )
    return firmwareVerdictOf(v)
  }

  return {
    address,
    readModel,
    readRelease,
    readVerdict,
    signRelease,

    /** The minimum version of `model` (0 when it has none or is unknown). */
    async readMinimumVersion(model: string): Promise<bigint> {
      return read(() =>
        conn.publicClient.readContract({
          ...contract,
          functionName: 'minimumVersionOf',
          args: [modelId(model)],
        }),
      )
    },

    /** True when devices running (model, version) are to be locked down. */
    async isLockdownRelease(model: string, version: bigint): Promise<boolean> {
      return (await readVerdict(model, version)) === 'lockdown'
    },

    /**
     * Resolves when (model, version) may be installed and trusted (verdict `approved`).
     * @throws FIRMWARE_RELEASE_UNKNOWN, FIRMWARE_RELEASE_NOT_APPROVED,
     *   FIRMWARE_VERSION_BELOW_MINIMUM, FIRMWARE_RELEASE_REVOKED (context `lockdown`)
     */
    async assertInstallable(model: string, version: bigint): Promise<void> {
      const verdict = await readVerdict(model, version)
      const v = firmwareVersionFromUint64(version)
      const context = { model, version: v, lockdown: verdict === 'lockdown' }
      const fail = {
        unknown: ['FIRMWARE_RELEASE_UNKNOWN', `model ${model} has no release ${v}`],
        pending: [
          'FIRMWARE_RELEASE_NOT_APPROVED',
          `release ${model} ${v} has fewer than k approvals`,
        ],
        belowMinimum: [
          'FIRMWARE_VERSION_BELOW_MINIMUM',
          `release ${model} ${v} is below the model's minimum version`,
        ],
        revoked: ['FIRMWARE_RELEASE_REVOKED', `release ${model} ${v} is revoked`],
        lockdown: [
          'FIRMWARE_RELEASE_REVOKED',
          `release ${model} ${v} is revoked with lockdown: devices running it are to be locked down`,
        ],
      } as const
      if (verdict === 'approved') return
      const [code, message] = fail[verdict]
      throw new VeriotError(code, message, { context })
    },

    /** Every release of `model`, oldest first. @throws FIRMWARE_MODEL_UNKNOWN */
    async listReleases(model: string): Promise<ReleaseRecord[]> {
      await readModel(model)
      const versions = await read(() =>
        conn.publicClient.readContract({
          ...contract,
          functionName: 'versionsOf',
          args: [modelId(model)],
        }),
      )
      return Promise.all(versions.map((v) => readRelease(model, v)))
    },

    /** Names of every model ever claimed, in claim order. */
    async listModels(): Promise<string[]> {
      const ids = await read(() =>
        conn.publicClient.readContract({ ...contract, functionName: 'modelIds' }),
      )
      return ids.map(shortStringFromBytes32)
    },

    /**
     * Sets the release keys and threshold of `model` (claims it on the first call).
     * @throws FIRMWARE_THRESHOLD_INVALID, FIRMWARE_KEY_INVALID, FIRMWARE_NOT_AUTHORIZED, ROLE_MISSING
     */
    async setReleaseKeys(
      model: string,
      publicKeys: Uint8Array[],
      threshold: number,
    ): Promise<TxResult> {
      if (!Number.isInteger(threshold) || threshold < 1 || threshold > 255) {
        throw new VeriotError(
          'FIRMWARE_THRESHOLD_INVALID',
          `"threshold" expected 1..${publicKeys.length}, got ${threshold}`,
        )
      }
      const keys = publicKeys.map((k) => publicKeyToCoordinates(k))
      return sendContractTx(conn, {
        ...contract,
        functionName: 'setReleaseKeys',
        args: [modelId(model), keys, threshold],
      })
    },

    /**
     * Publishes a release, signed at once by `signers` (may be none: it stays pending).
     * @throws FIRMWARE_VERSION_NOT_INCREASING, FIRMWARE_VERSION_BELOW_MINIMUM,
     *   FIRMWARE_RELEASE_INVALID, FIRMWARE_NOT_AUTHORIZED, FIRMWARE_MODEL_UNKNOWN, and the
     *   approval codes of approveRelease
     */
    async publishRelease(params: ReleaseParams, signers: ReleaseSigner[] = []): Promise<TxResult> {
      const release = toRelease(params)
      const approvals = []
      for (const signer of signers) approvals.push(await signRelease(release, signer))
      return sendContractTx(conn, {
        ...contract,
        functionName: 'publishRelease',
        args: [
          {
            model: release.model,
            version: release.version,
            imageHash: release.imageHash,
            imageSize: release.imageSize,
            measurement: release.measurement,
            metadataHash: release.metadataHash,
            metadataUri: release.metadataUri,
          },
          approvals,
        ],
      })
    },

    /**
     * Signs the published release (model, version) with `signers` and submits the signatures.
     * With `expectedImageHash`, refuses to sign unless the stored image hash is that one, so
     * a release key holder signs only the image it checked.
     * @throws FIRMWARE_RELEASE_UNKNOWN, FIRMWARE_RELEASE_INVALID (image hash differs),
     *   FIRMWARE_RELEASE_KEY_UNKNOWN, FIRMWARE_APPROVAL_DUPLICATE, FIRMWARE_SIGNATURE_INVALID,
     *   FIRMWARE_RELEASE_NOT_PENDING, FIRMWARE_RELEASE_REVOKED, FIRMWARE_VERSION_BELOW_MINIMUM
     */
    async approveRelease(
      model: string,
      version: bigint,
      signers: ReleaseSigner[],
      options: { expectedImageHash?: Hex } = {},
    ): Promise<TxResult> {
      const stored = await readRelease(model, version)
      if (
        options.expectedImageHash !== undefined &&
        options.expectedImageHash.toLowerCase() !== stored.imageHash.toLowerCase()
      ) {
        throw new VeriotError(
          'FIRMWARE_RELEASE_INVALID',
          `release ${model} ${stored.version}: "imageHash" expected ${options.expectedImageHash}, got ${stored.imageHash} on chain; not signing`,
          { context: { model, version: stored.version } },
        )
      }
      const release: FirmwareRelease = {
        model: modelId(model),
        version,
        imageHash: stored.imageHash,
        imageSize: stored.imageSize,
        measurement: stored.measurement,
        metadataHash: stored.metadataHash,
        metadataUri: stored.metadataUri,
      }
      const approvals = []
      for (const signer of signers) approvals.push(await signRelease(release, signer))
      return sendContractTx(conn, {
        ...contract,
        functionName: 'approveRelease',
        args: [release.model, version, approvals],
      })
    },

    /**
     * Revokes a release; with `lockdown`, devices running it are to be locked down.
     * @throws FIRMWARE_RELEASE_UNKNOWN, FIRMWARE_RELEASE_REVOKED, FIRMWARE_NOT_AUTHORIZED
     */
    async revokeRelease(
      model: string,
      version: bigint,
      reason: string,
      options: { lockdown?: boolean } = {},
    ): Promise<TxResult> {
      return sendContractTx(conn, {
        ...contract,
        functionName: 'revokeRelease',
        args: [
          modelId(model),
          version,
          shortStringToBytes32('reason', reason),
          options.lockdown === true,
        ],
      })
    },

    /**
     * Raises the minimum version of `model` (rollback protection).
     * @throws FIRMWARE_MINIMUM_INVALID, FIRMWARE_RELEASE_NOT_APPROVED, FIRMWARE_NOT_AUTHORIZED
     */
    async setMinimumVersion(model: string, version: bigint): Promise<TxResult> {
      return sendContractTx(conn, {
        ...contract,
        functionName: 'setMinimumVersion',
        args: [modelId(model), version],
      })
    },
  }
}
