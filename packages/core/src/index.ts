// Public entry of @veriot/core: encodings, hashes, signature suites and error codes (no I/O).

export {
  type AssuranceLevel,
  ATTESTATION_EVIDENCE_MAX_JSON_BYTES,
  ATTESTATION_NONCE_MAX_BYTES,
  ATTESTATION_NONCE_MIN_BYTES,
  type AttestationEvidence,
  type AttestationEvidenceJson,
  type AttestationKeyCertification,
  attestationEvidenceToJson,
  parseAttestationEvidence,
  type SoftwareAttestationEvidence,
  type TpmAttestationEvidence,
} from './attestation/AttestationEvidence.ts'
export { assertAttestationFresh } from './attestation/assertAttestationFresh.ts'
export {
  type AttestationChallenges,
  type AttestationChallengesOptions,
  createAttestationChallenges,
} from './attestation/createAttestationChallenges.ts'
export {
  type PcrSelection,
  parseTpmsAttest,
  type TpmClockInfo,
  type TpmsAttest,
} from './attestation/parseTpmsAttest.ts'
export {
  parseTpmtPublic,
  type TpmEccPublic,
  TpmObjectAttribute,
} from './attestation/parseTpmtPublic.ts'
export { PCR_RESET_VALUE, pcrExtend } from './attestation/pcrExtend.ts'
export {
  SOFTWARE_ATTESTATION_DOMAIN,
  softwareAttestationBytes,
} from './attestation/softwareAttestationBytes.ts'
export { tpmtSignatureToCompact } from './attestation/tpmtSignatureToCompact.ts'
export {
  type AttestationResult,
  FIRMWARE_MEASUREMENT_PCR,
  type VerifyAttestationOptions,
  verifyAttestation,
} from './attestation/verifyAttestation.ts'
export { type ErrorCode, ErrorCodes, ExitCode } from './errors/codes.ts'
export { type ErrorContext, isVeriotError, VeriotError } from './errors/VeriotError.ts'
export {
  decodeModelVersionsWord,
  decodeReleaseHeaderWord,
  firmwareVerdictFromWords,
} from './firmware/decodeFirmwareWords.ts'
export {
  FIRMWARE_REGISTRY_LAYOUT,
  type FirmwareStorageSlots,
  firmwareStorageSlots,
} from './firmware/firmwareStorageSlots.ts'
export {
  type FirmwareVerdict,
  firmwareVerdictOf,
  firmwareVerdicts,
  type ReleaseStatus,
  releaseStatuses,
  releaseStatusOf,
} from './firmware/firmwareVerdict.ts'
export {
  encodeReleaseMessage,
  type FirmwareRelease,
  RELEASE_DOMAIN,
} from './firmware/releaseMessage.ts'
export { isMerkleInclusionValid } from './merkle/isMerkleInclusionValid.ts'
export { merkleInclusionProof } from './merkle/merkleInclusionProof.ts'
export { MERKLE_HASH_BYTES, merkleLeafHash } from './merkle/merkleLeafHash.ts'
export { merkleNodeHash } from './merkle/merkleNodeHash.ts'
export { merkleRoot } from './merkle/merkleRoot.ts'
export { type MerkleInclusion, verifyMerkleInclusion } from './merkle/verifyMerkleInclusion.ts'
export { PROOF_BUNDLE_FORMAT, type ProofBundle, parseProofBundle } from './proofs/ProofBundle.ts'
export { verifyProofBundleOffline } from './proofs/verifyProofBundleOffline.ts'
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
export { verifyEd25519 } from './signatures/verifyEd25519.ts'
export {
  ML_DSA_44_PUBLIC_KEY_BYTES,
  ML_DSA_44_SIGNATURE_BYTES,
  verifyMlDsa44,
} from './signatures/verifyMlDsa44.ts'
export { p256DerToCompact, verifyP256 } from './signatures/verifyP256.ts'
export { auxKeyHashOf } from './telemetry/auxKeyHashOf.ts'
export { decodeTelemetry } from './telemetry/decodeTelemetry.ts'
export { encodeTelemetry } from './telemetry/encodeTelemetry.ts'
export { readingIdOf } from './telemetry/readingIdOf.ts'
export { readingValueToCbor } from './telemetry/readingValueToCbor.ts'
export {
  type Reading,
  TELEMETRY_DOMAIN,
  TELEMETRY_MAX_BYTES,
  TELEMETRY_MAX_READINGS,
  TELEMETRY_VERSION,
  type TelemetryMessage,
  type UnsignedTelemetry,
} from './telemetry/TelemetryMessage.ts'
export { telemetryLeafHash } from './telemetry/telemetryLeafHash.ts'
export { telemetrySigningBytes } from './telemetry/telemetrySigningBytes.ts'
export { telemetrySigningBytesFromEncoded } from './telemetry/telemetrySigningBytesFromEncoded.ts'
export {
  type TelemetryKeys,
  verifyTelemetrySignature,
} from './telemetry/verifyTelemetrySignature.ts'
