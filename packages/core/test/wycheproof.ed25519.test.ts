// Wycheproof Ed25519 vectors through verifyEd25519: every case must give its listed result
// under the project's strict RFC 8032 rule.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ed25519 } from '@noble/curves/ed25519.js'
import { verifyEd25519 } from '../src/index.ts'
import {
  assertSignatureCases,
  caseLabel,
  readSignatureCases,
  type SignatureCase,
  type WycheproofResult,
  withVectors,
} from './support/vectors.ts'

// Pinned copy: C2SP/wycheproof testvectors_v1 at dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166
// (see ../shared/vectors/README.md), resolved from this file so any clone with ../shared works.
const VECTORS = new URL('../../../../shared/vectors/wycheproof/', import.meta.url)
const FILE = 'ed25519_test.json'

// Result counts of the pinned file. A new Wycheproof version changes them: re-read its flags,
// re-decide the rule, then update them here.
const PINNED_COUNTS: Record<WycheproofResult, number> = { valid: 88, invalid: 63, acceptable: 0 }

// The project's rule for 'acceptable': rejected, as for P-256. The pinned file has none; if a
// later version marks (say) small-order keys 'acceptable', strict verification rejects them.
const ACCEPTABLE_IS_ACCEPTED = false

withVectors('vectors: Wycheproof Ed25519', VECTORS, () => {
  const cases = readSignatureCases(VECTORS, FILE, 'EDDSA', (group) => group.publicKey.pk)

  test(`vectors: ${FILE} (${cases.length} cases)`, () => {
    assertSignatureCases(cases, (c, msg) => verifyEd25519(c.sig, msg, c.publicKey), {
      acceptableIsAccepted: ACCEPTABLE_IS_ACCEPTED,
      pinnedCounts: PINNED_COUNTS,
    })
  })

  // Where strict RFC 8032 and noble's default (ZIP 215) part ways on the pinned file: the
  // invalid point encoding x = 0 with the sign bit set (RFC 8032 §5.1.3).
  const zip215Only = cases.filter((c) => c.result === 'invalid' && acceptedByZip215(c))
  test(`rule: invalid encodings that noble's zip215 default accepts are rejected (${zip215Only.length} cases)`, () => {
    // If this ever reaches 0 the vectors no longer exercise the rule: keep the check anyway.
    assert.ok(zip215Only.length > 0, 'no vector separates strict from ZIP 215')
    for (const c of zip215Only) {
      assert.equal(verifyEd25519(c.sig, c.msg, c.publicKey), false, caseLabel(c))
    }
  })

  const valid = cases.find((c) => c.result === 'valid' && c.msg.length > 0)
  test('error: wrong lengths and non-bytes fail closed', () => {
    assert.ok(valid !== undefined)
    const { sig, msg, publicKey } = valid
    assert.equal(verifyEd25519(sig, msg, publicKey), true)
    assert.equal(verifyEd25519(sig.subarray(0, 63), msg, publicKey), false)
    assert.equal(verifyEd25519(Uint8Array.of(...sig, 0), msg, publicKey), false)
    assert.equal(verifyEd25519(sig, msg, publicKey.subarray(0, 31)), false)
    assert.equal(verifyEd25519(sig, msg, Uint8Array.of(...publicKey, 0)), false)
    assert.equal(verifyEd25519(sig, 'text' as unknown as Uint8Array, publicKey), false)
    assert.equal(verifyEd25519(undefined as unknown as Uint8Array, msg, publicKey), false)
  })
})

function acceptedByZip215(c: SignatureCase): boolean {
  try {
    return ed25519.verify(c.sig, c.msg, c.publicKey) // noble's default: zip215: true
  } catch {
    return false // noble throws on wrong lengths
  }
}
