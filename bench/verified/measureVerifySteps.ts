// Where a device's verify time goes: each check verifyVerifiedRead makes, timed on its own
// through the same exported functions (schema, header, signatures, account proof, storage
// proofs), interleaved, medians of the uncontended times.

import {
  type Address,
  type Attestation,
  loadKeccakWasm,
  parseVerifiedReadResponse,
  type VerifiedReadPolicy,
  verifyAccountProof,
  verifyAttestations,
  verifyBlockHeader,
  verifyStorageProof,
} from '@veriot/device'
import { type Hex, hexToBytes } from 'viem'
import { summarizeTimings } from '../report/summarizeTimings.ts'
import type { ThreadTiming } from '../threads/timeOnThread.ts'
import { timeAsyncOnThread } from './timeAsyncOnThread.ts'

export type VerifyStepMedians = Record<
  'schema' | 'header' | 'signatures' | 'accountProof' | 'storageProofs',
  number
>

/** Median ms (uncontended) of each step for the secp256k1 answer `parsed` under `policy`. */
export async function measureVerifySteps(
  parsed: unknown,
  policy: VerifiedReadPolicy,
  runs: { warmup: number; runs: number },
): Promise<VerifyStepMedians> {
  await loadKeccakWasm() // as verifyVerifiedRead does before its first check
  const read = parseVerifiedReadResponse(parsed)
  const header = verifyBlockHeader(hexToBytes(read.block.header as Hex), read.block.hash as Hex)
  const proven = await verifyAccountProof(
    header.stateRoot,
    read.account.address as Address,
    read.account.proof as Hex[],
  )
  if (!proven.exists) throw new Error('the answer proves no account')
  const { storageRoot } = proven
  const steps = {
    schema: async () => parseVerifiedReadResponse(parsed),
    header: async () =>
      verifyBlockHeader(hexToBytes(read.block.header as Hex), read.block.hash as Hex),
    signatures: async () =>
      verifyAttestations({
        chainId: policy.chainId,
        registry: policy.registry,
        blockNumber: header.number,
        blockHash: header.hash,
        signatures: read.signatures as readonly Attestation[],
        trustedSigners: policy.trustedSigners,
        k: policy.k,
      }),
    accountProof: () =>
      verifyAccountProof(
        header.stateRoot,
        read.account.address as Address,
        read.account.proof as Hex[],
      ),
    storageProofs: async () => {
      for (const s of read.storage) {
        await verifyStorageProof(storageRoot, s.slot as Hex, s.proof as Hex[])
      }
    },
  }
  for (let i = 0; i < runs.warmup; i++) for (const step of Object.values(steps)) await step()
  const timings = Object.fromEntries(
    Object.keys(steps).map((name) => [name, [] as ThreadTiming[]]),
  ) as Record<keyof typeof steps, ThreadTiming[]>
  for (let i = 0; i < runs.runs; i++) {
    for (const [name, step] of Object.entries(steps) as [
      keyof typeof steps,
      () => Promise<unknown>,
    ][]) {
      timings[name].push(await timeAsyncOnThread(step))
    }
  }
  return Object.fromEntries(
    Object.entries(timings).map(([name, t]) => [name, summarizeTimings(t).uncontended.medianMs]),
  ) as VerifyStepMedians
}
