// Generates a P-256 key pair inside a PKCS#11 token; the private key never leaves it.

import { VeriotError } from '@veriot/core'
import pkcs11js from 'pkcs11js'
import type { DeviceKey } from '../DeviceKey.ts'
import { assertPkcs11KeyOptions, type Pkcs11KeyOptions } from './assertPkcs11KeyOptions.ts'
import { getPkcs11Objects } from './getPkcs11Objects.ts'
import { openPkcs11Key } from './openPkcs11Key.ts'
import { openPkcs11Session } from './openPkcs11Session.ts'
import { P256_EC_PARAMS } from './p256Params.ts'
import { pkcs11ErrorToVeriotError } from './pkcs11ErrorToVeriotError.ts'

/**
 * Generates an EC P-256 key pair in the token with CKM_EC_KEY_PAIR_GEN. Both halves are token
 * objects with CKA_LABEL and CKA_ID set to `label`; the private key is CKA_PRIVATE,
 * CKA_SENSITIVE, not CKA_EXTRACTABLE, and may only sign. Refuses a label already used by any
 * object on the token. Returns the new key, opened as by openPkcs11Key.
 *
 * The label check and the generation are two calls: two processes creating the same label at
 * the same moment can both succeed, and openPkcs11Key then refuses the label as ambiguous.
 *
 * @throws KEY_PASSPHRASE_MISSING, INVALID_ARGUMENT, PKCS11_MODULE_LOAD_FAILED,
 *   PKCS11_TOKEN_NOT_FOUND, PKCS11_PIN_INCORRECT, PKCS11_KEY_EXISTS, KEY_MALFORMED,
 *   PKCS11_OPERATION_FAILED
 * @example
 * const key = await createPkcs11Key({
 *   modulePath: '/usr/lib/softhsm/libsofthsm2.so',
 *   tokenLabel: 'veriot',
 *   pin: process.env.VERIOT_PKCS11_PIN,
 *   label: 'gateway-1',
 * })
 */
export async function createPkcs11Key(options: Pkcs11KeyOptions): Promise<DeviceKey> {
  assertPkcs11KeyOptions(options)
  const context = {
    modulePath: options.modulePath,
    tokenLabel: options.tokenLabel,
    label: options.label,
  }
  const session = openPkcs11Session({ ...options, readWrite: true })
  const { pkcs11 } = session.module
  try {
    const label = Buffer.from(options.label, 'utf8')
    // Logged in, so private objects are visible to this search too.
    if (getPkcs11Objects(session, [{ type: pkcs11js.CKA_LABEL, value: label }], 1).length > 0) {
      throw new VeriotError(
        'PKCS11_KEY_EXISTS',
        `"label" expected a label unused on the token, got "${options.label}"`,
        {
          context,
        },
      )
    }
    const common = [
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_ID, value: label },
    ]
    const pair = await pkcs11.C_GenerateKeyPairAsync(
      session.handle,
      { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
      [
        ...common,
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
        { type: pkcs11js.CKA_PRIVATE, value: false },
        { type: pkcs11js.CKA_VERIFY, value: true },
        { type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from(P256_EC_PARAMS) },
      ],
      [
        ...common,
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: true },
        { type: pkcs11js.CKA_EXTRACTABLE, value: false },
        { type: pkcs11js.CKA_SIGN, value: true },
        { type: pkcs11js.CKA_DECRYPT, value: false },
        { type: pkcs11js.CKA_DERIVE, value: false },
      ],
    )
    try {
      // Also checks what the token made of our template: openPkcs11Key refuses an extractable key.
      return await openPkcs11Key(options)
    } catch (err) {
      // Leave no half-made key behind to block the label.
      for (const handle of [pair.privateKey, pair.publicKey]) {
        try {
          pkcs11.C_DestroyObject(session.handle, handle)
        } catch {
          // Best effort; the original error matters more.
        }
      }
      throw err
    }
  } catch (err) {
    throw pkcs11ErrorToVeriotError(err, context)
  } finally {
    // openPkcs11Key holds its own references to the module and the login.
    session.close()
  }
}
