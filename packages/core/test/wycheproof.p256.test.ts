// Wycheproof ECDSA P-256/SHA-256 vectors (DER and IEEE P1363) through verifyP256 and
// p256DerToCompact: every case must give its listed result under the project's rule.

import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { p256 } from '@noble/curves/nist.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { isVeriotError, p256DerToCompact, verifyP256 } from '../src/index.ts'

// Pinned copy: C2SP/wycheproof testvectors_v1 at dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166
// (see ../shared/vectors/README.md), resolved from this file so any clone with ../shared works.
const VECTORS_URL = new URL('../../../../shared/vectors/wycheproof/', import.meta.url)
const VECTORS_PATH = fileURLToPath(VECTORS_URL)

type Encoding = 'der' | 'p1363'
type Result = 'valid' | 'invalid' | 'acceptable'
type Vector = {
  tcId: number
  comment: string
  flags: readonly string[]
  msg: Uint8Array
  sig: Uint8Array
  result: Result
  publicKey: Uint8Array
}
type VectorFile = { name: string; encoding: Encoding; vectors: readonly Vector[] }

// Result counts of the pinned files, written down in docs/contracts.md. A new Wycheproof
// version changes them: re-read its flags, re-decide the rule, then update both places.
const PINNED_COUNTS: Record<string, Record<Result, number>> = {
  ecdsa_secp256r1_sha256: { valid: 174, invalid: 310, acceptable: 0 },
  ecdsa_secp256r1_sha256_p1363: { valid: 173, invalid: 89, acceptable: 0 },
}

// The project's rule for 'acceptable': rejected. Wycheproof marks as 'acceptable' legacy
// encodings (BER lengths, missing sign byte, short P1363 sizes) that some libraries tolerate;
// a device signature is produced by our own signer, so we accept exactly one encoding.
const ACCEPTABLE_IS_ACCEPTED = false

// Flags that describe an encoding defect rather than wrong values: strict DER must refuse
// these at parse time, before any curve arithmetic.
const DER_ENCODING_FLAGS = [
  'BerEncodedSignature',
  'InvalidEncoding',
  'InvalidTypesInSignature',
  'MissingZero',
]

const HALF_N = p256.Point.CURVE().n >> 1n

function loadVectorFile(name: string, encoding: Encoding): VectorFile {
  const json = JSON.parse(readFileSync(new URL(`${name}_test.json`, VECTORS_URL), 'utf8'))
  assert.equal(json.algorithm, 'ECDSA', `${name}: algorithm`)
  const vectors: Vector[] = []
  for (const group of json.testGroups) {
    assert.equal(group.publicKey.curve, 'secp256r1', `${name}: curve`)
    assert.equal(group.sha, 'SHA-256', `${name}: hash`)
    const publicKey = hexToBytes(group.publicKey.uncompressed)
    for (const t of group.tests) {
      vectors.push({
        tcId: t.tcId,
        comment: t.comment,
        flags: t.flags,
        msg: hexToBytes(t.msg),
        sig: hexToBytes(t.sig),
        result: t.result,
        publicKey,
      })
    }
  }
  assert.equal(vectors.length, json.numberOfTests, `${name}: numberOfTests`)
  return { name, encoding, vectors }
}

/** r ‖ s for the vector, or the error p256DerToCompact threw. */
function compactOf(v: Vector, encoding: Encoding): Uint8Array | { error: unknown } {
  if (encoding === 'p1363') return v.sig
  try {
    return p256DerToCompact(v.sig)
  } catch (error) {
    return { error }
  }
}

function isHighS(compact: Uint8Array): boolean {
  return compact.length === 64 && BigInt(`0x${bytesToHex(compact.subarray(32))}`) > HALF_N
}

function tamper(message: Uint8Array): Uint8Array {
  if (message.length === 0) return Uint8Array.of(0)
  const copy = message.slice()
  copy[0] = (copy[0] ?? 0) ^ 0x01
  return copy
}

function label(v: Vector): string {
  return `tcId ${v.tcId} (${v.result}; ${v.flags.join(',')}; ${v.comment})`
}

