// Public entry of @veriot/device: the device SDK (keys, telemetry suites and publishers).

export type { Attester } from './attestation/Attester.ts'
export {
  createGatewayAttestationClient,
  type GatewayAttestationClient,
  type GatewayAttestationClientOptions,
  type GatewayAttestationResult,
} from './attestation/createGatewayAttestationClient.ts'
export {
  createSoftwareAttester,
  type SoftwareAttesterOptions,
} from './attestation/createSoftwareAttester.ts'
export { createTpmAttester, type TpmAttesterOptions } from './attestation/createTpmAttester.ts'
export type { FirmwareVersionOption } from './attestation/getFirmwareVersionClaim.ts'
export {
  type AggregateEvidence,
  createVerifyingClient,
  type Evidence,
  type VerifyingClient,
  type VerifyingClientOptions,
} from './client/createVerifyingClient.ts'
export {
  AUTHORITY_REGISTRY_LAYOUT,
  type AuthoritySet,
  readAuthoritySet,
} from './client/readAuthoritySet.ts'
export {
  createFirmwareUpdater,
  type FirmwareUpdate,
  type FirmwareUpdater,
  type FirmwareUpdaterOptions,
} from './firmware/createFirmwareUpdater.ts'
export {
  createTpmMeasuredBoot,
  type TpmMeasuredBootOptions,
} from './firmware/createTpmMeasuredBoot.ts'
export type {
  FirmwareCandidate,
  InstallableRelease,
  InstallPolicy,
  MeasuredBoot,
} from './firmware/FirmwareUpdate.ts'
export {
  type ReleaseInstallSlots,
  releaseInstallSlots,
} from './firmware/releaseInstallSlots.ts'
export { verifyReleaseForInstall } from './firmware/verifyReleaseForInstall.ts'
export { createDeviceKey } from './keys/createDeviceKey.ts'
export type { DeviceKey } from './keys/DeviceKey.ts'
export type { KeySecrets } from './keys/KeySecrets.ts'
export { openDeviceKey } from './keys/openDeviceKey.ts'
export { DEFAULT_PKCS11_MODULE_PATH, type KeyRef, parseKeyRef } from './keys/parseKeyRef.ts'
export type { Pkcs11KeyOptions } from './keys/pkcs11/assertPkcs11KeyOptions.ts'
export { createPkcs11Key } from './keys/pkcs11/createPkcs11Key.ts'
export { openPkcs11Key } from './keys/pkcs11/openPkcs11Key.ts'
export { createMemoryKey } from './keys/software/createMemoryKey.ts'
export {
  type CreateSoftwareKeyFileOptions,
  createSoftwareKeyFile,
} from './keys/software/createSoftwareKeyFile.ts'
export { openSoftwareKeyFile } from './keys/software/openSoftwareKeyFile.ts'
export { createTpmKeyStore } from './keys/tpm/createTpmKeyStore.ts'
export { openTpmKey } from './keys/tpm/openTpmKey.ts'
export { openTpmKeyStore } from './keys/tpm/openTpmKeyStore.ts'
export type { TpmKeyOptions, TpmKeyStore, TpmQuote } from './keys/tpm/TpmKeyStore.ts'
export type { AuxKey } from './suites/AuxKey.ts'
export { createEd25519Key } from './suites/createEd25519Key.ts'
export { createMlDsa44Key } from './suites/createMlDsa44Key.ts'
export {
  createTelemetrySigner,
  type P256SigningKey,
  type TelemetrySignerKeys,
} from './suites/createTelemetrySigner.ts'
export { signTelemetry } from './suites/signTelemetry.ts'
export type { TelemetrySigner } from './suites/TelemetrySigner.ts'
export {
  createDurableQueue,
  type DurableQueue,
  type QueuedItem,
} from './telemetry/createDurableQueue.ts'
export {
  createHttpPublisher,
  type HttpPublisher,
  type HttpPublisherOptions,
  type HttpSendResult,
} from './telemetry/createHttpPublisher.ts'
export { createMqttConnectToken } from './telemetry/createMqttConnectToken.ts'
export {
  createMqttPublisher,
  type GatewayRejection,
  type MqttPublisher,
  type MqttPublisherOptions,
} from './telemetry/createMqttPublisher.ts'
export {
  createSequenceCounter,
  type SequenceCounter,
  type SequenceCounterOptions,
} from './telemetry/createSequenceCounter.ts'
export {
  createTelemetryDevice,
  type TelemetryDeviceOptions,
} from './telemetry/createTelemetryDevice.ts'
export {
  MQTT_CONNECT_DOMAIN,
  mqttConnectSigningBytes,
} from './telemetry/mqttConnectSigningBytes.ts'
export { type MqttTopics, mqttTopicsOf } from './telemetry/mqttTopicsOf.ts'
export type { SignedTelemetry, TelemetryDevice } from './telemetry/TelemetryDevice.ts'
export {
  MQTT_CONNECT_MAX_SKEW_MS,
  type MqttConnectTokenContext,
  verifyMqttConnectToken,
} from './telemetry/verifyMqttConnectToken.ts'
export { arrayElementSlot } from './verified/arrayElementSlot.ts'
export {
  ATTESTATION_DOMAIN,
  type AttestationSubject,
  attestationDigest,
} from './verified/attestationDigest.ts'
export { type DeviceWord, decodeDeviceWord } from './verified/decodeDeviceWord.ts'
export {
  decodeVerifiedReadBinary,
  VERIFIED_READ_BINARY_MAX_BYTES,
} from './verified/decodeVerifiedReadBinary.ts'
export {
  DEVICE_RECORD_WORDS,
  DEVICE_REGISTRY_LAYOUT,
  deviceRegistrySlots,
} from './verified/deviceRegistrySlots.ts'
export {
  encodeVerifiedReadBinary,
  VERIFIED_READ_BINARY_KEYS,
  VERIFIED_READ_BINARY_MAX_DEPTH,
} from './verified/encodeVerifiedReadBinary.ts'
export { findLog } from './verified/findLog.ts'
export { keccak256, keccakEngine, loadKeccakWasm, useKeccakEngine } from './verified/keccak256.ts'
export { mappingSlot } from './verified/mappingSlot.ts'
export {
  parseVerifiedReadResponse,
  VERIFIED_READ_MAX_HEADER_BYTES,
  VERIFIED_READ_MAX_NODE_BYTES,
  VERIFIED_READ_MAX_PROOF_NODES,
  VERIFIED_READ_MAX_SIGNATURES,
  VERIFIED_READ_MAX_SLOTS,
  type VerifiedReadResponse,
} from './verified/parseVerifiedReadResponse.ts'
export {
  parseVerifiedReceiptResponse,
  VERIFIED_RECEIPT_MAX_NODE_BYTES,
  VERIFIED_RECEIPT_MAX_PROOF_NODES,
  VERIFIED_RECEIPT_MAX_TRANSACTION_INDEX,
  type VerifiedReceiptResponse,
} from './verified/parseVerifiedReceiptResponse.ts'
export type { StorageSlot } from './verified/storageSlotToWord.ts'
export { structFieldSlot } from './verified/structFieldSlot.ts'
export type {
  Address,
  AttestedBlockPolicy,
  VerifiedRead,
  VerifiedReadPolicy,
} from './verified/VerifiedRead.ts'
export type { ProvenLog, VerifiedReceipt } from './verified/VerifiedReceipt.ts'
export { type ProvenAccount, verifyAccountProof } from './verified/verifyAccountProof.ts'
export {
  type AggregateAttestation,
  BLS_ATTESTATION_DST,
  type BlsEngine,
  getBlsEngine,
  type VerifyAggregateAttestationParameters,
  verifyAggregateAttestation,
  verifyAggregateAttestationWith,
} from './verified/verifyAggregateAttestation.ts'
export {
  type AttestationSignatureEngine,
  getAttestationSignatureEngine,
  verifyAttestationSignature,
  verifyAttestationSignatureWith,
} from './verified/verifyAttestationSignature.ts'
export {
  type Attestation,
  type VerifyAttestationsParameters,
  verifyAttestations,
} from './verified/verifyAttestations.ts'
export { type VerifiedBlockHeader, verifyBlockHeader } from './verified/verifyBlockHeader.ts'
export { verifyStorageProof } from './verified/verifyStorageProof.ts'
export { verifyVerifiedRead } from './verified/verifyVerifiedRead.ts'
export { verifyVerifiedReceipt } from './verified/verifyVerifiedReceipt.ts'
