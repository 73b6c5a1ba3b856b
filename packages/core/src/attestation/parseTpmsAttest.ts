// Parses the TPMS_ATTEST structure a TPM signs for TPM2_Quote and TPM2_Certify (TPM 2.0 Part 2,
// §10.12), by hand and with strict bounds: the bytes come from the device, across a trust boundary.

import { VeriotError } from '../errors/VeriotError.ts'
import { createTpmReader } from './createTpmReader.ts'

/** TPM_GENERATED_VALUE: only the TPM itself produces attestation data that starts with it. */
export const TPM_GENERATED_VALUE = 0xff544347
/** TPM_ST_ATTEST_QUOTE */
export const TPM_ST_ATTEST_QUOTE = 0x8018
/** TPM_ST_ATTEST_CERTIFY */
export const TPM_ST_ATTEST_CERTIFY = 0x8017
/** TPM_ALG_SHA256 */
export const TPM_ALG_SHA256 = 0x000b

/** Largest TPMS_ATTEST accepted; a quote or certification is a few hundred bytes. */
export const TPMS_ATTEST_MAX_BYTES = 1024

// TPM2B_NAME holds a TPMU_NAME: a TPMT_HA (2 + 64 bytes at most) or a handle.
const NAME_MAX = 66
// TPM2B_DATA and TPM2B_DIGEST hold at most one digest of the largest hash (SHA-512).
const DATA_MAX = 64
// HASH_COUNT bounds the banks; PCR_SELECT_MAX the bitmap (3 bytes for 24 PCRs; 4 leaves room).
const MAX_BANKS = 16
const PCR_SELECT_MIN = 3
const PCR_SELECT_MAX = 4

/** A TPMS_PCR_SELECTION: a hash bank and the PCR indices selected in it, ascending. */
export type PcrSelection = { readonly hashAlg: number; readonly pcrs: readonly number[] }

/** TPMS_CLOCK_INFO */
export type TpmClockInfo = {
  readonly clock: bigint
  readonly resetCount: number
  readonly restartCount: number
  readonly safe: boolean
}

type TpmsAttestCommon = {
  readonly qualifiedSigner: Uint8Array
  readonly extraData: Uint8Array
  readonly clockInfo: TpmClockInfo
  readonly firmwareVersion: bigint
}

/** A parsed TPMS_ATTEST of a quote or a certification; other attestation types are refused. */
export type TpmsAttest =
  | (TpmsAttestCommon & {
      readonly type: 'quote'
      readonly pcrSelections: readonly PcrSelection[]
      readonly pcrDigest: Uint8Array
    })
  | (TpmsAttestCommon & {
      readonly type: 'certify'
      readonly name: Uint8Array
      readonly qualifiedName: Uint8Array
    })

/**
 * Parses TPMS_ATTEST bytes. Checks the magic (TPM_GENERATED_VALUE), that the type is
 * TPM_ST_ATTEST_QUOTE or TPM_ST_ATTEST_CERTIFY, every size against the structure's bound, and
 * that no byte is left over. Does not check any signature: call it on bytes whose signature
 * you verify too.
 *
 * @throws ATTESTATION_MALFORMED, whatever the input
 * @example
 * const attest = parseTpmsAttest(quoted)
 * if (attest.type === 'quote') console.log(attest.pcrSelections, attest.pcrDigest)
 */
export function parseTpmsAttest(bytes: Uint8Array): TpmsAttest {
  if (!(bytes instanceof Uint8Array)) {
    throw malformed('TPMS_ATTEST', 'a Uint8Array', bytes === null ? 'null' : typeof bytes)
  }
  if (bytes.length > TPMS_ATTEST_MAX_BYTES) {
    throw malformed('TPMS_ATTEST', `at most ${TPMS_ATTEST_MAX_BYTES} bytes`, `${bytes.length}`)
  }
  const r = createTpmReader(bytes, 'TPMS_ATTEST')
  const magic = r.u32('magic')
  if (magic !== TPM_GENERATED_VALUE) {
    throw malformed('TPMS_ATTEST.magic', '0xff544347 (TPM_GENERATED_VALUE)', hex32(magic))
  }
  const type = r.u16('type')
  if (type !== TPM_ST_ATTEST_QUOTE && type !== TPM_ST_ATTEST_CERTIFY) {
    throw malformed('TPMS_ATTEST.type', '0x8018 (quote) or 0x8017 (certify)', hex16(type))
  }
  const qualifiedSigner = r.sized('qualifiedSigner', NAME_MAX)
  const extraData = r.sized('extraData', DATA_MAX)
  const clock = r.u64('clockInfo.clock')
  const resetCount = r.u32('clockInfo.resetCount')
  const restartCount = r.u32('clockInfo.restartCount')
  const safe = r.u8('clockInfo.safe')
  if (safe > 1) throw malformed('TPMS_ATTEST.clockInfo.safe', '0 or 1 (TPMI_YES_NO)', `${safe}`)
  const firmwareVersion = r.u64('firmwareVersion')
  const common = {
    qualifiedSigner,
    extraData,
    clockInfo: Object.freeze({ clock, resetCount, restartCount, safe: safe === 1 }),
    firmwareVersion,
  }
  if (type === TPM_ST_ATTEST_CERTIFY) {
    const name = r.sized('attested.name', NAME_MAX)
    const qualifiedName = r.sized('attested.qualifiedName', NAME_MAX)
    r.end('TPMS_ATTEST')
    return Object.freeze({ type: 'certify', ...common, name, qualifiedName })
  }
  const count = r.u32('attested.pcrSelect.count')
  if (count > MAX_BANKS) {
    throw malformed('TPMS_ATTEST.attested.pcrSelect.count', `at most ${MAX_BANKS}`, `${count}`)
  }
  const pcrSelections: PcrSelection[] = []
  for (let i = 0; i < count; i++) {
    const field = `attested.pcrSelect[${i}]`
    const hashAlg = r.u16(`${field}.hash`)
    const size = r.u8(`${field}.sizeofSelect`)
    if (size < PCR_SELECT_MIN || size > PCR_SELECT_MAX) {
      throw malformed(
        `TPMS_ATTEST.${field}.sizeofSelect`,
        `${PCR_SELECT_MIN} to ${PCR_SELECT_MAX}`,
        `${size}`,
      )
    }
    const bitmap = r.bytes(`${field}.pcrSelect`, size)
    const pcrs: number[] = []
    for (let pcr = 0; pcr < size * 8; pcr++) {
      if (((bitmap[pcr >> 3] as number) >> (pcr & 7)) & 1) pcrs.push(pcr)
    }
    pcrSelections.push(Object.freeze({ hashAlg, pcrs: Object.freeze(pcrs) }))
  }
  const pcrDigest = r.sized('attested.pcrDigest', DATA_MAX)
  r.end('TPMS_ATTEST')
  return Object.freeze({
    type: 'quote',
    ...common,
    pcrSelections: Object.freeze(pcrSelections),
    pcrDigest,
  })
}

function hex16(value: number): string {
  return `0x${value.toString(16).padStart(4, '0')}`
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`
}

function malformed(field: string, expected: string, got: string): VeriotError {
  return new VeriotError('ATTESTATION_MALFORMED', `"${field}" expected ${expected}, got ${got}`, {
    context: { field },
  })
}
