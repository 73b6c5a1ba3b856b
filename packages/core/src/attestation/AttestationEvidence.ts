// Attestation evidence: what a device sends a verifier to show which firmware it runs, bound to
// the verifier's nonce. Validated with a schema at the boundary (parseAttestationEvidence);
// in JSON, bytes are lowercase 0x hex.

import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import type { Hex } from 'viem'
import { z } from 'zod'
import { VeriotError } from '../errors/VeriotError.ts'
import { firmwareVersionToUint64 } from '../registry/firmwareVersion.ts'
import { TPMS_ATTEST_MAX_BYTES } from './parseTpmsAttest.ts'
import { TPMT_PUBLIC_MAX_BYTES } from './parseTpmtPublic.ts'

export const ATTESTATION_EVIDENCE_VERSION = 1
/** Nonce length bounds: at least 128 bits of freshness, at most what TPM2B_DATA holds. */
export const ATTESTATION_NONCE_MIN_BYTES = 16
export const ATTESTATION_NONCE_MAX_BYTES = 64
/** Largest evidence JSON text a verifier should read before parsing. */
export const ATTESTATION_EVIDENCE_MAX_JSON_BYTES = 16 * 1024

/**
 * How much a verified attestation is worth: `tpm` — a TPM quote by a restricted attestation key
 * over the PCR carrying the firmware measurement; `hsm` — a measurement reported by the device
 * software and signed by a key held in an HSM / secure element (PKCS#11) or a TPM; `software`
 * — the same, signed by a software key.
 */
export type AssuranceLevel = 'tpm' | 'hsm' | 'software'

/** Certification of the attestation key by the device identity key (TPM2_Certify). */
export type AttestationKeyCertification = {
  /** TPMT_PUBLIC of the attestation key. */
  readonly public: Uint8Array
  /** TPMS_ATTEST of type TPM_ST_ATTEST_CERTIFY naming the attestation key. */
  readonly certifyInfo: Uint8Array
  /** ECDSA P-256 r ‖ s by the identity key over SHA-256(certifyInfo). */
  readonly signature: Uint8Array
}

/** Evidence from a TPM: a quote over sha256 PCRs, signed by the attestation key. */
export type TpmAttestationEvidence = {
  readonly kind: 'tpm'
  readonly version: 1
  readonly deviceId: Hex
  readonly nonce: Uint8Array
  /** Uncompressed SEC1 P-256 point of the attestation key. */
  readonly attestationPublicKey: Uint8Array
  readonly attestationKeyCertification: AttestationKeyCertification
  /** TPMS_ATTEST of type TPM_ST_ATTEST_QUOTE, as the TPM signed it. */
  readonly quoted: Uint8Array
  /** ECDSA P-256 r ‖ s by the attestation key over SHA-256(quoted). */
  readonly signature: Uint8Array
  /** Value of each quoted sha256 PCR, keyed by its index in decimal. */
  readonly pcrValues: Readonly<Record<string, Uint8Array>>
  /** The firmware version the device claims to run (not signed: see FirmwareVersionClaim). */
  readonly firmwareVersion?: FirmwareVersionClaim
}

/** Evidence without a TPM: the device key signs softwareAttestationBytes(…). */
export type SoftwareAttestationEvidence = {
  readonly kind: 'software'
  readonly version: 1
  readonly deviceId: Hex
  readonly nonce: Uint8Array
  /** Claimed by the device (and signed): `hsm` when its key is held in hardware. */
  readonly level: 'software' | 'hsm'
  /** The firmware measurement the device reports (32 bytes). */
  readonly measurement: Uint8Array
  /** ECDSA P-256 r ‖ s by the device identity key over SHA-256(softwareAttestationBytes). */
  readonly signature: Uint8Array
  /** The firmware version the device claims to run (not signed: see FirmwareVersionClaim). */
  readonly firmwareVersion?: FirmwareVersionClaim
}

/**
 * "major.minor.patch" (canonical: no leading zeros; major < 2^32, minor and patch < 65536): the
 * release the device says it runs, so a verifier knows which release's measurement to expect.
 *
 * Deliberately outside what is signed (the quote, softwareAttestationBytes): the claim proves
 * nothing and needs to prove nothing. A verifier accepts it only when the signed measurement
 * equals the approved measurement of the claimed release, and that equality is the proof: for
 * `tpm` the quote shows the PCR the boot chain extended; for `software` / `hsm` the device
 * self-reports its measurement anyway, so a signed version would add no assurance. Whoever
 * changes the claim on the way only makes the measurements differ (ATTESTATION_PCR_MISMATCH).
 */
export type FirmwareVersionClaim = string

export type AttestationEvidence = TpmAttestationEvidence | SoftwareAttestationEvidence

const hex = (min: number, max: number = min) =>
  z
    .string()
    .regex(
      new RegExp(`^0x(?:[0-9a-f]{2}){${min},${max}}$`),
      min === max
        ? `expected 0x + ${2 * min} lowercase hex digits`
        : `expected 0x + ${2 * min} to ${2 * max} lowercase hex digits`,
    )
const nonce = hex(ATTESTATION_NONCE_MIN_BYTES, ATTESTATION_NONCE_MAX_BYTES)
const deviceId = hex(32)
const firmwareVersion = z
  .string()
  .max(22)
  .regex(
    /^(?:0|[1-9][0-9]{0,9})\.(?:0|[1-9][0-9]{0,4})\.(?:0|[1-9][0-9]{0,4})$/,
    'expected major.minor.patch without leading zeros',
  )
  .refine(
    (v) => {
      try {
        firmwareVersionToUint64(v)
        return true
      } catch {
        return false
      }
    },
    { message: 'expected major < 2^32, minor and patch < 65536' },
  )
  .optional()