if (!existsSync(VECTORS_PATH)) {
  test('vectors: Wycheproof ECDSA P-256', (t) => {
    t.skip(`Wycheproof vectors not found at ${VECTORS_PATH}: clone with ../shared beside the repo`)
  })
} else {
  const files = [
    loadVectorFile('ecdsa_secp256r1_sha256', 'der'),
    loadVectorFile('ecdsa_secp256r1_sha256_p1363', 'p1363'),
  ]

  for (const { name, encoding, vectors } of files) {
    test(`vectors: ${name} (${vectors.length} cases)`, () => {
      assert.ok(vectors.length > 0, `${name}: no vectors checked`)
      const counts: Record<Result, number> = { valid: 0, invalid: 0, acceptable: 0 }
      const failures: string[] = []
      for (const v of vectors) {
        counts[v.result]++
        const compact = compactOf(v, encoding)
        if (
          !(compact instanceof Uint8Array) &&
          !isVeriotError(compact.error, 'SIGNATURE_MALFORMED')
        ) {
          failures.push(`${label(v)}: DER parse threw something else than SIGNATURE_MALFORMED`)
          continue
        }
        const accepted = compact instanceof Uint8Array && verifyP256(compact, v.msg, v.publicKey)
        const expected =
          v.result === 'valid' || (v.result === 'acceptable' && ACCEPTABLE_IS_ACCEPTED)
        if (accepted !== expected) {
          failures.push(`${label(v)}: expected ${expected ? 'accepted' : 'rejected'}`)
        }
        // Every valid fixture has a tampered twin that must fail.
        if (v.result === 'valid' && compact instanceof Uint8Array) {
          if (verifyP256(compact, tamper(v.msg), v.publicKey)) {
            failures.push(`${label(v)}: accepted with a tampered message`)
          }
        }
      }
      assert.deepEqual(failures, [])
      assert.deepEqual(
        counts,
        PINNED_COUNTS[name],
        `${name}: counts differ from the pinned version`,
      )
    })
  }

  const der = files[0] as VectorFile
  const encodingDefects = der.vectors.filter((v) =>
    v.flags.some((flag) => DER_ENCODING_FLAGS.includes(flag)),
  )
  test(`behavior: DER encoding defects throw SIGNATURE_MALFORMED (${encodingDefects.length} cases)`, () => {
    assert.ok(encodingDefects.length > 0, 'no encoding-defect vectors found')
    for (const v of encodingDefects) {
      assert.notEqual(v.result, 'valid', label(v))
      assert.throws(() => p256DerToCompact(v.sig), isSignatureMalformed, label(v))
    }
  })

  const validDer = der.vectors.filter((v) => v.result === 'valid')
  test(`behavior: valid DER re-encodes to the same bytes (${validDer.length} cases)`, () => {
    assert.ok(validDer.length > 0)
    for (const v of validDer) {
      const compact = p256DerToCompact(v.sig)
      const reencoded = p256.Signature.fromBytes(compact, 'compact').toBytes('der')
      assert.equal(bytesToHex(reencoded), bytesToHex(v.sig), label(v))
    }
  })

  for (const { name, encoding, vectors } of files) {
    const highS = vectors.filter((v) => {
      const compact = compactOf(v, encoding)
      return v.result === 'valid' && compact instanceof Uint8Array && isHighS(compact)
    })
    test(`rule: ${name} high-S valid signatures are accepted, unlike noble's lowS default (${highS.length} cases)`, () => {
      // If this ever reaches 0 the rule is no longer exercised by the vectors: add cases.
      assert.ok(highS.length > 0, `${name}: no high-S valid vectors`)
      for (const v of highS) {
        const compact = compactOf(v, encoding) as Uint8Array
        assert.equal(verifyP256(compact, v.msg, v.publicKey), true, label(v))
        // noble v2 rejects high-S by default; verifyP256 opts out on purpose (see its JSDoc).
        assert.equal(p256.verify(compact, sha256(v.msg), v.publicKey, { prehash: false }), false)
      }
    })
  }
}

function isSignatureMalformed(err: unknown): boolean {
  return isVeriotError(err, 'SIGNATURE_MALFORMED')
}
