// verifyP256's two engines, node:crypto (OpenSSL) and noble, held to one rule: every Wycheproof
// P-256 case, random valid / high-S / tampered signatures, and constructed edge cases (r + n,
// R.x ≥ n, R′ at infinity, non-canonical coordinates) give the same, expected answer on both.
// Also pins what OpenSSL itself does on those inputs, and the fallback to noble.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createPublicKey, verify as nodeVerify } from 'node:crypto'
import { test } from 'node:test'
import { p256 } from '@noble/curves/nist.js'
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import { p256DerToCompact, verifyP256 } from '../src/index.ts'
import { getP256Engine, type P256Engine, verifyP256With } from '../src/signatures/verifyP256.ts'
import {
  caseLabel,
  flipFirstBit,
  readSignatureCases,
  type SignatureCase,
  withVectors,
} from './support/vectors.ts'

// Pinned copy: C2SP/wycheproof testvectors_v1 at dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166
// (see ../shared/vectors/README.md).
const VECTORS = new URL('../../../../shared/vectors/wycheproof/', import.meta.url)

const { n, p } = p256.Point.CURVE()
const { BASE: G, Fp, Fn } = p256.Point
type Point = typeof G

const ENGINES: readonly P256Engine[] = ['node-crypto', 'noble']

function compactOf(r: bigint, s: bigint): Uint8Array {
  return concatBytes(numberToBytesBE(r, 32), numberToBytesBE(s, 32))
}

function keyOf(x: bigint, y: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(0x04), numberToBytesBE(x, 32), numberToBytesBE(y, 32))
}

/** Each engine's answer; the test then asks for one answer, equal to `expected` when given. */
function answers(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) {
  return ENGINES.map((engine) => verifyP256With(engine, signature, message, publicKey))
}

/** The first curve point whose x is `from`, `from + step`, `from + 2·step`, … */
function pointAtOrAfter(from: bigint, step: 1n | -1n): Point {
  for (let x = from; ; x += step) {
    const y2 = Fp.add(Fp.sub(Fp.pow(x, 3n), Fp.mul(3n, x)), p256.Point.CURVE().b)
    let y: bigint
    try {
      y = Fp.sqrt(y2)
    } catch {
      continue // y² is not a square: no point with this x
    }
    return p256.Point.fromAffine({ x, y })
  }
}

const message = utf8ToBytes('VERIOT engine agreement')
const h = Fn.create(bytesToNumberBE(sha256(message)))

/**
 * A signature (r, s) over `message` whose nonce point is `R`, and a public key it is valid for:
 * Q = r⁻¹(s·R − h·G), so that h·s⁻¹·G + r·s⁻¹·Q = R. Its secret key is unknown, which does
 * not matter for verification. This reaches r values a real signer almost never produces.
 */
function signatureWithNonce(R: Point, s: bigint) {
  const r = Fn.create(R.toAffine().x)
  const Q = R.multiply(s).subtract(G.multiply(h)).multiply(Fn.inv(r))
  return { r, publicKey: Q.toBytes(false) }
}

test('default: under Node, verifyP256 runs on node:crypto', () => {
  assert.equal(getP256Engine(), 'node-crypto')
})

