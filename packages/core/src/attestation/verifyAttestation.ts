// The attestation verifier: checks evidence from a TPM quote or a software attester against the
// verifier's nonce, the key bound to the device and the approved measurement. Pure: the clock
// reading and the expected values are passed in.

import { equalBytes } from '@noble/curves/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import type { Hex } from 'viem'
import type { ErrorCode } from '../errors/codes.ts'
import { VeriotError } from '../errors/VeriotError.ts'
import { deviceIdFromPublicKey } from '../registry/deviceId.ts'
import { verifyP256 } from '../signatures/verifyP256.ts'
import {
  type AssuranceLevel,
  type AttestationEvidence,
  type AttestationEvidenceJson,
  attestationEvidenceToJson,
  parseAttestationEvidence,
  type SoftwareAttestationEvidence,
  type TpmAttestationEvidence,
} from './AttestationEvidence.ts'
import { parseTpmsAttest, TPM_ALG_SHA256 } from './parseTpmsAttest.ts'
import { parseTpmtPublic, TpmObjectAttribute } from './parseTpmtPublic.ts'
import { softwareAttestationBytes } from './softwareAttestationBytes.ts'

/** The PCR Veriot's attesters extend the firmware measurement into (first "debug" PCR). */
export const FIRMWARE_MEASUREMENT_PCR = 16

/** What the verifier knows independently of the device. */
export type VerifyAttestationOptions = {
  /** The nonce this verifier issued for this attestation (see createAttestationChallenges). */
  readonly nonce: Uint8Array
  /** The device identity public key registered for the device (65 bytes, 0x04 ‖ x ‖ y). */
  readonly boundKey: Uint8Array
  /** The approved measurement: the value the firmware leaves in the measurement PCR (32 bytes). */
  readonly expectedMeasurement: Uint8Array
  /** How long the result stays valid, in milliseconds. */
  readonly maxAgeMs: number
  /** The verifier's clock, milliseconds since the Unix epoch. */
  readonly now: number
  /** The PCR that carries the firmware measurement; default FIRMWARE_MEASUREMENT_PCR (16). */
  readonly pcr?: number
}

/** A verified attestation; frozen. Use assertAttestationFresh before relying on it later. */
export type AttestationResult = {
  readonly deviceId: Hex
  readonly level: AssuranceLevel
  /** The measurement that matched (the PCR value for a TPM quote). */
  readonly measurement: Uint8Array
  /** The PCR that carried it (TPM evidence only). */
  readonly pcr?: number
  /** The attestation key that signed the quote (TPM evidence only). */
  readonly attestationPublicKey?: Uint8Array
  readonly verifiedAt: number
  readonly expiresAt: number
}

// An attestation key must be a restricted signing key that never leaves this TPM: a restricted key
// only signs data the TPM itself produced (TPM_GENERATED_VALUE), so it cannot sign a fake quote.
const AK_REQUIRED =
  TpmObjectAttribute.fixedTPM |
  TpmObjectAttribute.fixedParent |
  TpmObjectAttribute.sensitiveDataOrigin |
  TpmObjectAttribute.restricted |
  TpmObjectAttribute.sign

/**
 * Verifies attestation evidence (typed, or as JSON) and returns what it proves.
 *
 * Order of checks: form; device id = id of `boundKey`; nonce; for a TPM quote, the
 * certification of the attestation key by `boundKey` (TPM2_Certify over the key's TPM name, a
 * restricted fixedTPM P-256 signing key), the quote's signature by that key, the quote's nonce
 * (extraData), the quoted PCR selection and digest, the measurement PCR; for software evidence,
 * the signature by `boundKey` and the reported measurement. Fails closed: any unexpected
 * exception becomes ATTESTATION_MALFORMED.
 *
 * @throws INVALID_ARGUMENT (options), ATTESTATION_MALFORMED, ATTESTATION_KEY_UNKNOWN,
 *   ATTESTATION_NONCE_MISMATCH, ATTESTATION_SIGNATURE_INVALID, ATTESTATION_PCR_MISMATCH
 * @example
 * const result = verifyAttestation(parseAttestationEvidence(JSON.parse(body)), {
 *   nonce, boundKey: device.publicKey, expectedMeasurement, maxAgeMs: 3_600_000, now: Date.now(),
 * })
 * console.log(result.level, result.expiresAt)
 */