const pcrIndex = z.string().regex(/^(?:[0-9]|1[0-9]|2[0-3])$/, 'expected a PCR index 0 to 23')

const tpmSchema = z.strictObject({
  kind: z.literal('tpm'),
  version: z.literal(ATTESTATION_EVIDENCE_VERSION),
  deviceId,
  nonce,
  attestationPublicKey: hex(65),
  attestationKeyCertification: z.strictObject({
    public: hex(1, TPMT_PUBLIC_MAX_BYTES),
    certifyInfo: hex(1, TPMS_ATTEST_MAX_BYTES),
    signature: hex(64),
  }),
  quoted: hex(1, TPMS_ATTEST_MAX_BYTES),
  signature: hex(64),
  pcrValues: z
    .record(pcrIndex, hex(32))
    .refine((v) => Object.keys(v).length >= 1 && Object.keys(v).length <= 24, {
      message: 'expected 1 to 24 PCR values',
    }),
  firmwareVersion,
})

const softwareSchema = z.strictObject({
  kind: z.literal('software'),
  version: z.literal(ATTESTATION_EVIDENCE_VERSION),
  deviceId,
  nonce,
  level: z.enum(['software', 'hsm']),
  measurement: hex(32),
  signature: hex(64),
  firmwareVersion,
})

const schema = z.discriminatedUnion('kind', [tpmSchema, softwareSchema])

/** Evidence as JSON-safe data (bytes as lowercase 0x hex). */
export type AttestationEvidenceJson = z.infer<typeof schema>

const bytes = (value: string): Uint8Array => hexToBytes(value.slice(2))
const toHex = (value: Uint8Array): Hex => `0x${bytesToHex(value)}`
const claimOf = (e: { firmwareVersion?: string | undefined }) =>
  e.firmwareVersion === undefined ? {} : { firmwareVersion: e.firmwareVersion }

/**
 * Validates untrusted evidence (parsed JSON) and turns its hex into bytes. Only the form is
 * checked here; verifyAttestation checks what it says.
 *
 * @throws ATTESTATION_MALFORMED naming the first wrong field
 * @example
 * const evidence = parseAttestationEvidence(JSON.parse(body))
 */
export function parseAttestationEvidence(json: unknown): AttestationEvidence {
  const result = schema.safeParse(json)
  if (!result.success) {
    const issue = result.error.issues[0]
    const field = issue?.path.join('.') || 'evidence'
    throw new VeriotError('ATTESTATION_MALFORMED', `"${field}" ${issue?.message ?? 'is invalid'}`, {
      context: { field },
    })
  }
  const e = result.data
  if (e.kind === 'software') {
    return Object.freeze({
      kind: 'software',
      version: 1,
      deviceId: e.deviceId as Hex,
      nonce: bytes(e.nonce),
      level: e.level,
      measurement: bytes(e.measurement),
      signature: bytes(e.signature),
      ...claimOf(e),
    })
  }
  const pcrValues: Record<string, Uint8Array> = {}
  for (const [index, value] of Object.entries(e.pcrValues)) pcrValues[index] = bytes(value)
  return Object.freeze({
    kind: 'tpm',
    version: 1,
    deviceId: e.deviceId as Hex,
    nonce: bytes(e.nonce),
    attestationPublicKey: bytes(e.attestationPublicKey),
    attestationKeyCertification: Object.freeze({
      public: bytes(e.attestationKeyCertification.public),
      certifyInfo: bytes(e.attestationKeyCertification.certifyInfo),
      signature: bytes(e.attestationKeyCertification.signature),
    }),
    quoted: bytes(e.quoted),
    signature: bytes(e.signature),
    pcrValues: Object.freeze(pcrValues),
    ...claimOf(e),
  })
}

/**
 * Evidence as JSON-safe data, the inverse of parseAttestationEvidence.
 *
 * @example
 * const body = JSON.stringify(attestationEvidenceToJson(await attester.attest(nonce)))
 */
export function attestationEvidenceToJson(evidence: AttestationEvidence): AttestationEvidenceJson {
  if (evidence.kind === 'software') {
    return {
      kind: 'software',
      version: 1,
      deviceId: evidence.deviceId.toLowerCase(),
      nonce: toHex(evidence.nonce),
      level: evidence.level,
      measurement: toHex(evidence.measurement),
      signature: toHex(evidence.signature),
      ...claimOf(evidence),
    }
  }
  const pcrValues: Record<string, string> = {}
  for (const [index, value] of Object.entries(evidence.pcrValues)) pcrValues[index] = toHex(value)
  const c = evidence.attestationKeyCertification
  return {
    kind: 'tpm',
    version: 1,
    deviceId: evidence.deviceId.toLowerCase(),
    nonce: toHex(evidence.nonce),
    attestationPublicKey: toHex(evidence.attestationPublicKey),
    attestationKeyCertification: {
      public: toHex(c.public),
      certifyInfo: toHex(c.certifyInfo),
      signature: toHex(c.signature),
    },
    quoted: toHex(evidence.quoted),
    signature: toHex(evidence.signature),
    pcrValues,
    ...claimOf(evidence),
  }
}
