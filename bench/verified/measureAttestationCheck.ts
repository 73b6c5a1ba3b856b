// The secp256k1 attestation check of one answer alone, on each path: verifyAttestations as
// verifyVerifiedRead calls it (signer keys kept from an earlier answer: the precomputed-table
// verify), k recoveries (what every check cost before keys were kept), and k of noble's plain
// verify under the known keys. Interleaved, uncontended medians.

import { secp256k1 } from '@noble/curves/secp256k1.js'
import {
  type Address,
  type Attestation,
  type AttestationSignatureEngine,
  attestationDigest,
  parseVerifiedReadResponse,
  type VerifiedReadPolicy,
  verifyAttestationSignatureWith,
  verifyAttestations,
} from '@veriot/device'
import { type Hex, hexToBytes } from 'viem'
import { summarizeTimings, type TimingSummary } from '../report/summarizeTimings.ts'
import { type ThreadTiming, timeOnThread } from '../threads/timeOnThread.ts'

export type AttestationCheckTimings = {
  /** verifyAttestations with the signers' keys kept (the path verifyVerifiedRead takes). */
  keptKeys: TimingSummary
  /** k × verifyAttestationSignatureWith('recovery'): the check before keys were kept. */
  recovery: TimingSummary
  /** k × verifyAttestationSignatureWith('noble'): noble's verify under each signer's key. */
  nobleVerify: TimingSummary
}

/** Times the attestation check of the secp256k1 answer `parsed` under `policy`. */
export function measureAttestationCheck(
  parsed: unknown,
  policy: VerifiedReadPolicy,
  runs: { warmup: number; runs: number },
): AttestationCheckTimings {
  const read = parseVerifiedReadResponse(parsed)
  const subject = {
    chainId: policy.chainId,
    registry: policy.registry,
    blockNumber: BigInt(read.block.number),
    blockHash: read.block.hash as Hex,
  }
  const digest = attestationDigest(subject)
  const signed = read.signatures.map((a) => {
    const bytes = hexToBytes(a.signature as Hex)
    const recovered = new Uint8Array([(bytes[64] as number) - 27, ...bytes.subarray(0, 64)])
    return {
      signer: a.signer.toLowerCase() as Address,
      signature: a.signature,
      digest,
      publicKey: secp256k1.Point.fromBytes(
        secp256k1.recoverPublicKey(recovered, digest, { prehash: false }),
      ).toBytes(false),
    }
  })
  const each = (engine: AttestationSignatureEngine) => () => {
    for (const s of signed) {
      if (!verifyAttestationSignatureWith(engine, s)) throw new Error(`${engine}: refused`)
    }
  }
  const paths = {
    keptKeys: () => {
      verifyAttestations({
        ...subject,
        signatures: read.signatures as readonly Attestation[],
        trustedSigners: policy.trustedSigners,
        k: policy.k,
      })
    },
    recovery: each('recovery'),
    nobleVerify: each('noble'),
  }
  for (let i = 0; i < runs.warmup; i++) for (const path of Object.values(paths)) path()
  const timings: Record<keyof typeof paths, ThreadTiming[]> = {
    keptKeys: [],
    recovery: [],
    nobleVerify: [],
  }
  for (let i = 0; i < runs.runs; i++) {
    for (const [name, path] of Object.entries(paths) as [keyof typeof paths, () => void][]) {
      timings[name].push(timeOnThread(path))
    }
  }
  return {
    keptKeys: summarizeTimings(timings.keptKeys),
    recovery: summarizeTimings(timings.recovery),
    nobleVerify: summarizeTimings(timings.nobleVerify),
  }
}
