// Full proof-bundle verification: the offline checks of @veriot/core, then the chain: the
// batch commitment is on TelemetryAnchor, the anchoring transaction and block are the ones
// named, and the registry held this key and suite for the device at that block.

import { deviceRegistryAbi, telemetryAnchorAbi } from '@veriot/contracts'
import {
  deviceStatusOf,
  type ProofBundle,
  parseProofBundle,
  suiteNameOf,
  type TelemetryMessage,
  VeriotError,
  verifyProofBundleOffline,
} from '@veriot/core'
import { BaseError, decodeEventLog, type Hex, HttpRequestError, TimeoutError } from 'viem'
import type { ChainConnection } from '../chain/connectChain.ts'
import { toVeriotError } from '../chain/toVeriotError.ts'

export type BundleCheck = { name: string; ok: boolean }
export type BundleVerification = {
  bundle: ProofBundle
  message: TelemetryMessage
  checks: BundleCheck[]
  onChain: boolean
}

const OFFLINE_CHECKS = ['schema', 'message', 'device key', 'signature', 'inclusion path']

/**
 * Verifies a bundle (untrusted JSON). Without `conn`, only the offline part runs.
 * @throws the first failing check's code (BUNDLE_*, TELEMETRY_*, SIGNATURE_INVALID,
 *   MERKLE_PROOF_INVALID, CHAIN_ID_MISMATCH, RPC_UNREACHABLE)
 */
export async function verifyProofBundle(
  value: unknown,
  conn?: ChainConnection,
): Promise<BundleVerification> {
  const bundle = parseProofBundle(value)
  const message = verifyProofBundleOffline(bundle)
  const checks: BundleCheck[] = OFFLINE_CHECKS.map((name) => ({ name, ok: true }))
  if (!conn) return { bundle, message, checks, onChain: false }
  try {
    await verifyOnChain(bundle, conn)
  } catch (err) {
    throw toVeriotError(err)
  }
  checks.push({ name: 'root on chain', ok: true }, { name: 'key as registered', ok: true })
  return { bundle, message, checks, onChain: true }
}

async function verifyOnChain(bundle: ProofBundle, conn: ChainConnection): Promise<void> {
  if (conn.chainId !== bundle.anchor.chainId) {
    throw new VeriotError(
      'CHAIN_ID_MISMATCH',
      `"anchor.chainId" is ${bundle.anchor.chainId} but the endpoint serves chain ${conn.chainId}`,
    )
  }
  const { batch, anchor } = bundle
  const anchored = await conn.publicClient
    .readContract({
      address: anchor.contract as Hex,
      abi: telemetryAnchorAbi,
      functionName: 'isAnchored',
      args: [
        batch.gateway as Hex,
        BigInt(batch.id),
        batch.root as Hex,
        batch.count,
        BigInt(batch.firstTimestamp),
        BigInt(batch.lastTimestamp),
      ],
    })
    .catch((cause) => {
      if (isNetworkError(cause)) throw cause
      throw new VeriotError(
        'BUNDLE_ROOT_NOT_ON_CHAIN',
        `"anchor.contract" ${anchor.contract} does not answer as a TelemetryAnchor on chain ${conn.chainId}`,
        { cause },
      )
    })
  if (!anchored) {
    throw new VeriotError(
      'BUNDLE_ROOT_NOT_ON_CHAIN',
      `batch ${batch.id} of gateway ${batch.gateway} with root ${batch.root} (count ${batch.count}, ${batch.firstTimestamp}..${batch.lastTimestamp}) is not anchored on ${anchor.contract}`,
    )
  }
  const receipt = await conn.publicClient
    .getTransactionReceipt({ hash: anchor.txHash as Hex })
    .catch(() => undefined)
  const blockNumber = BigInt(anchor.blockNumber)
  if (!receipt || receipt.blockNumber !== blockNumber || receipt.blockHash !== anchor.blockHash) {
    throw new VeriotError(
      'BUNDLE_ROOT_NOT_ON_CHAIN',
      `"anchor" tx ${anchor.txHash} is not in block ${anchor.blockNumber} (${anchor.blockHash}) on this chain`,
    )
  }
  const emitted = receipt.logs.some((log) => {
    if (log.address.toLowerCase() !== anchor.contract.toLowerCase()) return false
    try {
      const e = decodeEventLog({ abi: telemetryAnchorAbi, data: log.data, topics: log.topics })
      return (
        e.eventName === 'BatchAnchored' &&
        e.args.batchId === BigInt(batch.id) &&
        e.args.root === batch.root &&
        e.args.gateway.toLowerCase() === batch.gateway.toLowerCase()
      )
    } catch {
      return false
    }
  })
  if (!emitted) {
    throw new VeriotError(
      'BUNDLE_ROOT_NOT_ON_CHAIN',
      `tx ${anchor.txHash} did not anchor batch ${batch.id} with root ${batch.root}`,
    )
  }
  const device = await conn.publicClient
    .readContract({
      address: bundle.device.registry as Hex,
      abi: deviceRegistryAbi,
      functionName: 'getDevice',
      args: [bundle.device.id as Hex],
      blockNumber,
    })
    .catch((cause) => {
      if (isNetworkError(cause)) throw cause
      throw new VeriotError(
        'BUNDLE_KEY_MISMATCH',
        `"device.registry" ${bundle.device.registry} does not answer as a DeviceRegistry at block ${blockNumber}`,
        { cause },
      )
    })
  const registeredKey = `0x04${device.pubKeyX.slice(2)}${device.pubKeyY.slice(2)}`
  if (registeredKey !== bundle.device.publicKey) {
    throw new VeriotError(
      'BUNDLE_KEY_MISMATCH',
      `"device.publicKey" is not the key registered for ${bundle.device.id} at block ${blockNumber}`,
    )
  }
  if (
    suiteNameOf(device.suite) !== bundle.device.suite ||
    device.auxKeyHash !== bundle.device.auxKeyHash
  ) {
    throw new VeriotError(
      'BUNDLE_KEY_MISMATCH',
      `"device.suite"/"device.auxKeyHash" differ from the registry at block ${blockNumber}`,
    )
  }
  const status = deviceStatusOf(device.status)
  if (status !== bundle.device.status) {
    throw new VeriotError(
      'BUNDLE_KEY_MISMATCH',
      `"device.status" expected ${status} (registry at block ${blockNumber}), got ${bundle.device.status}`,
    )
  }
  const registration = await conn.publicClient
    .getTransactionReceipt({ hash: bundle.device.registrationTx as Hex })
    .catch(() => undefined)
  const registered = registration?.logs.some((log) => {
    try {
      const e = decodeEventLog({ abi: deviceRegistryAbi, data: log.data, topics: log.topics })
      return e.eventName === 'DeviceRegistered' && e.args.id === bundle.device.id
    } catch {
      return false
    }
  })
  if (!registered) {
    throw new VeriotError(
      'BUNDLE_KEY_MISMATCH',
      `"device.registrationTx" ${bundle.device.registrationTx} did not register device ${bundle.device.id}`,
    )
  }
}

function isNetworkError(err: unknown): boolean {
  return (
    err instanceof BaseError &&
    Boolean(err.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError))
  )
}
