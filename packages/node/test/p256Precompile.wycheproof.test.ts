// Wycheproof ECDSA P-256/SHA-256 vectors through anvil's P256VERIFY precompile (0x100), called
// exactly as contracts/src/P256.sol calls it, compared with the Wycheproof result and with noble.
//
// Why the precompile and not DeviceRegistry.register: register() signs a message fixed by the
// contract (domain, chain id, registry address, caller, …), so Wycheproof messages cannot reach
// it, and the contract exposes no other path to its P-256 check. The check *is* two steps, both
// reproduced here without changing the contract: P256.isOnCurve(x, y) (register reverts with
// InvalidPublicKey before any signature check), then P256.verify, a staticcall to 0x100 with
// abi.encode(h, r, s, x, y) read as "ok && 32 bytes && == 1".

import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { p256 } from '@noble/curves/nist.js'
import { p256DerToCompact, verifyP256 } from '@veriot/core'
import {
  bytesToHex,
  encodeAbiParameters,
  type Hex,
  hexToBigInt,
  hexToBytes,
  type PublicClient,
  sha256,
} from 'viem'
import { type Anvil, startAnvil } from '../src/anvil/index.ts'
import { connectChain } from '../src/chain/connectChain.ts'

// Pinned copy: C2SP/wycheproof testvectors_v1 at dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166
// (see ../shared/vectors/README.md), resolved from this file so any clone with ../shared works.
const VECTORS_URL = new URL('../../../../shared/vectors/wycheproof/', import.meta.url)
const VECTORS_PATH = fileURLToPath(VECTORS_URL)

const P256VERIFY = '0x0000000000000000000000000000000000000100'
const CONCURRENCY = 16
const HALF_N = p256.Point.CURVE().n >> 1n

// Same constants as contracts/src/P256.sol.
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn
const A = 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn

/** Mirrors P256.isOnCurve line by line: x, y < p, not (0, 0), y² = x³ + ax + b (mod p). */
function isOnCurveAsContract(x: bigint, y: bigint): boolean {
  if (x >= P || y >= P || (x === 0n && y === 0n)) return false
  const lhs = (y * y) % P
  const rhs = (((((x * x) % P) * x) % P) + ((A * x) % P) + B) % P
  return lhs === rhs
}

type Encoding = 'der' | 'p1363'
type Result = 'valid' | 'invalid' | 'acceptable'
type Vector = {
  tcId: number
  comment: string
  flags: readonly string[]
  msg: Hex
  sig: Hex
  result: Result
  publicKey: Hex
}

// The project's rule for 'acceptable' (docs/contracts.md): rejected. None in the pinned files.
const ACCEPTABLE_IS_ACCEPTED = false

function loadVectors(name: string): Vector[] {
  const json = JSON.parse(readFileSync(new URL(`${name}_test.json`, VECTORS_URL), 'utf8'))
  const vectors: Vector[] = []
  for (const group of json.testGroups) {
    assert.equal(group.publicKey.curve, 'secp256r1')
    assert.equal(group.sha, 'SHA-256')
    for (const t of group.tests) {
      vectors.push({
        tcId: t.tcId,
        comment: t.comment,
        flags: t.flags,
        msg: `0x${t.msg}`,
        sig: `0x${t.sig}`,
        result: t.result,
        publicKey: `0x${group.publicKey.uncompressed}`,
      })
    }
  }
  assert.equal(vectors.length, json.numberOfTests, `${name}: numberOfTests`)
  return vectors
}

/** Where the contract path stopped a signature, or 'accepted'. */
type Outcome = 'accepted' | 'encoding' | 'publicKey' | 'precompile'

/** r ‖ s as the off-chain client would split it into the contract's bytes32 r and s. */
function compactOf(v: Vector, encoding: Encoding): Uint8Array | undefined {
  const sig = hexToBytes(v.sig)
  if (encoding === 'p1363') return sig.length === 64 ? sig : undefined
  try {
    return p256DerToCompact(sig)
  } catch {
    return undefined // DER that strict parsing refuses never reaches the chain
  }
}

async function contractOutcome(
  client: PublicClient,
  v: Vector,
  encoding: Encoding,
): Promise<Outcome> {
  // Any other P1363 size cannot be split into bytes32 r and s.
  const compact = compactOf(v, encoding)
  if (compact === undefined) return 'encoding'
  const key = hexToBytes(v.publicKey)
  const x = bytesToHex(key.subarray(1, 33))
  const y = bytesToHex(key.subarray(33, 65))
  if (!isOnCurveAsContract(hexToBigInt(x), hexToBigInt(y))) return 'publicKey'
  const data = encodeAbiParameters(
    [
      { type: 'bytes32' },
      { type: 'bytes32' },
      { type: 'bytes32' },
      { type: 'bytes32' },
      { type: 'bytes32' },
    ],
    [sha256(v.msg), bytesToHex(compact.subarray(0, 32)), bytesToHex(compact.subarray(32)), x, y],
  )
  // eth_call of a precompile that fails would throw here, which is P256.verify's ok == false;
  // EIP-7951 never fails on 160-byte input, so let a throw fail the test loudly instead.
  const { data: out } = await client.call({ to: P256VERIFY, data })
  const accepted = out !== undefined && hexToBytes(out).length === 32 && hexToBigInt(out) === 1n
  return accepted ? 'accepted' : 'precompile'
}

