// Opens a TPM key file: checks it, and returns the identity key, the attestation key's quotes and
// the certification binding them.

import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { p256 } from '@noble/curves/nist.js'
import { equalBytes } from '@noble/curves/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  bytesToHex,
  concatBytes,
  hexToBytes,
  randomBytes,
  utf8ToBytes,
} from '@noble/hashes/utils.js'
import {
  type AttestationKeyCertification,
  isVeriotError,
  parseTpmsAttest,
  parseTpmtPublic,
  type TpmEccPublic,
  TpmObjectAttribute,
  tpmtSignatureToCompact,
  VeriotError,
  verifyP256,
} from '@veriot/core'
import { assertSignMessage } from '../assertSignMessage.ts'
import { createClosedKeyError } from '../createClosedKeyError.ts'
import type { DeviceKey } from '../DeviceKey.ts'
import { assertTpmKeyOptions } from './assertTpmKeyOptions.ts'
import type { TpmKeyOptions, TpmKeyStore, TpmQuote } from './TpmKeyStore.ts'
import { TPM_KEY_FILE_MAX_BYTES, tpmKeyFileSchema } from './tpmKeyFileSchema.ts'
import { type TpmSession, type WrappedTpmKey, withTpmSession } from './withTpmSession.ts'

const SELF_CHECK_TAG = utf8ToBytes('veriot/device-key/self-check\0')
// A PCR can change between the quote and the read of its value; try again that many times.
const QUOTE_ATTEMPTS = 3

/**
 * Opens the TPM key file at `options.path`. Checks the file's form, that the identity key is an
 * unrestricted fixedTPM P-256 signing key and the attestation key a restricted one, that the
 * certification in the file is the identity key's over the attestation key's TPM name, and that
 * the identity key in this TPM signs a random challenge verifiable with its public key (a key file
 * from another TPM fails to load).
 *
 * @throws INVALID_ARGUMENT, KEY_FILE_NOT_FOUND, KEY_FILE_MALFORMED, TPM_OPERATION_FAILED
 * @example
 * const store = await openTpmKeyStore({ path: '/var/lib/veriot/device.tpmkey' })
 * const signature = await store.identityKey.sign(message)
 * await store.close()
 */
export async function openTpmKeyStore(options: TpmKeyOptions): Promise<TpmKeyStore> {
  const { path, tcti } = assertTpmKeyOptions(options)
  const file = await readKeyFile(path)
  const identity = wrappedKeyFromHex(file.identity)
  const attestation = wrappedKeyFromHex(file.attestation)
  const identityPublic = parsePublic(identity, 'identity.public')
  const akPublic = parsePublic(attestation, 'attestation.public')
  const hardware =
    TpmObjectAttribute.fixedTPM | TpmObjectAttribute.fixedParent | TpmObjectAttribute.sign
  const has = (p: TpmEccPublic, bits: number) => (p.objectAttributes & bits) === bits
  if (!has(identityPublic, hardware) || has(identityPublic, TpmObjectAttribute.restricted)) {
    throw malformedFile('identity.public', 'an unrestricted fixedTPM signing key', identityPublic)
  }
  if (!has(akPublic, hardware | TpmObjectAttribute.restricted)) {
    throw malformedFile('attestation.public', 'a restricted fixedTPM signing key', akPublic)
  }
  const certification: AttestationKeyCertification = Object.freeze({
    public: tpmtPublicOf(attestation.public, 'attestation.public'),
    certifyInfo: hexToBytes(file.certification.certifyInfo),
    signature: hexToBytes(file.certification.signature),
  })
  assertCertification(certification, akPublic, identityPublic.publicKey)

  let closed = false
  const assertOpen = () => {
    if (closed) throw createClosedKeyError('tpm')
  }
  const identityKey: DeviceKey = Object.freeze({
    kind: 'tpm' as const,
    get publicKey() {
      return identityPublic.publicKey.slice()
    },
    async sign(message: Uint8Array): Promise<Uint8Array> {
      assertOpen()
      assertSignMessage(message)
      const digest = sha256(message)
      return withTpmSession(tcti, async (session) => {
        const ctx = await session.load('identity', identity)
        await writeFile(join(session.dir, 'digest.bin'), digest)
        await session.run('tpm2_sign', [
          '-c',
          ctx,
          '-g',
          'sha256',
          '-d',
          '-o',
          'sig.bin',
          'digest.bin',
        ])
        return readSignature(session, 'sig.bin', 'tpm2_sign')
      })
    },
    async close(): Promise<void> {
      closed = true
    },
  })

  // A key file from another TPM, or a TPM that is not there, fails here rather than later.
  const challenge = concatBytes(SELF_CHECK_TAG, randomBytes(32))
  if (
    !p256.verify(await identityKey.sign(challenge), challenge, identityPublic.publicKey, {
      lowS: false,
    })
  ) {
    throw malformedFile(
      'identity',
      'a key whose signatures verify with identity.public',
      identityPublic,
    )
  }

  return Object.freeze({
    path,
    identityKey,
    get attestationPublicKey() {
      return akPublic.publicKey.slice()
    },
    attestationKeyCertification: certification,
    async quote(nonce: Uint8Array, pcrs: readonly number[]): Promise<TpmQuote> {
      assertOpen()
      if (!(nonce instanceof Uint8Array) || nonce.length < 1 || nonce.length > 64) {
        throw invalidArgument('nonce', '1 to 64 bytes', nonce)
      }
      const selection = [...new Set(pcrs)].sort((a, b) => a - b)
      if (selection.length === 0 || !selection.every(isPcrIndex)) {
        throw invalidArgument('pcrs', 'PCR indices 0 to 23', pcrs)
      }
      for (let attempt = 1; ; attempt++) {
        const quote = await withTpmSession(tcti, (session) =>
          runQuote(session, attestation, nonce, selection),
        )
        if (quote !== undefined) return quote
        if (attempt === QUOTE_ATTEMPTS) {
          throw new VeriotError(
            'TPM_OPERATION_FAILED',
            `"tpm2_quote" expected PCR values matching the quote, got PCRs that kept changing (${QUOTE_ATTEMPTS} attempts)`,
            { context: { path } },
          )
        }
      }
    },
    async extendPcr(pcr: number, digest: Uint8Array): Promise<void> {
      assertOpen()
      if (!isPcrIndex(pcr)) throw invalidArgument('pcr', 'a PCR index 0 to 23', pcr)
      if (!(digest instanceof Uint8Array) || digest.length !== 32) {
        throw invalidArgument('digest', '32 bytes (SHA-256)', digest)
      }
      await withTpmSession(tcti, (session) =>
        session.run('tpm2_pcrextend', [`${pcr}:sha256=${bytesToHex(digest)}`]),
      )
    },
    async close(): Promise<void> {
      closed = true
    },
  })
}

