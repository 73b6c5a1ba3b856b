// Opens the identity key of a TPM key file as a DeviceKey, for code that only signs.

import type { DeviceKey } from '../DeviceKey.ts'
import { openTpmKeyStore } from './openTpmKeyStore.ts'
import type { TpmKeyOptions } from './TpmKeyStore.ts'

/**
 * The device identity key of the TPM key file at `options.path` (kind 'tpm'). Signs like every
 * DeviceKey: ECDSA P-256 over SHA-256(message), r ‖ s, any s.
 *
 * @throws those of openTpmKeyStore
 * @example
 * const key = await openTpmKey({ path: '/var/lib/veriot/device.tpmkey' })
 * const signature = await key.sign(message)
 */
export async function openTpmKey(options: TpmKeyOptions): Promise<DeviceKey> {
  const store = await openTpmKeyStore(options)
  return store.identityKey
}
