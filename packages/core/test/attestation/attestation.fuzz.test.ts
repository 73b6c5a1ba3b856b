// Fuzzing the attestation parsers and the verifier with fast-check: whatever the input, they
// return or throw a VeriotError with a documented code — never another exception.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import {
  ErrorCodes,
  isVeriotError,
  parseTpmsAttest,
  parseTpmtPublic,
  tpmtSignatureToCompact,
  verifyAttestation,
} from '../../src/index.ts'

const tpm = JSON.parse(readFileSync(new URL('fixtures/tpm-quote.json', import.meta.url), 'utf8'))
const bytes = (hex: string) => hexToBytes(hex.slice(2))
const quoted = bytes(tpm.evidence.quoted)
const certifyInfo = bytes(tpm.evidence.attestationKeyCertification.certifyInfo)
const akPublic = bytes(tpm.evidence.attestationKeyCertification.public)
const options = {
  nonce: bytes(tpm.inputs.nonce),
  boundKey: bytes(tpm.inputs.boundKey),
  expectedMeasurement: bytes(tpm.inputs.expectedMeasurement),
  maxAgeMs: 60_000,
  now: 1_800_000_000_000,
}
const runs = { numRuns: 2000 }

/** Runs fn; passes if it returns or throws a VeriotError with one of `codes`. */
function onlyCodes(fn: () => unknown, codes: readonly string[]): boolean {
  try {
    fn()
    return true
  } catch (err) {
    assert.ok(isVeriotError(err), `threw a non-VeriotError: ${String(err)}`)
    assert.ok(codes.includes(err.code), `threw ${err.code}: ${err.message}`)
    assert.ok(err.code in ErrorCodes)
    return true
  }
}

/** Valid bytes with one of: truncation, a byte changed, bytes inserted, bytes appended. */
function mutated(valid: Uint8Array) {
  return fc.oneof(
    fc.nat({ max: valid.length }).map((n) => valid.slice(0, n)),
    fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
      const out = valid.slice()
      out[i] = b
      return out
    }),
    fc
      .tuple(fc.nat({ max: valid.length }), fc.uint8Array({ minLength: 1, maxLength: 8 }))
      .map(([i, extra]) => Uint8Array.from([...valid.slice(0, i), ...extra, ...valid.slice(i)])),
    fc
      .uint8Array({ minLength: 1, maxLength: 2048 })
      .map((extra) => Uint8Array.from([...valid, ...extra])),
  )
}

test('behavior: parseTpmsAttest on random bytes throws only ATTESTATION_MALFORMED', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1500 }), (input) =>
      onlyCodes(() => parseTpmsAttest(input), ['ATTESTATION_MALFORMED']),
    ),
    runs,
  )
})

test('behavior: parseTpmsAttest on random bytes behind a valid header', () => {
  const header = quoted.slice(0, 6)
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (tail) =>
      onlyCodes(
        () => parseTpmsAttest(Uint8Array.from([...header, ...tail])),
        ['ATTESTATION_MALFORMED'],
      ),
    ),
    runs,
  )
})

test('behavior: parseTpmsAttest on truncated, altered, extended and oversized quotes', () => {
  fc.assert(
    fc.property(fc.oneof(mutated(quoted), mutated(certifyInfo)), (input) =>
      onlyCodes(() => parseTpmsAttest(input), ['ATTESTATION_MALFORMED']),
    ),
    runs,
  )
  // Every strict prefix is refused, and so is every extension.
  for (let n = 0; n < quoted.length; n++) {
    assert.throws(
      () => parseTpmsAttest(quoted.slice(0, n)),
      (e) => isVeriotError(e, 'ATTESTATION_MALFORMED'),
    )
  }
  assert.throws(
    () => parseTpmsAttest(new Uint8Array(1 << 20)),
    (e) => isVeriotError(e, 'ATTESTATION_MALFORMED'),
  )
})

test('behavior: parseTpmtPublic and tpmtSignatureToCompact throw only ATTESTATION_MALFORMED', () => {
  const signature = Uint8Array.from([
    0x00,
    0x18,
    0x00,
    0x0b,
    0x00,
    0x20,
    ...new Uint8Array(32).fill(1),
    0x00,
    0x20,
    ...new Uint8Array(32).fill(2),
  ])
  assert.equal(tpmtSignatureToCompact(signature).length, 64)
  fc.assert(
    fc.property(fc.oneof(mutated(akPublic), fc.uint8Array({ maxLength: 600 })), (input) =>
      onlyCodes(() => parseTpmtPublic(input), ['ATTESTATION_MALFORMED']),
    ),
    runs,
  )
  fc.assert(
    fc.property(fc.oneof(mutated(signature), fc.uint8Array({ maxLength: 200 })), (input) =>
      onlyCodes(() => tpmtSignatureToCompact(input), ['ATTESTATION_MALFORMED']),
    ),
    runs,
  )
})

test('behavior: verifyAttestation on mutated evidence fails closed with attestation codes', () => {
  const codes = [
    'ATTESTATION_MALFORMED',
    'ATTESTATION_SIGNATURE_INVALID',
    'ATTESTATION_KEY_UNKNOWN',
    'ATTESTATION_NONCE_MISMATCH',
    'ATTESTATION_PCR_MISMATCH',
  ]
  const fields = ['quoted', 'signature', 'attestationPublicKey'] as const
  fc.assert(
    fc.property(
      fc.constantFrom(...fields, 'certifyInfo', 'public'),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      (field, at, xor) => {
        const evidence = structuredClone(tpm.evidence)
        const target =
          field === 'certifyInfo' || field === 'public'
            ? evidence.attestationKeyCertification
            : evidence
        const value = bytes(target[field])
        const i = at % value.length
        value[i] = (value[i] as number) ^ xor
        target[field] = `0x${bytesToHex(value)}`
        // Any change must be refused: a mutated input that verified would be a forgery.
        assert.throws(
          () => verifyAttestation(evidence, options),
          (e) => isVeriotError(e) && codes.includes(e.code),
        )
        return true
      },
    ),
    { numRuns: 500 },
  )
})
