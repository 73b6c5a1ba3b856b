// Deploys Veriot's contracts to the connected chain and grants the deployer's initial roles.
// Works on any EVM network; the same code deploys to anvil and to a consortium chain.

import {
  accessGrantsAbi,
  accessGrantsBytecode,
  authorityRegistryAbi,
  authorityRegistryBytecode,
  conditionRegistryAbi,
  conditionRegistryBytecode,
  deviceRegistryAbi,
  deviceRegistryBytecode,
  firmwareRegistryAbi,
  firmwareRegistryBytecode,
  telemetryAnchorAbi,
  telemetryAnchorBytecode,
} from '@veriot/contracts'
import { VeriotError } from '@veriot/core'
import { type Address, zeroAddress } from 'viem'
import type { ChainConnection } from '../chain/connectChain.ts'
import { type DeployedContract, deployContract } from '../chain/deployContract.ts'
import { sendContractTx } from '../chain/sendContractTx.ts'
import { toVeriotError } from '../chain/toVeriotError.ts'

export type Deployment = {
  chainId: number
  deployer: Address
  contracts: {
    DeviceRegistry: DeployedContract
    TelemetryAnchor: DeployedContract
    AuthorityRegistry: DeployedContract
    AccessGrants: DeployedContract
    /** Absent only in deployment records written before FirmwareRegistry existed. */
    FirmwareRegistry?: DeployedContract
    /** Absent in deployment records written before conditions existed. */
    ConditionRegistry?: DeployedContract
  }
}

export type DeployOptions = {
  /** P-256 verifier for chains without the P256VERIFY precompile (default: precompile 0x100). */
  p256Verifier?: Address
  /**
   * Also grant the deployer MANUFACTURER and GUARDIAN on DeviceRegistry, and VENDOR and GUARDIAN
   * on FirmwareRegistry (embedded single-operator setup).
   */
  grantOperatorRoles?: boolean
  /**
   * ConditionRegistry's guardian (may pause it). Default: the deployer when grantOperatorRoles,
   * else none (the admin, i.e. the deployer, may pause too).
   */
  conditionsGuardian?: Address
  onProgress?: (step: string) => void
  /** AuthorityRegistry parameters (defaults: 1 ETH minimum, 1 day exit lock, 50 % to the prover). */
  authorities?: {
    minDeposit?: bigint
    exitLockSeconds?: bigint
    proverRewardBps?: number
    treasury?: Address
  }
}

/**
 * Deploys DeviceRegistry (the connected account as admin), TelemetryAnchor, AuthorityRegistry,
 * AccessGrants, FirmwareRegistry and ConditionRegistry (the connected account as admin).
 * @throws ACCOUNT_MISSING, P256_VERIFIER_UNAVAILABLE, TX_FAILED, RPC_UNREACHABLE
 */
export async function deployContracts(
  conn: ChainConnection,
  options: DeployOptions = {},
): Promise<Deployment> {
  const { walletClient, account } = conn
  if (walletClient === undefined || account === undefined) {
    throw new VeriotError('ACCOUNT_MISSING', 'deploying contracts needs an account with funds')
  }
  options.onProgress?.('deploying DeviceRegistry')
  const registry = await deployContract(conn, {
    name: 'DeviceRegistry',
    abi: deviceRegistryAbi,
    bytecode: deviceRegistryBytecode,
    args: [account.address, options.p256Verifier ?? zeroAddress],
    revert: {
      code: 'P256_VERIFIER_UNAVAILABLE',
      hint: 'the chain probably lacks the P256VERIFY precompile — see docs/contracts.md',
    },
  })
  if (options.grantOperatorRoles) {
    for (const role of ['MANUFACTURER_ROLE', 'GUARDIAN_ROLE'] as const) {
      options.onProgress?.(`granting ${role} to ${account.address}`)
      const roleId = await conn.publicClient.readContract({
        address: registry.address,
        abi: deviceRegistryAbi,
        functionName: role,
      })
      await sendContractTx(conn, {
        address: registry.address,
        abi: deviceRegistryAbi,
        functionName: 'grantRole',
        args: [roleId, account.address],
      })
    }
  }
  options.onProgress?.('deploying TelemetryAnchor')
  const anchor = await deployContract(conn, {
    name: 'TelemetryAnchor',
    abi: telemetryAnchorAbi,
    bytecode: telemetryAnchorBytecode,
    args: [],
  })
  options.onProgress?.('deploying AuthorityRegistry')
  const a = options.authorities ?? {}
  const authorities = await deployContract(conn, {
    name: 'AuthorityRegistry',
    abi: authorityRegistryAbi,
    bytecode: authorityRegistryBytecode,
    args: [
      account.address,
      a.minDeposit ?? 10n ** 18n,
      a.exitLockSeconds ?? 86_400n,
      a.proverRewardBps ?? 5000,
      a.treasury ?? zeroAddress,
    ],
  })
  options.onProgress?.('deploying AccessGrants')
  const grants = await deployContract(conn, {
    name: 'AccessGrants',
    abi: accessGrantsAbi,
    bytecode: accessGrantsBytecode,
    args: [registry.address],
  })
  const firmware = await deployFirmwareRegistry(conn, options)
  options.onProgress?.('deploying ConditionRegistry')
  const conditions = await deployContract(conn, {
    name: 'ConditionRegistry',
    abi: conditionRegistryAbi,
    bytecode: conditionRegistryBytecode,
    args: [
      registry.address,
      anchor.address,
      account.address,
      options.conditionsGuardian ?? (options.grantOperatorRoles ? account.address : zeroAddress),
    ],
  })
  return {
    chainId: conn.chainId,
    deployer: account.address,
    contracts: {
      DeviceRegistry: registry,
      TelemetryAnchor: anchor,
      AuthorityRegistry: authorities,
      AccessGrants: grants,
      FirmwareRegistry: firmware,
      ConditionRegistry: conditions,
    },
  }
}

