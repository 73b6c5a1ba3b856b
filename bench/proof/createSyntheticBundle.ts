// A proof bundle built without a chain: a real signed reading and a real RFC 6962 batch around
// it (the other leaves are random hashes standing in for other readings), with plausible but
// made-up registry and anchor fields. Offline verification never reads those fields; sizes
// are the same as a real bundle's (fixed-length hex, a short block number).

import { randomBytes } from 'node:crypto'
import {
  deviceIdFromPublicKey,
  merkleInclusionProof,
  merkleRoot,
  PROOF_BUNDLE_FORMAT,
  type ProofBundle,
  parseProofBundle,
  readingIdOf,
} from '@veriot/core'
import { getAnvilAccount } from '@veriot/node/anvil'
import { bytesToHex, getAddress, hexToBytes } from 'viem'

/** The bundle of `message` (encoded, signed by `publicKey`) as leaf `leafIndex` of `batchSize`. */
export function createSyntheticBundle(o: {
  message: Uint8Array
  timestamp: number
  publicKey: Uint8Array
  batchSize: number
  leafIndex: number
}): ProofBundle {
  const id = readingIdOf(o.message)
  const leaves = Array.from({ length: o.batchSize }, (_, i) =>
    i === o.leafIndex ? hexToBytes(id) : new Uint8Array(randomBytes(32)),
  )
  const random = (bytes: number) => bytesToHex(randomBytes(bytes))
  return parseProofBundle({
    format: PROOF_BUNDLE_FORMAT,
    reading: { id, message: bytesToHex(o.message) },
    device: {
      id: deviceIdFromPublicKey(o.publicKey),
      publicKey: bytesToHex(o.publicKey),
      suite: 'p256',
      auxKeyHash: `0x${'00'.repeat(32)}`,
      status: 'active',
      registry: getAddress(random(20)),
      registrationTx: random(32),
    },
    inclusion: {
      leafIndex: o.leafIndex,
      treeSize: o.batchSize,
      path: merkleInclusionProof(leaves, o.leafIndex).map((h) => bytesToHex(h)),
    },
    batch: {
      gateway: getAnvilAccount(9).address,
      id: 1234,
      root: bytesToHex(merkleRoot(leaves)),
      count: o.batchSize,
      firstTimestamp: o.timestamp - 5_000,
      lastTimestamp: o.timestamp + 5_000,
    },
    anchor: {
      chainId: 31337,
      contract: getAddress(random(20)),
      txHash: random(32),
      blockNumber: '123456',
      blockHash: random(32),
    },
  })
}