withVectors('vectors: Wycheproof ECDSA P-256 on both engines', VECTORS, () => {
  const files = [
    { file: 'ecdsa_secp256r1_sha256_test.json', der: true },
    { file: 'ecdsa_secp256r1_sha256_p1363_test.json', der: false },
  ]
  for (const { file, der } of files) {
    const cases = readSignatureCases(VECTORS, file, 'ECDSA', (g) => g.publicKey.uncompressed)
    test(`vectors: ${file}, both engines give the listed result (${cases.length} cases)`, () => {
      const failures: string[] = []
      let reachedEngines = 0
      for (const c of cases) {
        const compact = compactOrUndefined(c, der)
        // Rejected at parse time: neither engine is asked, as in verifyP256's callers.
        if (compact === undefined) {
          if (c.result === 'valid') failures.push(`${caseLabel(c)}: valid but does not parse`)
          continue
        }
        reachedEngines++
        const expected = c.result === 'valid'
        const got = answers(compact, c.msg, c.publicKey)
        if (got.some((a) => a !== expected)) failures.push(`${caseLabel(c)}: ${got}`)
        const tampered = answers(compact, flipFirstBit(c.msg), c.publicKey)
        if (tampered.some((a) => a)) failures.push(`${caseLabel(c)}: tampered twin ${tampered}`)
      }
      assert.deepEqual(failures, [])
      assert.ok(reachedEngines > 100, `${file}: only ${reachedEngines} cases reached the engines`)
    })
  }

  // Points of another curve (secp256k1) are not on P-256: both engines reject every case.
  const k1 = readSignatureCases(
    VECTORS,
    'ecdsa_secp256k1_sha256_test.json',
    'ECDSA',
    (g) => g.publicKey.uncompressed,
  )
  test(`vectors: secp256k1 keys and signatures are rejected by both engines (${k1.length} cases)`, () => {
    const accepted = k1.filter((c) => {
      const compact = compactOrUndefined(c, true)
      return compact !== undefined && answers(compact, c.msg, c.publicKey).some((a) => a)
    })
    assert.deepEqual(accepted.map(caseLabel), [])
  })
})

function compactOrUndefined(c: SignatureCase, der: boolean): Uint8Array | undefined {
  if (!der) return c.sig
  try {
    return p256DerToCompact(c.sig)
  } catch {
    return undefined
  }
}

test('behavior: random signatures, their high-S twins and tampered copies agree on both engines', () => {
  let checked = 0
  fc.assert(
    fc.property(
      fc.bigInt({ min: 1n, max: n - 1n }),
      fc.uint8Array({ maxLength: 96 }),
      fc.nat(),
      (secret, msg, bit) => {
        const secretKey = numberToBytesBE(secret, 32)
        const publicKey = p256.getPublicKey(secretKey, false)
        const signature = p256.sign(sha256(msg), secretKey, { prehash: false, format: 'compact' })
        const r = bytesToNumberBE(signature.subarray(0, 32))
        const s = bytesToNumberBE(signature.subarray(32))
        const highS = compactOf(r, n - s)
        const { x, y } = p256.Point.fromBytes(publicKey).toAffine()
        const cases: [string, Uint8Array, Uint8Array, Uint8Array, boolean][] = [
          ['valid (low-S)', signature, msg, publicKey, true],
          ['high-S twin', highS, msg, publicKey, true],
          ['message bit flipped', signature, flipBit(msg, bit), publicKey, false],
          ['high-S, message bit flipped', highS, flipBit(msg, bit), publicKey, false],
          ['r bit flipped', flipBit(signature, bit % 256), msg, publicKey, false],
          ['s bit flipped', flipBit(signature, 256 + (bit % 256)), msg, publicKey, false],
          ['key bit flipped', flipBit(publicKey, 8 + (bit % 512)), msg, publicKey, false],
          // −Q is a valid point, just not the signer's.
          ['negated key', signature, msg, keyOf(x, Fp.neg(y)), false],
        ]
        for (const [name, sig, m, key, expected] of cases) {
          assert.deepEqual(answers(sig, m, key), [expected, expected], name)
          checked++
        }
      },
    ),
    { numRuns: 200 },
  )
  assert.equal(checked, 200 * 8)
})

/** A copy with bit `bit` (mod the bit length) flipped; an empty input becomes one byte. */
function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  if (bytes.length === 0) return Uint8Array.of(1)
  const copy = bytes.slice()
  const i = Math.floor(bit / 8) % bytes.length
  copy[i] = (copy[i] as number) ^ (1 << (bit % 8))
  return copy
}

