// A fresh P-256 key that lives only in memory: for simulated devices and tests, never for
// real devices (their keys belong in a key file, an HSM or a TPM).

import { p256 } from '@noble/curves/nist.js'
import type { DeviceKey } from '../DeviceKey.ts'
import { createSoftwareKey } from './createSoftwareKey.ts'

/** Generates a P-256 key in memory. */
export function createMemoryKey(): DeviceKey {
  const secret = p256.utils.randomSecretKey()
  const key = createSoftwareKey(secret)
  secret.fill(0)
  return key
}