export function verifyAttestation(
  evidence: AttestationEvidence | AttestationEvidenceJson,
  options: VerifyAttestationOptions,
): AttestationResult {
  const pcr = assertOptions(options)
  try {
    // One path for both forms: typed evidence goes through the same schema as JSON.
    const e = parseAttestationEvidence(
      typeof evidence.nonce === 'string'
        ? evidence
        : attestationEvidenceToJson(evidence as AttestationEvidence),
    )
    if (deviceIdFromPublicKey(options.boundKey) !== e.deviceId.toLowerCase()) {
      fail('ATTESTATION_KEY_UNKNOWN', 'deviceId', 'the id of the bound key', 'another device id', e)
    }
    if (!equalBytes(e.nonce, options.nonce)) {
      fail('ATTESTATION_NONCE_MISMATCH', 'nonce', 'the nonce this verifier issued', 'another', e)
    }
    const measurement =
      e.kind === 'tpm' ? verifyTpmEvidence(e, options, pcr) : verifySoftwareEvidence(e, options)
    if (!equalBytes(measurement, options.expectedMeasurement)) {
      fail(
        'ATTESTATION_PCR_MISMATCH',
        e.kind === 'tpm' ? `pcrValues.${pcr}` : 'measurement',
        'the approved measurement',
        'another value',
        e,
      )
    }
    return Object.freeze({
      deviceId: e.deviceId.toLowerCase() as Hex,
      level: e.kind === 'tpm' ? 'tpm' : e.level,
      measurement: measurement.slice(),
      ...(e.kind === 'tpm' ? { pcr, attestationPublicKey: e.attestationPublicKey.slice() } : {}),
      verifiedAt: options.now,
      expiresAt: options.now + options.maxAgeMs,
    })
  } catch (err) {
    if (err instanceof VeriotError) throw err
    throw new VeriotError(
      'ATTESTATION_MALFORMED',
      `"evidence" expected verifiable attestation evidence, got an input that failed: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err, context: { field: 'evidence' } },
    )
  }
}

/** Checks the TPM-specific parts and returns the value of the measurement PCR. */
function verifyTpmEvidence(
  e: TpmAttestationEvidence,
  options: VerifyAttestationOptions,
  pcr: number,
): Uint8Array {
  // Form first: every structure parses before any key or value is compared.
  const cert = e.attestationKeyCertification
  const ak = parseTpmtPublic(cert.public)
  const certify = parseTpmsAttest(cert.certifyInfo)
  if (certify.type !== 'certify') {
    fail(
      'ATTESTATION_MALFORMED',
      'attestationKeyCertification.certifyInfo.type',
      'certify',
      certify.type,
      e,
    )
  }
  const quote = parseTpmsAttest(e.quoted)
  if (quote.type !== 'quote') {
    fail('ATTESTATION_MALFORMED', 'quoted.type', 'quote', quote.type, e)
  }
  if (!equalBytes(ak.publicKey, e.attestationPublicKey)) {
    fail(
      'ATTESTATION_KEY_UNKNOWN',
      'attestationKeyCertification.public',
      'the key in attestationPublicKey',
      'another key',
      e,
    )
  }
  if ((ak.objectAttributes & AK_REQUIRED) !== AK_REQUIRED) {
    fail(
      'ATTESTATION_KEY_UNKNOWN',
      'attestationKeyCertification.public.objectAttributes',
      'a restricted, fixedTPM, fixedParent, sensitiveDataOrigin signing key',
      `0x${ak.objectAttributes.toString(16).padStart(8, '0')}`,
      e,
    )
  }
  if (!equalBytes(certify.name, ak.name)) {
    fail(
      'ATTESTATION_KEY_UNKNOWN',
      'attestationKeyCertification.certifyInfo.name',
      'the TPM name of the attestation key',
      'another name',
      e,
    )
  }
  if (!verifyP256(cert.signature, cert.certifyInfo, options.boundKey)) {
    fail(
      'ATTESTATION_KEY_UNKNOWN',
      'attestationKeyCertification.signature',
      "a certification by the device's bound identity key",
      'a signature by another key',
      e,
    )
  }
  if (!verifyP256(e.signature, e.quoted, e.attestationPublicKey)) {
    fail(
      'ATTESTATION_SIGNATURE_INVALID',
      'signature',
      'a signature of quoted by the attestation key',
      'an invalid one',
      e,
    )
  }
  if (!equalBytes(quote.qualifiedSigner, certify.qualifiedName)) {
    fail(
      'ATTESTATION_KEY_UNKNOWN',
      'quoted.qualifiedSigner',
      'the certified attestation key',
      'another key',
      e,
    )
  }
  if (!equalBytes(quote.extraData, options.nonce)) {
    fail(
      'ATTESTATION_NONCE_MISMATCH',
      'quoted.extraData',
      'the nonce this verifier issued',
      'another',
      e,
    )
  }
  // Only the sha256 bank: the PCR values and the expected measurement are SHA-256 digests.
  const banks = quote.pcrSelections.filter((s) => s.pcrs.length > 0)
  const bank = banks[0]
  if (banks.length !== 1 || bank === undefined || bank.hashAlg !== TPM_ALG_SHA256) {
    fail(
      'ATTESTATION_PCR_MISMATCH',
      'quoted.pcrSelect',
      'PCRs of the sha256 bank only',
      `${banks.length} banks`,
      e,
    )
  }
  const reported = Object.keys(e.pcrValues)
    .map(Number)
    .sort((a, b) => a - b)
  if (reported.join(',') !== bank.pcrs.join(',')) {
    fail(
      'ATTESTATION_PCR_MISMATCH',
      'pcrValues',
      `values of PCRs ${bank.pcrs.join(',')}`,
      `PCRs ${reported.join(',')}`,
      e,
    )
  }
  if (!bank.pcrs.includes(pcr)) {
    fail(
      'ATTESTATION_PCR_MISMATCH',
      'quoted.pcrSelect',
      `PCR ${pcr}`,
      `PCRs ${bank.pcrs.join(',')}`,
      e,
    )
  }
  // TPM 2.0 Part 3 §18.4: the digest of the selected PCR values, in selection order.
  const values = bank.pcrs.map((index) => e.pcrValues[String(index)] as Uint8Array)
  if (!equalBytes(sha256(concatBytes(...values)), quote.pcrDigest)) {
    fail(
      'ATTESTATION_PCR_MISMATCH',
      'pcrValues',
      'values whose digest is the quoted pcrDigest',
      'other values',
      e,
    )
  }
  return e.pcrValues[String(pcr)] as Uint8Array
}

function verifySoftwareEvidence(
  e: SoftwareAttestationEvidence,
  options: VerifyAttestationOptions,
): Uint8Array {
  const signed = softwareAttestationBytes({
    deviceId: e.deviceId,
    level: e.level,
    nonce: e.nonce,
    measurement: e.measurement,
  })
  if (!verifyP256(e.signature, signed, options.boundKey)) {
    fail(
      'ATTESTATION_SIGNATURE_INVALID',
      'signature',
      "a signature by the device's bound key",
      'an invalid one',
      e,
    )
  }
  return e.measurement
}

function assertOptions(options: VerifyAttestationOptions): number {
  const bad = (field: string, expected: string, got: unknown): never => {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"${field}" expected ${expected}, got ${typeof got === 'number' ? got : describe(got)}`,
      { context: { field } },
    )
  }
  if (typeof options !== 'object' || options === null) bad('options', 'an object', options)
  const { nonce, boundKey, expectedMeasurement, maxAgeMs, now } = options
  if (!(nonce instanceof Uint8Array) || nonce.length < 16 || nonce.length > 64) {
    bad('nonce', '16 to 64 bytes', nonce)
  }
  if (!(boundKey instanceof Uint8Array) || boundKey.length !== 65 || boundKey[0] !== 4) {
    bad('boundKey', 'a 65-byte uncompressed P-256 key', boundKey)
  }
  if (!(expectedMeasurement instanceof Uint8Array) || expectedMeasurement.length !== 32) {
    bad('expectedMeasurement', '32 bytes', expectedMeasurement)
  }
  if (!Number.isSafeInteger(maxAgeMs) || maxAgeMs <= 0)
    bad('maxAgeMs', 'a positive integer', maxAgeMs)
  if (!Number.isSafeInteger(now) || now < 0) bad('now', 'milliseconds since the epoch', now)
  if (!Number.isSafeInteger(now + maxAgeMs))
    bad('maxAgeMs', 'now + maxAgeMs to be a safe integer', maxAgeMs)
  const pcr = options.pcr ?? FIRMWARE_MEASUREMENT_PCR
  if (!Number.isInteger(pcr) || pcr < 0 || pcr > 23) bad('pcr', 'a PCR index 0 to 23', pcr)
  return pcr
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`
  return value === null ? 'null' : typeof value
}

function fail(
  code: ErrorCode,
  field: string,
  expected: string,
  got: string,
  e: { readonly deviceId: string; readonly kind: string },
): never {
  throw new VeriotError(
    code,
    `"${field}" expected ${expected}, got ${got} (device ${e.deviceId})`,
    {
      context: { deviceId: e.deviceId, kind: e.kind, field },
    },
  )
}
