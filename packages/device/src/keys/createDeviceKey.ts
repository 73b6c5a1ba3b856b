// Creates a new device key where a key reference string says (`file:…` or `pkcs11:…`).

import { assertKeySecret } from './assertKeySecret.ts'
import type { DeviceKey } from './DeviceKey.ts'
import type { KeySecrets } from './KeySecrets.ts'
import { parseKeyRef } from './parseKeyRef.ts'
import { createPkcs11Key } from './pkcs11/createPkcs11Key.ts'
import {
  type CreateSoftwareKeyFileOptions,
  createSoftwareKeyFile,
} from './software/createSoftwareKeyFile.ts'
import { createTpmKeyStore } from './tpm/createTpmKeyStore.ts'

/**
 * Creates a device key: a new encrypted key file for `file:<path>` (passphrase from
 * `secrets.passphrase`), or a key pair generated inside the token for
 * `pkcs11:token=…;object=…` (PIN from `secrets.pin`, or else the URI's `pin-value`), or a TPM
 * key file with an identity and an attestation key for `tpm:<path>` (TPM from TPM2TOOLS_TCTI).
 * `options` applies to key files only.
 *
 * @throws KEY_URI_INVALID, KEY_PASSPHRASE_MISSING, and those of createSoftwareKeyFile or
 *   createPkcs11Key or createTpmKeyStore
 * @example
 * const key = await createDeviceKey('file:./device.key', {
 *   passphrase: process.env.VERIOT_KEY_PASSPHRASE,
 * })
 */
export async function createDeviceKey(
  ref: string,
  secrets: KeySecrets = {},
  options: CreateSoftwareKeyFileOptions = {},
): Promise<DeviceKey> {
  const parsed = parseKeyRef(ref)
  if (parsed.kind === 'file') {
    assertKeySecret(secrets.passphrase, 'passphrase')
    return createSoftwareKeyFile(parsed.path, secrets.passphrase, options)
  }
  if (parsed.kind === 'tpm') {
    // The attestation key is created and certified too; openTpmKeyStore reaches it later.
    const store = await createTpmKeyStore({ path: parsed.path })
    return store.identityKey
  }
  const pin = secrets.pin ?? parsed.pinValue
  assertKeySecret(pin, 'pin')
  return createPkcs11Key({
    modulePath: parsed.modulePath,
    tokenLabel: parsed.tokenLabel,
    label: parsed.label,
    pin,
  })
}
