// Typed access to DeviceRegistry: reads devices, runs lifecycle transactions (simulated
// first, so a forbidden one changes nothing) and rebuilds a device's chain of custody from events.

import { deviceRegistryAbi } from '@veriot/contracts'
import {
  capabilityFromBytes32,
  capabilityToBytes32,
  type DeviceStatus,
  deviceIdFromPublicKey,
  deviceStatuses,
  deviceStatusOf,
  encodeRegistrationMessage,
  firmwareVersionFromUint64,
  publicKeyToCoordinates,
  Suite,
  type SuiteName,
  shortStringFromBytes32,
  shortStringToBytes32,
  suiteNameOf,
  VeriotError,
} from '@veriot/core'
import { type Address, bytesToHex, type Hex, hexToBytes, zeroHash } from 'viem'
import type { ChainConnection } from '../chain/connectChain.ts'
import { sendContractTx, type TxResult } from '../chain/sendContractTx.ts'
import { toVeriotError } from '../chain/toVeriotError.ts'
import type { Deployment } from '../deployment/deployContracts.ts'
import { getDeviceHistory } from './getDeviceHistory.ts'

/** Signs a registration message with the device's P-256 key (a DeviceKey from @veriot/device). */
export type RegistrationSigner = {
  readonly publicKey: Uint8Array
  sign(message: Uint8Array): Promise<Uint8Array>
}

export type DeviceRecord = {
  id: Hex
  status: DeviceStatus
  owner: Address | undefined
  manufacturer: Address
  suite: SuiteName | `unknown(${number})`
  model: string
  firmwareVersion: string
  publicKey: Hex
  metadataHash: Hex
  auxKeyHash: Hex
  registeredAt: Date
  capabilities: string[]
  /** The breaker of the device's model is tripped (DeviceRegistry.pauseModel). */
  modelPaused: boolean
}

export type RegisterParams = {
  model: string
  firmwareVersion: bigint
  suite?: SuiteName
  metadataHash?: Hex
  auxKeyHash?: Hex
}

export type RoleName = 'admin' | 'manufacturer' | 'guardian'

const zeroAddress = '0x0000000000000000000000000000000000000000'

