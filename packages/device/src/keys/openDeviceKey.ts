// Opens the device key named by a key reference string (`file:…` or `pkcs11:…`).

import { assertKeySecret } from './assertKeySecret.ts'
import type { DeviceKey } from './DeviceKey.ts'
import type { KeySecrets } from './KeySecrets.ts'
import { parseKeyRef } from './parseKeyRef.ts'
import { openPkcs11Key } from './pkcs11/openPkcs11Key.ts'
import { openSoftwareKeyFile } from './software/openSoftwareKeyFile.ts'
import { openTpmKey } from './tpm/openTpmKey.ts'

/**
 * Opens an existing device key. `file:<path>` is unlocked with `secrets.passphrase`; `tpm:<path>`
 * needs no secret (TPM from TPM2TOOLS_TCTI);
 * `pkcs11:token=…;object=…` with `secrets.pin`, or else the URI's `pin-value`.
 *
 * @throws KEY_URI_INVALID, KEY_PASSPHRASE_MISSING, and those of openSoftwareKeyFile or
 *   openPkcs11Key or openTpmKey
 * @example
 * const key = await openDeviceKey('pkcs11:token=veriot;object=gateway-1', {
 *   pin: process.env.VERIOT_PKCS11_PIN,
 * })
 * const signature = await key.sign(message)
 * await key.close()
 */
export async function openDeviceKey(ref: string, secrets: KeySecrets = {}): Promise<DeviceKey> {
  const parsed = parseKeyRef(ref)
  if (parsed.kind === 'file') {
    assertKeySecret(secrets.passphrase, 'passphrase')
    return openSoftwareKeyFile(parsed.path, secrets.passphrase)
  }
  // The TPM keys have no authorization value; the TPM is named by TPM2TOOLS_TCTI.
  if (parsed.kind === 'tpm') return openTpmKey({ path: parsed.path })
  const pin = secrets.pin ?? parsed.pinValue
  assertKeySecret(pin, 'pin')
  return openPkcs11Key({
    modulePath: parsed.modulePath,
    tokenLabel: parsed.tokenLabel,
    label: parsed.label,
    pin,
  })
}