/** Returns undefined when the PCR values read with the quote do not match its digest. */
async function runQuote(
  session: TpmSession,
  attestation: WrappedTpmKey,
  nonce: Uint8Array,
  selection: readonly number[],
): Promise<TpmQuote | undefined> {
  const ctx = await session.load('attestation', attestation)
  await session.run('tpm2_quote', [
    '-c',
    ctx,
    '-l',
    `sha256:${selection.join(',')}`,
    '-q',
    bytesToHex(nonce),
    '-g',
    'sha256',
    '-m',
    'quote.msg',
    '-s',
    'quote.sig',
    '-o',
    'pcrs.bin',
    '-F',
    'values',
    '-Q',
  ])
  const quoted = new Uint8Array(await readFile(join(session.dir, 'quote.msg')))
  const signature = await readSignature(session, 'quote.sig', 'tpm2_quote')
  const values = new Uint8Array(await readFile(join(session.dir, 'pcrs.bin')))
  const attest = fromTpm('tpm2_quote', () => parseTpmsAttest(quoted))
  if (attest.type !== 'quote' || values.length !== 32 * selection.length) {
    throw new VeriotError(
      'TPM_OPERATION_FAILED',
      `"tpm2_quote" expected a quote and ${selection.length} PCR values, got a ${attest.type} and ${values.length} bytes`,
    )
  }
  // tpm2_quote writes the values in ascending PCR order, the order the digest covers.
  if (!equalBytes(sha256(values), attest.pcrDigest)) return undefined
  const pcrValues: Record<string, Uint8Array> = {}
  selection.forEach((pcr, i) => {
    pcrValues[String(pcr)] = values.slice(32 * i, 32 * (i + 1))
  })
  return Object.freeze({ quoted, signature, pcrValues: Object.freeze(pcrValues) })
}

async function readSignature(session: TpmSession, file: string, tool: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(await readFile(join(session.dir, file)))
  return fromTpm(tool, () => tpmtSignatureToCompact(bytes))
}

/** Runs a parser over tpm2-tools output; what it refuses is the TPM's failure, not the caller's. */
function fromTpm<T>(tool: string, parse: () => T): T {
  try {
    return parse()
  } catch (err) {
    throw new VeriotError(
      'TPM_OPERATION_FAILED',
      `"${tool}" expected well-formed output, got ${err instanceof Error ? err.message : String(err)}`,
      { cause: err, context: { tool } },
    )
  }
}

