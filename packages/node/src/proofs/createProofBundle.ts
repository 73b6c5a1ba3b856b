// Builds the self-contained proof bundle of one stored, anchored reading: the signed message,
// the device's registration (key, suite, status at the anchoring block), the inclusion path,
// the batch and the anchoring transaction.

import { deviceRegistryAbi } from '@veriot/contracts'
import {
  deviceStatusOf,
  merkleInclusionProof,
  PROOF_BUNDLE_FORMAT,
  type ProofBundle,
  parseProofBundle,
  suiteNameOf,
  VeriotError,
} from '@veriot/core'
import { bytesToHex, type Hex, hexToBytes } from 'viem'
import type { ChainConnection } from '../chain/connectChain.ts'
import type { Deployment } from '../deployment/deployContracts.ts'
import type { TelemetryStore } from '../store/TelemetryStore.ts'

/**
 * @throws READING_UNKNOWN, READING_NOT_ANCHORED, RPC_UNREACHABLE
 */
export async function createProofBundle(
  store: TelemetryStore,
  conn: ChainConnection,
  deployment: Deployment,
  readingId: Hex,
  gateway: Hex,
): Promise<ProofBundle> {
  const reading = await store.getReading(readingId.toLowerCase() as Hex)
  if (!reading) {
    throw new VeriotError('READING_UNKNOWN', `no reading ${readingId} in this gateway's store`, {
      context: { readingId },
    })
  }
  const batch = reading.batchId === undefined ? undefined : await store.getBatch(reading.batchId)
  if (!batch || batch.status !== 'anchored' || !batch.txHash || batch.blockNumber === undefined) {
    throw new VeriotError(
      'READING_NOT_ANCHORED',
      `reading ${readingId} is stored but its batch is not anchored yet; try again after the next anchor`,
      { context: { readingId, batchId: reading.batchId } },
    )
  }
  const leaves = (await store.getBatchLeaves(batch.id)).map((h) => hexToBytes(h))
  const path = merkleInclusionProof(leaves, reading.leafIndex ?? -1).map((h) => bytesToHex(h))
  const registry = deployment.contracts.DeviceRegistry.address
  const [device, block, registration] = await Promise.all([
    conn.publicClient.readContract({
      address: registry,
      abi: deviceRegistryAbi,
      functionName: 'getDevice',
      args: [reading.deviceId],
      blockNumber: batch.blockNumber,
    }),
    conn.publicClient.getBlock({ blockNumber: batch.blockNumber }),
    conn.publicClient.getContractEvents({
      address: registry,
      abi: deviceRegistryAbi,
      eventName: 'DeviceRegistered',
      args: { id: reading.deviceId },
      fromBlock: deployment.contracts.DeviceRegistry.blockNumber,
      toBlock: batch.blockNumber,
    }),
  ])
  const suite = suiteNameOf(device.suite)
  const registeredIn = registration[0]?.transactionHash
  if (!suite || !registeredIn) {
    throw new VeriotError(
      'DEVICE_UNKNOWN',
      `device ${reading.deviceId} was not registered at block ${batch.blockNumber}`,
    )
  }
  const bundle = {
    format: PROOF_BUNDLE_FORMAT,
    reading: { id: reading.id, message: bytesToHex(reading.message) },
    device: {
      id: reading.deviceId,
      publicKey: `0x04${device.pubKeyX.slice(2)}${device.pubKeyY.slice(2)}`,
      suite,
      auxKeyHash: device.auxKeyHash,
      status: deviceStatusOf(device.status),
      registry,
      registrationTx: registeredIn,
    },
    inclusion: { leafIndex: reading.leafIndex ?? -1, treeSize: batch.count, path },
    batch: {
      gateway,
      id: batch.id,
      root: batch.root,
      count: batch.count,
      firstTimestamp: batch.firstTimestamp,
      lastTimestamp: batch.lastTimestamp,
    },
    anchor: {
      chainId: conn.chainId,
      contract: deployment.contracts.TelemetryAnchor.address,
      txHash: batch.txHash,
      blockNumber: batch.blockNumber.toString(),
      blockHash: block.hash,
    },
  }
  // What we hand out must pass our own schema.
  return parseProofBundle(bundle)
}
