// Public entry of @veriot/device: the device SDK (key stores so far).

export { createDeviceKey } from './keys/createDeviceKey.ts'
export type { DeviceKey } from './keys/DeviceKey.ts'
export type { KeySecrets } from './keys/KeySecrets.ts'
export { openDeviceKey } from './keys/openDeviceKey.ts'
export { DEFAULT_PKCS11_MODULE_PATH, type KeyRef, parseKeyRef } from './keys/parseKeyRef.ts'
export type { Pkcs11KeyOptions } from './keys/pkcs11/assertPkcs11KeyOptions.ts'
export { createPkcs11Key } from './keys/pkcs11/createPkcs11Key.ts'
export { openPkcs11Key } from './keys/pkcs11/openPkcs11Key.ts'
export {
  type CreateSoftwareKeyFileOptions,
  createSoftwareKeyFile,
} from './keys/software/createSoftwareKeyFile.ts'
export { openSoftwareKeyFile } from './keys/software/openSoftwareKeyFile.ts'