/**
 * Deploys FirmwareRegistry (the connected account as admin) and, with `grantOperatorRoles`,
 * grants that account VENDOR and GUARDIAN. Also used to add it to an older deployment.
 * @throws ACCOUNT_MISSING, P256_VERIFIER_UNAVAILABLE, TX_FAILED, RPC_UNREACHABLE
 */
export async function deployFirmwareRegistry(
  conn: ChainConnection,
  options: Pick<DeployOptions, 'p256Verifier' | 'grantOperatorRoles' | 'onProgress'> = {},
): Promise<DeployedContract> {
  const { account } = conn
  if (account === undefined) {
    throw new VeriotError('ACCOUNT_MISSING', 'deploying contracts needs an account with funds')
  }
  options.onProgress?.('deploying FirmwareRegistry')
  const firmware = await deployContract(conn, {
    name: 'FirmwareRegistry',
    abi: firmwareRegistryAbi,
    bytecode: firmwareRegistryBytecode,
    args: [account.address, options.p256Verifier ?? zeroAddress],
    revert: {
      code: 'P256_VERIFIER_UNAVAILABLE',
      hint: 'the chain probably lacks the P256VERIFY precompile — see docs/contracts.md',
    },
  })
  if (options.grantOperatorRoles) {
    for (const role of ['VENDOR_ROLE', 'GUARDIAN_ROLE'] as const) {
      options.onProgress?.(`granting FirmwareRegistry ${role} to ${account.address}`)
      const roleId = await conn.publicClient.readContract({
        address: firmware.address,
        abi: firmwareRegistryAbi,
        functionName: role,
      })
      await sendContractTx(conn, {
        address: firmware.address,
        abi: firmwareRegistryAbi,
        functionName: 'grantRole',
        args: [roleId, account.address],
      })
    }
  }
  return firmware
}

/**
 * Deploys the contracts that a deployment record from an older version lacks (today:
 * FirmwareRegistry, with DeviceRegistry's P-256 verifier) and returns the completed record;
 * returns `deployment` itself when nothing is missing.
 * @throws ACCOUNT_MISSING, P256_VERIFIER_UNAVAILABLE, TX_FAILED, RPC_UNREACHABLE
 */
export async function deployMissingContracts(
  conn: ChainConnection,
  deployment: Deployment,
  options: Pick<DeployOptions, 'grantOperatorRoles' | 'onProgress'> = {},
): Promise<Deployment> {
  if (deployment.contracts.FirmwareRegistry !== undefined) return deployment
  let p256Verifier: Address
  try {
    p256Verifier = await conn.publicClient.readContract({
      address: deployment.contracts.DeviceRegistry.address,
      abi: deviceRegistryAbi,
      functionName: 'p256Verifier',
    })
  } catch (err) {
    throw toVeriotError(err)
  }
  const firmware = await deployFirmwareRegistry(conn, { ...options, p256Verifier })
  return { ...deployment, contracts: { ...deployment.contracts, FirmwareRegistry: firmware } }
}

/** True when code is deployed at every contract address of `deployment`. */
export async function isDeployed(conn: ChainConnection, deployment: Deployment): Promise<boolean> {
  for (const contract of Object.values(deployment.contracts)) {
    if (contract === undefined) continue
    const code = await conn.publicClient.getCode({ address: contract.address })
    if (code === undefined || code === '0x') return false
  }
  return true
}