// Constructed cases: r, s and key chosen so that each limit of the rule is reached exactly.
const s0 = Fn.create(bytesToNumberBE(sha256(utf8ToBytes('s0'))))
const smallR = signatureWithNonce(pointAtOrAfter(1n, 1n), s0)
const bigX = pointAtOrAfter(n, 1n) // n ≤ R.x < p, so r = R.x − n
const bigXSig = signatureWithNonce(bigX, s0)
const nearN = signatureWithNonce(pointAtOrAfter(n - 1n, -1n), s0)
const sMax = signatureWithNonce(pointAtOrAfter(2n, 1n), n - 1n)
const sOne = signatureWithNonce(pointAtOrAfter(2n, 1n), 1n)
// Q = −h·r⁻¹·G makes h·s⁻¹·G + r·s⁻¹·Q the point at infinity for every s.
const infinityR = 0x1234n
const infinityKey = G.multiply(Fn.neg(Fn.mul(h, Fn.inv(infinityR)))).toBytes(false)

const edgeCases: [string, Uint8Array, Uint8Array, boolean][] = [
  [`small r (${smallR.r})`, compactOf(smallR.r, s0), smallR.publicKey, true],
  ['small r, high-S twin', compactOf(smallR.r, n - s0), smallR.publicKey, true],
  ['r + n for a valid small r', compactOf(smallR.r + n, s0), smallR.publicKey, false],
  [`R.x ≥ n, r = R.x − n (${bigXSig.r})`, compactOf(bigXSig.r, s0), bigXSig.publicKey, true],
  ['R.x ≥ n, r = R.x', compactOf(bigX.toAffine().x, s0), bigXSig.publicKey, false],
  [`r just below n (n − ${n - nearN.r})`, compactOf(nearN.r, s0), nearN.publicKey, true],
  ['s = n − 1', compactOf(sMax.r, n - 1n), sMax.publicKey, true],
  ['s = 1', compactOf(sOne.r, 1n), sOne.publicKey, true],
  ['s = n (s = n − 1 + 1)', compactOf(sMax.r, n), sMax.publicKey, false],
  ['s = 0', compactOf(sMax.r, 0n), sMax.publicKey, false],
  ['R′ at infinity', compactOf(infinityR, s0), infinityKey, false],
]
for (const [name, signature, publicKey, expected] of edgeCases) {
  test(`behavior: ${name} → ${expected ? 'accepted' : 'rejected'} by both engines`, () => {
    assert.deepEqual(answers(signature, message, publicKey), [expected, expected])
  })
}

// (0, √b) is on P-256; (p, √b) names the same point with a coordinate that is not reduced mod p.
const zeroX = pointAtOrAfter(0n, 1n).toAffine()
// A point with y = 1, so that y + p still fits in 32 bytes. x is a root of x³ − 3x + b − 1
// (found with SymPy's gcd(Xᵖ − X, f) over GF(p)); the test below checks it is on the curve.
const yOne = { x: 0x8d0177ebab9c6e9e10db6dd095dbac0d6375e8a97b70f611875d877f0069d2c7n, y: 1n }
const validKey = p256.getPublicKey(p256.utils.randomSecretKey(), false)
const offCurve = validKey.slice()
offCurve[64] = (offCurve[64] as number) ^ 1
const badKeys: [string, Uint8Array][] = [
  ['off the curve', offCurve],
  ['(0, 0), the contract’s point at infinity', keyOf(0n, 0n)],
  ['x = p for the point (0, √b)', keyOf(p + zeroX.x, zeroX.y)],
  ['x = 2^256 − 1', keyOf((1n << 256n) - 1n, zeroX.y)],
  ['y = p + 1 for the point (x, 1)', keyOf(yOne.x, p + yOne.y)],
]
for (const [name, key] of badKeys) {
  test(`error: public key ${name} is rejected by both engines, and by OpenSSL's own import`, () => {
    assert.deepEqual(answers(compactOf(smallR.r, s0), message, key), [false, false])
    assert.throws(() => importJwk(key))
  })
}

test('behavior: the points (0, √b) and (x, 1) themselves are valid keys for OpenSSL and noble', () => {
  for (const { x, y } of [zeroX, yOne]) {
    const key = keyOf(x, y)
    assert.doesNotThrow(() => importJwk(key))
    assert.doesNotThrow(() => p256.Point.fromBytes(key))
  }
})