/** A client for the DeviceRegistry of `deployment` on `conn`. */
export function createRegistryClient(conn: ChainConnection, deployment: Deployment) {
  const address = deployment.contracts.DeviceRegistry.address
  const fromBlock = deployment.contracts.DeviceRegistry.blockNumber
  const contract = { address, abi: deviceRegistryAbi } as const

  async function read<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw toVeriotError(err)
    }
  }

  async function roleId(role: RoleName): Promise<Hex> {
    if (role === 'admin') return zeroHash
    const functionName = role === 'manufacturer' ? 'MANUFACTURER_ROLE' : 'GUARDIAN_ROLE'
    return read(() => conn.publicClient.readContract({ ...contract, functionName }))
  }

  /**
   * Reads one device, at the latest block or at `at.blockNumber` (the gateway's device cache
   * reads at the block it has followed, so no later state can outlive a reorg unseen).
   * @throws DEVICE_UNKNOWN
   */
  async function getDevice(id: Hex, at: { blockNumber?: bigint } = {}): Promise<DeviceRecord> {
    const block = at.blockNumber === undefined ? {} : { blockNumber: at.blockNumber }
    const [d, caps] = await read(() =>
      Promise.all([
        conn.publicClient.readContract({
          ...contract,
          functionName: 'getDevice',
          args: [id],
          ...block,
        }),
        conn.publicClient.readContract({
          ...contract,
          functionName: 'capabilitiesOf',
          args: [id],
          ...block,
        }),
      ]),
    )
    const status = deviceStatusOf(d.status)
    if (status === 'none') {
      throw new VeriotError('DEVICE_UNKNOWN', `device ${id} is not registered`, {
        context: { deviceId: id, registry: address },
      })
    }
    const modelPaused = await read(() =>
      conn.publicClient.readContract({
        ...contract,
        functionName: 'modelPaused',
        args: [d.model],
        ...block,
      }),
    )
    return {
      id,
      status,
      owner: d.owner === zeroAddress ? undefined : d.owner,
      manufacturer: d.manufacturer,
      suite: suiteNameOf(d.suite) ?? `unknown(${d.suite})`,
      model: shortStringFromBytes32(d.model),
      firmwareVersion: firmwareVersionFromUint64(d.firmwareVersion),
      publicKey: `0x04${d.pubKeyX.slice(2)}${d.pubKeyY.slice(2)}`,
      metadataHash: d.metadataHash,
      auxKeyHash: d.auxKeyHash,
      registeredAt: new Date(Number(d.registeredAt) * 1000),
      capabilities: caps.map(capabilityFromBytes32),
      modelPaused,
    }
  }

  return {
    address,
    deployment,

    getDevice,

    /** Lists every device, optionally only those in `status`. */
    async listDevices(filter: { status?: DeviceStatus } = {}): Promise<DeviceRecord[]> {
      const count = await read(() =>
        conn.publicClient.readContract({ ...contract, functionName: 'deviceCount' }),
      )
      const ids = await read(() =>
        Promise.all(
          Array.from({ length: Number(count) }, (_, i) =>
            conn.publicClient.readContract({
              ...contract,
              functionName: 'deviceIdAt',
              args: [BigInt(i)],
            }),
          ),
        ),
      )
      const devices = await Promise.all(ids.map((id) => getDevice(id)))
      return filter.status ? devices.filter((d) => d.status === filter.status) : devices
    },

    /** Device counts, in total and per status. */
    async getCounts(): Promise<{ total: number; byStatus: Record<DeviceStatus, number> }> {
      const [total, ...perStatus] = await read(() =>
        Promise.all([
          conn.publicClient.readContract({ ...contract, functionName: 'deviceCount' }),
          ...deviceStatuses.map((_, i) =>
            conn.publicClient.readContract({
              ...contract,
              functionName: 'statusCount',
              args: [i],
            }),
          ),
        ]),
      )
      const byStatus = Object.fromEntries(
        deviceStatuses.map((s, i) => [s, Number(perStatus[i] ?? 0n)]),
      ) as Record<DeviceStatus, number>
      return { total: Number(total), byStatus }
    },

    /**
     * Registers the device holding `key` (status Manufactured). The device signs the
     * registration message it computes itself; the connected account is the manufacturer.
     * @throws DEVICE_ALREADY_REGISTERED, ROLE_MISSING, REGISTRATION_SIGNATURE_INVALID, …
     */
    async register(
      key: RegistrationSigner,
      params: RegisterParams,
    ): Promise<TxResult & { id: Hex }> {
      const account = conn.account
      if (account === undefined) {
        throw new VeriotError(
          'ACCOUNT_MISSING',
          'registering a device needs a manufacturer account',
        )
      }
      const { x, y } = publicKeyToCoordinates(key.publicKey)
      const id = deviceIdFromPublicKey(key.publicKey)
      const registration = {
        pubKeyX: x,
        pubKeyY: y,
        suite: Suite[params.suite ?? 'p256'],
        model: shortStringToBytes32('model', params.model),
        firmwareVersion: params.firmwareVersion,
        metadataHash: params.metadataHash ?? zeroHash,
        auxKeyHash: params.auxKeyHash ?? zeroHash,
      }
      const nonce = await read(() =>
        conn.publicClient.readContract({ ...contract, functionName: 'nonces', args: [id] }),
      )
      const message = encodeRegistrationMessage(registration, {
        chainId: BigInt(conn.chainId),
        registry: address,
        nonce,
        manufacturer: account.address,
        deviceId: id,
      })
      const signature = await key.sign(hexToBytes(message))
      if (signature.length !== 64) {
        throw new VeriotError(
          'SIGNATURE_MALFORMED',
          `"signature" expected 64 bytes r ‖ s, got ${signature.length} bytes`,
        )
      }
      const r = bytesToHex(signature.subarray(0, 32))
      const s = bytesToHex(signature.subarray(32, 64))
      const tx = await sendContractTx(conn, {
        ...contract,
        functionName: 'register',
        args: [registration, r, s],
      })
      return { ...tx, id }
    },

    /** Manufactured → Provisioned with `owner`. Only the registering manufacturer. */
    provision: (id: Hex, owner: Address) =>
      sendContractTx(conn, { ...contract, functionName: 'provision', args: [id, owner] }),

    /** Provisioned/Suspended → Active. The owner or an admin; a reason is kept in the event. */
    activate: (id: Hex, reason = '') =>
      reason === ''
        ? sendContractTx(conn, { ...contract, functionName: 'activate', args: [id] })
        : sendContractTx(conn, {
            ...contract,
            functionName: 'activateWithReason',
            args: [id, shortStringToBytes32('reason', reason)],
          }),

    /** Active → Suspended. The owner, a guardian or an admin. */
    suspend: (id: Hex, reason = '') =>
      sendContractTx(conn, {
        ...contract,
        functionName: 'suspend',
        args: [id, shortStringToBytes32('reason', reason)],
      }),

    /** Trips the breaker of a whole model. A guardian or an admin. */
    pauseModel: (model: string, reason = '') =>
      sendContractTx(conn, {
        ...contract,
        functionName: 'pauseModel',
        args: [shortStringToBytes32('model', model), shortStringToBytes32('reason', reason)],
      }),

    /** Resets a model's breaker. Only an admin. */
    unpauseModel: (model: string, reason = '') =>
      sendContractTx(conn, {
        ...contract,
        functionName: 'unpauseModel',
        args: [shortStringToBytes32('model', model), shortStringToBytes32('reason', reason)],
      }),

    isModelPaused: (model: string) =>
      read(() =>
        conn.publicClient.readContract({
          ...contract,
          functionName: 'modelPaused',
          args: [shortStringToBytes32('model', model)],
        }),
      ),

    /** Any live status → Decommissioned, for ever. The owner or an admin. */
    decommission: (id: Hex, reason = '') =>
      sendContractTx(conn, {
        ...contract,
        functionName: 'decommission',
        args: [id, shortStringToBytes32('reason', reason)],
      }),

    /** Transfers ownership; only the current owner. */
    transfer: (id: Hex, to: Address) =>
      sendContractTx(conn, { ...contract, functionName: 'transferOwnership', args: [id, to] }),

    grantCapability: (id: Hex, capability: string) =>
      sendContractTx(conn, {
        ...contract,
        functionName: 'grantCapability',
        args: [id, capabilityToBytes32(capability)],
      }),

    revokeCapability: (id: Hex, capability: string) =>
      sendContractTx(conn, {
        ...contract,
        functionName: 'revokeCapability',
        args: [id, capabilityToBytes32(capability)],
      }),

    async hasRole(role: RoleName, account: Address): Promise<boolean> {
      const idOfRole = await roleId(role)
      return read(() =>
        conn.publicClient.readContract({
          ...contract,
          functionName: 'hasRole',
          args: [idOfRole, account],
        }),
      )
    },

    async grantRole(role: RoleName, account: Address): Promise<TxResult> {
      const idOfRole = await roleId(role)
      return sendContractTx(conn, {
        ...contract,
        functionName: 'grantRole',
        args: [idOfRole, account],
      })
    },

    async revokeRole(role: RoleName, account: Address): Promise<TxResult> {
      const idOfRole = await roleId(role)
      return sendContractTx(conn, {
        ...contract,
        functionName: 'revokeRole',
        args: [idOfRole, account],
      })
    },

    /** The device's chain of custody from events: who, what, block, tx. */
    async getHistory(id: Hex) {
      await getDevice(id)
      return read(() => getDeviceHistory(conn, { address, fromBlock }, id))
    },
  }
}

export type RegistryClient = ReturnType<typeof createRegistryClient>
