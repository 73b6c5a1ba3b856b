// Public entry of @veriot/core: encodings, hashes, signature suites and error codes (no I/O).
export { type ErrorCode, ErrorCodes, ExitCode } from './errors/codes.ts'
export { type ErrorContext, isVeriotError, VeriotError } from './errors/VeriotError.ts'
export { capabilityFromBytes32, capabilityToBytes32 } from './registry/capability.ts'
export {
  assertDeviceId,
  deviceIdFromPublicKey,
  isDeviceId,
  publicKeyToCoordinates,
} from './registry/deviceId.ts'
export { type DeviceStatus, deviceStatuses, deviceStatusOf } from './registry/deviceStatus.ts'
export { firmwareVersionFromUint64, firmwareVersionToUint64 } from './registry/firmwareVersion.ts'
export {
  encodeRegistrationMessage,
  REGISTRATION_DOMAIN,
  type Registration,
  type RegistrationContext,
} from './registry/registrationMessage.ts'
export { shortStringFromBytes32, shortStringToBytes32 } from './registry/shortString.ts'
export { Suite, type SuiteId, type SuiteName, suiteNameOf } from './registry/suites.ts'
export { p256DerToCompact, verifyP256 } from './signatures/verifyP256.ts'