// What OpenSSL does with no pre-check in front: verifyP256 checks all of this itself too.
const opensslCases: [string, Uint8Array, Uint8Array, boolean][] = [
  ['high-S', compactOf(smallR.r, n - s0), smallR.publicKey, true],
  ['r = 0', compactOf(0n, s0), smallR.publicKey, false],
  ['s = 0', compactOf(smallR.r, 0n), smallR.publicKey, false],
  ['r = n', compactOf(n, s0), smallR.publicKey, false],
  ['s = n', compactOf(sMax.r, n), sMax.publicKey, false],
  ['r + n for a valid small r', compactOf(smallR.r + n, s0), smallR.publicKey, false],
  ['R.x ≥ n, r = R.x', compactOf(bigX.toAffine().x, s0), bigXSig.publicKey, false],
  ['r = 2^256 − 1', compactOf((1n << 256n) - 1n, s0), smallR.publicKey, false],
  ['R′ at infinity', compactOf(infinityR, s0), infinityKey, false],
  ['63 bytes', compactOf(smallR.r, s0).subarray(0, 63), smallR.publicKey, false],
  ['65 bytes', concatBytes(compactOf(smallR.r, s0), Uint8Array.of(0)), smallR.publicKey, false],
]
for (const [name, signature, publicKey, expected] of opensslCases) {
  test(`behavior: OpenSSL alone, ${name} → ${expected ? 'accepted' : 'rejected'}`, () => {
    const key = importJwk(publicKey)
    const got = nodeVerify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature)
    assert.equal(got, expected)
  })
}

function importJwk(publicKey: Uint8Array) {
  return createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: Buffer.from(publicKey.subarray(1, 33)).toString('base64url'),
      y: Buffer.from(publicKey.subarray(33, 65)).toString('base64url'),
    },
    format: 'jwk',
  })
}

test('behavior: a key pushed out of the key cache (1024 entries) still verifies', () => {
  const secretKey = p256.utils.randomSecretKey()
  const publicKey = p256.getPublicKey(secretKey, false)
  const signature = p256.sign(sha256(message), secretKey, { prehash: false, format: 'compact' })
  assert.equal(verifyP256(signature, message, publicKey), true)
  // 1100 other valid keys, each imported once: the first key is evicted.
  let point = G
  for (let i = 0; i < 1100; i++) {
    point = point.add(G)
    assert.equal(verifyP256(signature, message, point.toBytes(false)), false)
  }
  assert.equal(verifyP256(signature, message, publicKey), true)
  assert.equal(verifyP256(signature, flipFirstBit(message), publicKey), false)
})

// A child process, so that node:crypto can be hidden or broken before the module loads.
const CHILD = `
const [mode, moduleUrl, sig, msg, key] = process.argv.slice(1)
const real = process.getBuiltinModule
if (mode === 'absent') delete process.getBuiltinModule
else process.getBuiltinModule = (id) =>
  id === 'node:crypto' ? { ...real(id), verify: () => true } : real(id)
const { getP256Engine, verifyP256 } = await import(moduleUrl)
const bytes = (hex) => Uint8Array.from(Buffer.from(hex, 'hex'))
const tampered = bytes(msg); tampered[0] ^= 1
console.log(JSON.stringify({
  engine: getP256Engine(),
  valid: verifyP256(bytes(sig), bytes(msg), bytes(key)),
  tampered: verifyP256(bytes(sig), tampered, bytes(key)),
}))
`
for (const [mode, why] of [
  ['absent', 'without node:crypto'],
  ['broken', 'with a node:crypto that accepts everything (fails the self-test)'],
] as const) {
  test(`behavior: ${why}, verifyP256 falls back to noble`, () => {
    const moduleUrl = new URL('../src/signatures/verifyP256.ts', import.meta.url).href
    const args = [compactOf(smallR.r, n - s0), message, smallR.publicKey].map(bytesToHex)
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', CHILD, mode, moduleUrl, ...args],
      { encoding: 'utf8' },
    )
    assert.equal(child.status, 0, child.stderr)
    assert.deepEqual(JSON.parse(child.stdout), { engine: 'noble', valid: true, tampered: false })
  })
}
