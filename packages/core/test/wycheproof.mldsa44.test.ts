// Wycheproof ML-DSA-44 verification vectors through verifyMlDsa44: every case must give its
// listed result, context strings included.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { verifyMlDsa44 } from '../src/index.ts'
import {
  assertSignatureCases,
  caseLabel,
  readSignatureCases,
  type WycheproofResult,
  withVectors,
} from './support/vectors.ts'

// Pinned copy: C2SP/wycheproof testvectors_v1 at dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166
// (see ../shared/vectors/README.md), resolved from this file so any clone with ../shared works.
const VECTORS = new URL('../../../../shared/vectors/wycheproof/', import.meta.url)
const FILE = 'mldsa_44_verify_test.json'

// Result counts of the pinned file; a new Wycheproof version changes them (re-decide, update).
const PINNED_COUNTS: Record<WycheproofResult, number> = { valid: 77, invalid: 103, acceptable: 0 }

// The project's rule for 'acceptable': rejected. The pinned file has none: FIPS 204 leaves no
// encoding latitude (fixed lengths, hint encoding checked), so any later one would be a
// legacy quirk we do not want.
const ACCEPTABLE_IS_ACCEPTED = false

withVectors('vectors: Wycheproof ML-DSA-44', VECTORS, () => {
  const cases = readSignatureCases(VECTORS, FILE, 'ML-DSA-44', (group) => group.publicKey)

  test(`vectors: ${FILE} (${cases.length} cases)`, () => {
    assertSignatureCases(cases, (c, msg) => verifyMlDsa44(c.sig, msg, c.publicKey, c.ctx), {
      acceptableIsAccepted: ACCEPTABLE_IS_ACCEPTED,
      pinnedCounts: PINNED_COUNTS,
    })
  })

  const withContext = cases.filter(
    (c) => c.result === 'valid' && c.ctx !== undefined && c.ctx.length > 0,
  )
  test(`behavior: a signature under a context fails without it (${withContext.length} cases)`, () => {
    // Telemetry uses the empty context; a context-bound signature must not pass for it.
    assert.ok(withContext.length > 0)
    for (const c of withContext) {
      assert.equal(verifyMlDsa44(c.sig, c.msg, c.publicKey, c.ctx), true, caseLabel(c))
      assert.equal(verifyMlDsa44(c.sig, c.msg, c.publicKey), false, caseLabel(c))
    }
  })

  const valid = cases.find((c) => c.result === 'valid' && c.ctx === undefined)
  test('error: wrong lengths, a long context and non-bytes fail closed', () => {
    assert.ok(valid !== undefined)
    const { sig, msg, publicKey } = valid
    assert.equal(verifyMlDsa44(sig, msg, publicKey), true)
    assert.equal(verifyMlDsa44(sig.subarray(0, 2419), msg, publicKey), false)
    assert.equal(verifyMlDsa44(Uint8Array.of(...sig, 0), msg, publicKey), false)
    assert.equal(verifyMlDsa44(sig, msg, publicKey.subarray(0, 1311)), false)
    assert.equal(verifyMlDsa44(sig, msg, publicKey, new Uint8Array(256)), false)
    assert.equal(verifyMlDsa44(sig, 'text' as unknown as Uint8Array, publicKey), false)
    assert.equal(verifyMlDsa44(null as unknown as Uint8Array, msg, publicKey), false)
  })
})
