import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { hexToBytes } from '@noble/hashes/utils.js'
import {
  assertAttestationFresh,
  attestationEvidenceToJson,
  isVeriotError,
  parseAttestationEvidence,
  parseTpmsAttest,
  parseTpmtPublic,
  type VerifyAttestationOptions,
  verifyAttestation,
} from '../../src/index.ts'

type Inputs = { nonce: string; boundKey: string; expectedMeasurement: string; pcr?: number }
const read = (name: string) =>
  JSON.parse(readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8'))
const tpm = read('tpm-quote.json')
const software = read('software.json')
const tampered: { cases: { name: string; code: string; inputs: Inputs; evidence: unknown }[] } =
  read('tampered.json')
const now = 1_800_000_000_000
const bytes = (hex: string) => hexToBytes(hex.slice(2))

function optionsOf(inputs: Inputs): VerifyAttestationOptions {
  return {
    nonce: bytes(inputs.nonce),
    boundKey: bytes(inputs.boundKey),
    expectedMeasurement: bytes(inputs.expectedMeasurement),
    maxAgeMs: 3_600_000,
    now,
    ...(inputs.pcr === undefined ? {} : { pcr: inputs.pcr }),
  }
}

function hasCode(code: string) {
  return (err: unknown) => {
    assert.ok(isVeriotError(err), `expected a VeriotError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    return true
  }
}

test('default: a TPM quote from swtpm verifies at level tpm, with an expiry', () => {
  const result = verifyAttestation(tpm.evidence, optionsOf(tpm.inputs))
  assert.equal(result.level, 'tpm')
  assert.equal(result.deviceId, tpm.evidence.deviceId)
  assert.deepEqual(result.measurement, bytes(tpm.inputs.expectedMeasurement))
  assert.equal(result.pcr, 16)
  assert.deepEqual(result.attestationPublicKey, bytes(tpm.evidence.attestationPublicKey))
  assert.equal(result.verifiedAt, now)
  assert.equal(result.expiresAt, now + 3_600_000)
  assert.ok(Object.isFrozen(result))
})

test('default: software evidence verifies at level software', () => {
  const result = verifyAttestation(software.evidence, optionsOf(software.inputs))
  assert.equal(result.level, 'software')
  assert.equal(result.pcr, undefined)
  assert.deepEqual(result.measurement, bytes(software.inputs.expectedMeasurement))
})

test('behavior: typed and JSON evidence are the same evidence', () => {
  const typed = parseAttestationEvidence(tpm.evidence)
  assert.deepEqual(attestationEvidenceToJson(typed), tpm.evidence)
  assert.deepEqual(
    verifyAttestation(typed, optionsOf(tpm.inputs)),
    verifyAttestation(tpm.evidence, optionsOf(tpm.inputs)),
  )
})

test('behavior: an optional firmwareVersion claim round-trips and does not change the result', () => {
  for (const fixture of [tpm, software]) {
    const json = { ...fixture.evidence, firmwareVersion: '1.65535.0' }
    const typed = parseAttestationEvidence(json)
    assert.equal(typed.firmwareVersion, '1.65535.0')
    assert.ok(Object.isFrozen(typed))
    assert.deepEqual(attestationEvidenceToJson(typed), json)
    // Not signed: the measurement decides (the verifier checks it against the claimed release).
    assert.deepEqual(
      verifyAttestation(json, optionsOf(fixture.inputs)),
      verifyAttestation(fixture.evidence, optionsOf(fixture.inputs)),
    )
    // Evidence without the field has none after a round trip.
    assert.equal('firmwareVersion' in parseAttestationEvidence(fixture.evidence), false)
    assert.equal(
      'firmwareVersion' in attestationEvidenceToJson(parseAttestationEvidence(fixture.evidence)),
      false,
    )
  }
})

test('error: a malformed firmwareVersion claim is ATTESTATION_MALFORMED naming the field', () => {
  const bad: unknown[] = [
    '',
    '1.0',
    '1.0.0.0',
    '01.0.0',
    '1.00.0',
    '1.0.0-rc1',
    ' 1.0.0',
    '1.65536.0',
    '1.0.65536',
    '4294967296.0.0',
    '١.٠.٠',
    1,
    null,
    ['1.0.0'],
  ]
  for (const fixture of [tpm, software]) {
    for (const firmwareVersion of bad) {
      assert.throws(
        () => parseAttestationEvidence({ ...fixture.evidence, firmwareVersion }),
        (err: unknown) => {
          hasCode('ATTESTATION_MALFORMED')(err)
          assert.equal((err as { context?: { field?: string } }).context?.field, 'firmwareVersion')
          return true
        },
        JSON.stringify(firmwareVersion),
      )
    }
  }
})

test('behavior: the vectors are what they claim (quote over sha256 PCR 16, restricted AK)', () => {
  const quote = parseTpmsAttest(bytes(tpm.evidence.quoted))
  assert.equal(quote.type, 'quote')
  if (quote.type !== 'quote') return
  assert.deepEqual(quote.pcrSelections, [{ hashAlg: 0x000b, pcrs: [16] }])
  assert.deepEqual(quote.extraData, bytes(tpm.inputs.nonce))
  const ak = parseTpmtPublic(bytes(tpm.evidence.attestationKeyCertification.public))
  assert.deepEqual(ak.publicKey, bytes(tpm.evidence.attestationPublicKey))
  assert.equal(ak.objectAttributes, 0x00050072)
  const certify = parseTpmsAttest(bytes(tpm.evidence.attestationKeyCertification.certifyInfo))
  assert.equal(certify.type, 'certify')
  if (certify.type === 'certify') assert.deepEqual(certify.name, ak.name)
})

for (const c of tampered.cases) {
  test(`error: ${c.name} → ${c.code}`, () => {
    assert.throws(
      () => verifyAttestation(c.evidence as never, optionsOf(c.inputs)),
      hasCode(c.code),
    )
  })
}

test('error: the attestation expires after maxAgeMs', () => {
  const result = verifyAttestation(tpm.evidence, optionsOf(tpm.inputs))
  assertAttestationFresh(result, now + 3_599_999)
  assert.throws(
    () => assertAttestationFresh(result, now + 3_600_000),
    hasCode('ATTESTATION_EXPIRED'),
  )
  assert.throws(() => assertAttestationFresh(result, Number.NaN), hasCode('ATTESTATION_EXPIRED'))
})

test('error: hostile options are INVALID_ARGUMENT', () => {
  const base = optionsOf(tpm.inputs)
  const bad: Partial<Record<keyof VerifyAttestationOptions, unknown>>[] = [
    { nonce: new Uint8Array(15) },
    { nonce: new Uint8Array(65) },
    { nonce: 'abc' },
    { boundKey: new Uint8Array(64) },
    { boundKey: new Uint8Array(65) },
    { expectedMeasurement: new Uint8Array(31) },
    { maxAgeMs: 0 },
    { maxAgeMs: -1 },
    { maxAgeMs: Number.NaN },
    { maxAgeMs: Number.POSITIVE_INFINITY },
    { maxAgeMs: 1.5 },
    { now: Number.NaN },
    { now: -1 },
    { now: Number.MAX_SAFE_INTEGER },
    { pcr: 24 },
    { pcr: -1 },
    { pcr: 16.5 },
  ]
  for (const override of bad) {
    assert.throws(
      () => verifyAttestation(tpm.evidence, { ...base, ...override } as VerifyAttestationOptions),
      hasCode('INVALID_ARGUMENT'),
      JSON.stringify(override),
    )
  }
})

test('error: hostile evidence values are ATTESTATION_MALFORMED, never another exception', () => {
  const hostile: unknown[] = [
    null,
    undefined,
    42,
    'evidence',
    [],
    {},
    { ...tpm.evidence, pcrValues: {} },
    { ...tpm.evidence, pcrValues: { '24': tpm.evidence.pcrValues['16'] } },
    { ...tpm.evidence, pcrValues: { '016': tpm.evidence.pcrValues['16'] } },
    { ...tpm.evidence, nonce: '0x' },
    { ...tpm.evidence, nonce: `0x${'00'.repeat(65)}` },
    { ...tpm.evidence, quoted: `0x${'00'.repeat(1025)}` },
    { ...tpm.evidence, deviceId: tpm.evidence.deviceId.slice(0, 64) },
    { ...tpm.evidence, signature: `${tpm.evidence.signature}00` },
    { ...tpm.evidence, attestationKeyCertification: null },
    { ...software.evidence, level: 'tpm' },
    { ...tpm.evidence, nonce: new Uint8Array(32) },
    { ...parseAttestationEvidence(tpm.evidence), quoted: 'text' },
    { ...parseAttestationEvidence(tpm.evidence), pcrValues: null },
  ]
  for (const evidence of hostile) {
    assert.throws(
      () => verifyAttestation(evidence as never, optionsOf(tpm.inputs)),
      hasCode('ATTESTATION_MALFORMED'),
      String(JSON.stringify(evidence))?.slice(0, 80),
    )
  }
})