async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

function isHighS(compact: Uint8Array | undefined): boolean {
  return compact !== undefined && hexToBigInt(bytesToHex(compact.subarray(32))) > HALF_N
}

function label(v: Vector): string {
  return `tcId ${v.tcId} (${v.result}; ${v.flags.join(',')}; ${v.comment})`
}

if (!existsSync(VECTORS_PATH)) {
  test('vectors: Wycheproof ECDSA P-256 through P256VERIFY', (t) => {
    t.skip(`Wycheproof vectors not found at ${VECTORS_PATH}: clone with ../shared beside the repo`)
  })
} else {
  const files = [
    { name: 'ecdsa_secp256r1_sha256', encoding: 'der' as const },
    { name: 'ecdsa_secp256r1_sha256_p1363', encoding: 'p1363' as const },
  ].map((f) => ({ ...f, vectors: loadVectors(f.name) }))

  describe('P256VERIFY precompile (anvil) as P256.sol calls it', () => {
    let anvil: Anvil
    let client: PublicClient
    before(async () => {
      anvil = await startAnvil()
      client = (await connectChain({ rpcUrl: anvil.rpcUrl })).publicClient
    })
    after(async () => {
      await anvil?.stop()
    })

    test('behavior: isOnCurveAsContract accepts every vector key and refuses its twins', () => {
      const keys = new Set(files.flatMap((f) => f.vectors.map((v) => v.publicKey)))
      assert.ok(keys.size > 0)
      for (const key of keys) {
        const x = hexToBigInt(bytesToHex(hexToBytes(key).subarray(1, 33)))
        const y = hexToBigInt(bytesToHex(hexToBytes(key).subarray(33, 65)))
        assert.equal(isOnCurveAsContract(x, y), true, key)
        assert.equal(isOnCurveAsContract(x, (y + 1n) % P), false, `${key} with y + 1`)
        assert.equal(isOnCurveAsContract(x + P, y), false, `${key} with x + p`)
      }
      assert.equal(isOnCurveAsContract(0n, 0n), false)
    })

    for (const { name, encoding, vectors } of files) {
      test(`vectors: ${name} (${vectors.length} cases): isOnCurve + P256VERIFY`, async (t) => {
        assert.ok(vectors.length > 0, `${name}: no vectors checked`)
        const outcomes = await mapConcurrent(vectors, CONCURRENCY, (v) =>
          contractOutcome(client, v, encoding),
        )

        const failures: string[] = []
        const counts: Record<Outcome, number> = {
          accepted: 0,
          encoding: 0,
          publicKey: 0,
          precompile: 0,
        }
        const vsNoble: string[] = []
        const vsNobleDefault: string[] = []
        const highSValid: string[] = []
        vectors.forEach((v, i) => {
          const outcome = outcomes[i] as Outcome
          counts[outcome]++
          const onChain = outcome === 'accepted'
          const expected =
            v.result === 'valid' || (v.result === 'acceptable' && ACCEPTABLE_IS_ACCEPTED)
          if (onChain !== expected) {
            failures.push(
              `${label(v)}: expected ${expected ? 'accepted' : 'rejected'}, got ${outcome}`,
            )
          }

          const compact = compactOf(v, encoding)
          const msg = hexToBytes(v.msg)
          const key = hexToBytes(v.publicKey)
          const noble = compact !== undefined && verifyP256(compact, msg, key)
          if (noble !== onChain) vsNoble.push(label(v))
          // noble's own default (lowS: true), to show what the high-S rule changes.
          const nobleDefault =
            compact !== undefined &&
            p256.verify(compact, hexToBytes(sha256(v.msg)), key, { prehash: false })
          if (nobleDefault !== onChain) vsNobleDefault.push(label(v))
          if (v.result === 'valid' && isHighS(compact)) highSValid.push(label(v))
        })

        t.diagnostic(
          `${name}: ${vectors.length} cases; contract path accepted ${counts.accepted}, rejected ` +
            `${vectors.length - counts.accepted} (encoding ${counts.encoding}, public key ` +
            `${counts.publicKey}, precompile ${counts.precompile}); disagreements with verifyP256: ` +
            `${vsNoble.length}; with noble's lowS default: ${vsNobleDefault.length} ` +
            `(high-S valid vectors: ${highSValid.length}, accepted by the project's rule)`,
        )
        assert.deepEqual(failures, [])
        // verifyP256 is the project's rule in TypeScript: it must agree with the chain everywhere.
        assert.deepEqual(vsNoble, [])
        // The one documented difference: noble's default rejects high-S, the precompile accepts.
        assert.ok(highSValid.length > 0, `${name}: no high-S valid vectors exercise the rule`)
        assert.deepEqual(vsNobleDefault, highSValid)
      })
    }
  })
}
