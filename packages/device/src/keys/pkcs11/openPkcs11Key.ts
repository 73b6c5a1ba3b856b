// Opens a P-256 key pair kept in a PKCS#11 token, found by label, as a DeviceKey.

import { p256 } from '@noble/curves/nist.js'
import { equalBytes } from '@noble/curves/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { type ErrorContext, VeriotError } from '@veriot/core'
import pkcs11js from 'pkcs11js'
import { assertSignMessage } from '../assertSignMessage.ts'
import { createClosedKeyError } from '../createClosedKeyError.ts'
import type { DeviceKey } from '../DeviceKey.ts'
import { assertPkcs11KeyOptions, type Pkcs11KeyOptions } from './assertPkcs11KeyOptions.ts'
import { ecPointToPublicKey } from './ecPointToPublicKey.ts'
import { getPkcs11Objects } from './getPkcs11Objects.ts'
import { openPkcs11Session, type Pkcs11Session } from './openPkcs11Session.ts'
import { P256_EC_PARAMS } from './p256Params.ts'
import { pkcs11ErrorToVeriotError } from './pkcs11ErrorToVeriotError.ts'

const SELF_CHECK_TAG = utf8ToBytes('veriot/device-key/self-check\0')

/**
 * Logs in to the token and finds the private key (CKO_PRIVATE_KEY, CKK_EC, CKA_LABEL = label)
 * and its public key (same label and CKA_ID). The key must be P-256, allowed to sign, sensitive
 * and not extractable; one signature over a random challenge is checked against the public key
 * before the key is returned, so a mismatched pair is never handed out.
 *
 * sign() hashes with SHA-256 in software and signs the digest with CKM_ECDSA; calls on one key
 * run one after another, since a session holds one signing operation at a time.
 *
 * @throws KEY_PASSPHRASE_MISSING, INVALID_ARGUMENT, PKCS11_MODULE_LOAD_FAILED,
 *   PKCS11_TOKEN_NOT_FOUND, PKCS11_PIN_INCORRECT, PKCS11_KEY_NOT_FOUND, KEY_MALFORMED,
 *   PKCS11_OPERATION_FAILED
 * @example
 * const key = await openPkcs11Key({
 *   modulePath: '/usr/lib/softhsm/libsofthsm2.so',
 *   tokenLabel: 'veriot',
 *   pin: process.env.VERIOT_PKCS11_PIN,
 *   label: 'gateway-1',
 * })
 */
export async function openPkcs11Key(options: Pkcs11KeyOptions): Promise<DeviceKey> {
  assertPkcs11KeyOptions(options)
  const session = openPkcs11Session({ ...options, readWrite: false })
  const context = {
    modulePath: options.modulePath,
    tokenLabel: options.tokenLabel,
    label: options.label,
  }
  let key: DeviceKey | undefined
  try {
    const { privateKey, publicKey } = findKeyPair(session, options.label, context)
    key = createPkcs11DeviceKey(session, privateKey, publicKey, context)
    await assertKeyPairMatches(key, context)
    return key
  } catch (err) {
    if (key === undefined) session.close()
    else await key.close()
    throw pkcs11ErrorToVeriotError(err, context)
  }
}