/** Checks the certification against the keys in the same file, so a tampered file is refused. */
function assertCertification(
  certification: AttestationKeyCertification,
  akPublic: TpmEccPublic,
  identityPublicKey: Uint8Array,
): void {
  let ok = false
  try {
    const certify = parseTpmsAttest(certification.certifyInfo)
    ok =
      certify.type === 'certify' &&
      equalBytes(certify.name, akPublic.name) &&
      verifyP256(certification.signature, certification.certifyInfo, identityPublicKey)
  } catch {
    ok = false
  }
  if (!ok) {
    throw new VeriotError(
      'KEY_FILE_MALFORMED',
      '"certification" expected a TPM2_Certify of the attestation key by the identity key, got one that does not verify',
      { context: { field: 'certification' } },
    )
  }
}

async function readKeyFile(path: string) {
  let text: string
  try {
    const bytes = await readFile(path)
    if (bytes.length > TPM_KEY_FILE_MAX_BYTES) {
      throw new VeriotError(
        'KEY_FILE_MALFORMED',
        `"file" expected at most ${TPM_KEY_FILE_MAX_BYTES} bytes, got ${bytes.length}`,
        { context: { path, field: 'file' } },
      )
    }
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch (err) {
    if (isVeriotError(err)) throw err
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR') {
      throw new VeriotError(
        'KEY_FILE_NOT_FOUND',
        `"path" expected a readable TPM key file, got ${code}`,
        {
          cause: err,
          context: { path },
        },
      )
    }
    throw new VeriotError(
      'KEY_FILE_MALFORMED',
      '"file" expected UTF-8 JSON, got unreadable bytes',
      {
        cause: err,
        context: { path, field: 'file' },
      },
    )
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new VeriotError(
      'KEY_FILE_MALFORMED',
      '"file" expected JSON, got text that does not parse',
      {
        cause: err,
        context: { path, field: 'file' },
      },
    )
  }
  const result = tpmKeyFileSchema.safeParse(json)
  if (!result.success) {
    const issue = result.error.issues[0]
    const field = issue?.path.join('.') || 'file'
    throw new VeriotError('KEY_FILE_MALFORMED', `"${field}" ${issue?.message ?? 'is invalid'}`, {
      context: { path, field },
    })
  }
  return result.data
}

/** TPM2B_PUBLIC (what tpm2_create writes) to the TPMT_PUBLIC inside it. */
function tpmtPublicOf(tpm2bPublic: Uint8Array, field: string): Uint8Array {
  const size = ((tpm2bPublic[0] ?? 0) << 8) | (tpm2bPublic[1] ?? 0)
  if (tpm2bPublic.length < 2 || size !== tpm2bPublic.length - 2) {
    throw new VeriotError(
      'KEY_FILE_MALFORMED',
      `"${field}" expected a TPM2B_PUBLIC whose size is ${tpm2bPublic.length - 2}, got size ${size}`,
      { context: { field } },
    )
  }
  return tpm2bPublic.slice(2)
}

function parsePublic(key: WrappedTpmKey, field: string): TpmEccPublic {
  const tpmt = tpmtPublicOf(key.public, field)
  try {
    return parseTpmtPublic(tpmt)
  } catch (err) {
    throw new VeriotError(
      'KEY_FILE_MALFORMED',
      `"${field}" expected a P-256 ECDSA TPM key, got: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err, context: { field } },
    )
  }
}

function malformedFile(field: string, expected: string, key: TpmEccPublic): VeriotError {
  return new VeriotError(
    'KEY_FILE_MALFORMED',
    `"${field}" expected ${expected}, got attributes 0x${key.objectAttributes.toString(16).padStart(8, '0')}`,
    { context: { field } },
  )
}

function isPcrIndex(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 23
}

function invalidArgument(field: string, expected: string, got: unknown): VeriotError {
  const what =
    got instanceof Uint8Array
      ? `${got.length} bytes`
      : Array.isArray(got)
        ? `[${got.slice(0, 8).join(',')}]`
        : typeof got === 'number'
          ? String(got)
          : typeof got
  return new VeriotError('INVALID_ARGUMENT', `"${field}" expected ${expected}, got ${what}`, {
    context: { field },
  })
}

/** Hex (from the key file) to bytes. */
function wrappedKeyFromHex(key: { public: string; private: string }): WrappedTpmKey {
  return { public: hexToBytes(key.public), private: hexToBytes(key.private) }
}
