// The secp256k1 attestation check of one answer alone, on each path: verifyAttestations as
// verifyVerifiedRead calls it (libsecp256k1 recovery where tiny-secp256k1 loads), k recoveries
// on libsecp256k1 and on noble, noble's fallback with the signers' keys kept (precomputed-table
// verify), and k of noble's plain verify under the known keys. Interleaved, uncontended medians.

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
  /** verifyAttestations, the path verifyVerifiedRead takes (on getAttestationSignatureEngine()). */
  verifyAttestations: TimingSummary
  /** k × verifyAttestationSignatureWith('libsecp256k1'): recovery on libsecp256k1 (WebAssembly). */
  libsecp256k1: TimingSummary
  /** k × verifyAttestationSignatureWith('noble-precomputed'): noble's fallback, keys kept. */
  nobleKeptKeys: TimingSummary
  /** k × verifyAttestationSignatureWith('recovery'): recovery on noble. */
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
    verifyAttestations: () => {
      verifyAttestations({
        ...subject,
        signatures: read.signatures as readonly Attestation[],
        trustedSigners: policy.trustedSigners,
        k: policy.k,
      })
    },
    libsecp256k1: each('libsecp256k1'),
    nobleKeptKeys: each('noble-precomputed'),
    recovery: each('recovery'),
    nobleVerify: each('noble'),
  }
  for (let i = 0; i < runs.warmup; i++) for (const path of Object.values(paths)) path()
  const timings: Record<keyof typeof paths, ThreadTiming[]> = {
    verifyAttestations: [],
    libsecp256k1: [],
    nobleKeptKeys: [],
    recovery: [],
    nobleVerify: [],
  }
  for (let i = 0; i < runs.runs; i++) {
    for (const [name, path] of Object.entries(paths) as [keyof typeof paths, () => void][]) {
      timings[name].push(timeOnThread(path))
    }
  }
  return {
    verifyAttestations: summarizeTimings(timings.verifyAttestations),
    libsecp256k1: summarizeTimings(timings.libsecp256k1),
    nobleKeptKeys: summarizeTimings(timings.nobleKeptKeys),
    recovery: summarizeTimings(timings.recovery),
    nobleVerify: summarizeTimings(timings.nobleVerify),
  }
}