function findKeyPair(
  session: Pkcs11Session,
  label: string,
  context: ErrorContext,
): { privateKey: Buffer; publicKey: Uint8Array } {
  const { pkcs11 } = session.module
  const labelBytes = Buffer.from(label, 'utf8')
  const privateKeys = getPkcs11Objects(session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC },
    { type: pkcs11js.CKA_LABEL, value: labelBytes },
  ])
  const privateKey = exactlyOne(privateKeys, 'EC private key', label, context)
  const [params, id, canSign, sensitive, extractable] = pkcs11
    .C_GetAttributeValue(session.handle, privateKey, [
      { type: pkcs11js.CKA_EC_PARAMS },
      { type: pkcs11js.CKA_ID },
      { type: pkcs11js.CKA_SIGN },
      { type: pkcs11js.CKA_SENSITIVE },
      { type: pkcs11js.CKA_EXTRACTABLE },
    ])
    .map((attribute) => attribute.value)
  if (params === undefined || !equalBytes(params, P256_EC_PARAMS)) {
    throw malformed(
      'CKA_EC_PARAMS',
      'the P-256 OID 1.2.840.10045.3.1.7',
      `${params?.toString('hex') ?? 'nothing'} (hex)`,
      context,
    )
  }
  if (!isTrue(canSign)) throw malformed('CKA_SIGN', 'true', 'false', context)
  // Only a key that cannot leave the token is a device key in the sense of the design.
  if (!isTrue(sensitive)) throw malformed('CKA_SENSITIVE', 'true', 'false', context)
  if (isTrue(extractable)) throw malformed('CKA_EXTRACTABLE', 'false', 'true', context)

  const publicKeys = getPkcs11Objects(session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC },
    { type: pkcs11js.CKA_LABEL, value: labelBytes },
    { type: pkcs11js.CKA_ID, value: id ?? Buffer.alloc(0) },
  ])
  const publicKeyHandle = exactlyOne(publicKeys, 'EC public key', label, context)
  const [ecPoint] = pkcs11.C_GetAttributeValue(session.handle, publicKeyHandle, [
    { type: pkcs11js.CKA_EC_POINT },
  ])
  return { privateKey, publicKey: ecPointToPublicKey(ecPoint?.value ?? new Uint8Array()) }
}

function createPkcs11DeviceKey(
  session: Pkcs11Session,
  privateKey: Buffer,
  publicKey: Uint8Array,
  context: ErrorContext,
): DeviceKey {
  const { pkcs11 } = session.module
  // A session runs one signing operation at a time: C_SignInit … C_Sign must not interleave.
  let queue: Promise<unknown> = Promise.resolve()
  let closing: Promise<void> | undefined

  return Object.freeze({
    kind: 'pkcs11' as const,
    get publicKey() {
      return publicKey.slice()
    },
    async sign(message: Uint8Array): Promise<Uint8Array> {
      if (closing !== undefined) throw createClosedKeyError('pkcs11')
      assertSignMessage(message)
      const digest = Buffer.from(sha256(message))
      const run = queue.then(async () => {
        try {
          pkcs11.C_SignInit(session.handle, { mechanism: pkcs11js.CKM_ECDSA }, privateKey)
          // CKM_ECDSA returns r ‖ s, each as long as the order: 64 bytes for P-256.
          const signature = await pkcs11.C_SignAsync(session.handle, digest, Buffer.alloc(64))
          if (signature.length !== 64) {
            throw new VeriotError(
              'PKCS11_OPERATION_FAILED',
              `"C_Sign" expected 64 bytes (r ‖ s), got ${signature.length}`,
              { context },
            )
          }
          return Uint8Array.from(signature)
        } catch (err) {
          throw pkcs11ErrorToVeriotError(err, context)
        }
      })
      queue = run.catch(() => undefined)
      return run
    },
    close(): Promise<void> {
      // Signatures already queued finish first; later sign() calls are refused.
      closing ??= queue.then(() => session.close())
      return closing
    },
  })
}

async function assertKeyPairMatches(key: DeviceKey, context: ErrorContext): Promise<void> {
  const challenge = concatBytes(SELF_CHECK_TAG, randomBytes(32))
  const signature = await key.sign(challenge)
  if (!p256.verify(signature, challenge, key.publicKey, { lowS: false })) {
    throw malformed(
      'CKA_EC_POINT',
      'the public key of the private key with this label',
      'another key',
      context,
    )
  }
}

function exactlyOne(handles: Buffer[], what: string, label: string, context: ErrorContext): Buffer {
  if (handles.length !== 1) {
    throw new VeriotError(
      'PKCS11_KEY_NOT_FOUND',
      `"label" expected exactly one ${what} labelled "${label}", got ${handles.length}`,
      { context: { ...context, count: handles.length } },
    )
  }
  return handles[0] as Buffer
}

function isTrue(value: Buffer | undefined): boolean {
  return value !== undefined && value.length > 0 && value.some((byte) => byte !== 0)
}

function malformed(
  attribute: string,
  expected: string,
  got: string,
  context: ErrorContext,
): VeriotError {
  return new VeriotError('KEY_MALFORMED', `"${attribute}" expected ${expected}, got ${got}`, {
    context: { ...context, attribute },
  })
}
