// Public entry of @veriot/node: chain access, deployment and registry clients.
// Anvil-only helpers live in src/anvil/ (the package's ./anvil export), never here.

export { type AnchorEvent, type Anchorer, createAnchorer } from './anchoring/createAnchorer.ts'
export {
  AnomalyReason,
  type AnomalyReasonEntry,
  type AnomalyReport,
} from './anomaly/AnomalyReport.ts'
export {
  type AnomalyDetector,
  type AnomalyDetectorOptions,
  createAnomalyDetector,
  type DeclaredRange,
} from './anomaly/createAnomalyDetector.ts'
export { assertFirmwareApproved } from './attestation/assertFirmwareApproved.ts'
export {
  type AttestationStatus,
  createGatewayAttestation,
  type FirmwareReader,
  type GatewayAttestation,
  type GatewayAttestationOptions,
} from './attestation/createGatewayAttestation.ts'
export {
  type AttestationRecord,
  type AttestationStore,
  createSqliteAttestationStore,
} from './attestation/createSqliteAttestationStore.ts'
export { accountToBlsSecretKey } from './authority/accountToBlsSecretKey.ts'
export { type Attestation, type Attester, createAttester } from './authority/createAttester.ts'
export {
  type AuthorityNode,
  type AuthorityNodeOptions,
  startAuthorityNode,
} from './authority/createAuthorityNode.ts'
export {
  type AggregateSignedBlockHash,
  createWatchdog,
  type SignedBlockHash,
  type Verdict,
  type Watchdog,
} from './authority/createWatchdog.ts'
export { getBlsPublicKey } from './authority/getBlsPublicKey.ts'
export { registerAuthority } from './authority/registerAuthority.ts'
export { blockHeaderToRlp } from './chain/blockHeaderToRlp.ts'
export { type ChainConnection, connectChain, redactUrl } from './chain/connectChain.ts'
export { type DeployedContract, deployContract } from './chain/deployContract.ts'
export { type AccountSource, loadAccount } from './chain/loadAccount.ts'
export { sendContractTx, type TxResult } from './chain/sendContractTx.ts'
export { toVeriotError } from './chain/toVeriotError.ts'
export {
  type Comparison,
  type ConditionDefinition,
  type ConditionInput,
  conditionToInput,
  thresholdToFixedPoint,
} from './conditions/conditionToInput.ts'
export {
  type BatchRef,
  type BreachRecord,
  type BreachSubmission,
  batchToRef,
  type Compliance,
  type ConditionRecord,
  type ConditionResult,
  type ConditionsClient,
  createConditionsClient,
} from './conditions/createConditionsClient.ts'
export {
  type ConditionRule,
  compareToFixedPoint,
  evaluateReading,
  type ReadingVerdict,
} from './conditions/evaluateReading.ts'
export {
  type SignedTelemetryEvidence,
  telemetryToEvidence,
} from './conditions/telemetryToEvidence.ts'
export {
  type Deployment,
  deployContracts,
  deployFirmwareRegistry,
  deployMissingContracts,
  isDeployed,
} from './deployment/deployContracts.ts'
export { readDeploymentFile, writeDeploymentFile } from './deployment/deploymentFile.ts'
export {
  createFirmwareClient,
  type FirmwareClient,
  type ModelRecord,
  type ReleaseParams,
  type ReleaseRecord,
  type ReleaseSigner,
} from './firmware/createFirmwareClient.ts'
export { createDeviceCache, type DeviceCache } from './gateway/createDeviceCache.ts'
export { createDeviceGuard, type DeviceGuard } from './gateway/createDeviceGuard.ts'
export { createIngest, type Ingest, type IngestResult } from './gateway/createIngest.ts'
export {
  type Gateway,
  type GatewayOptions,
  type GatewayStats,
  startGateway,
} from './gateway/startGateway.ts'
export { errorsTopic, telemetryTopic } from './gateway/topics.ts'
export { createLockdown, type Lockdown, lockdownReasonOf } from './lockdown/createLockdown.ts'
export { createSqliteLockdownJournal } from './lockdown/createSqliteLockdownJournal.ts'
export type { LockdownJournal, LockdownRecord, LockdownState } from './lockdown/LockdownJournal.ts'
export {
  createWebhookNotifier,
  type WebhookEvent,
  type WebhookNotifier,
} from './notify/createWebhookNotifier.ts'
export { createWebhookSignature, verifyWebhookSignature } from './notify/webhookSignature.ts'
export {
  type BreachJob,
  type BreachJobState,
  createPolicyEngine,
  type PolicyEngine,
} from './policy/createPolicyEngine.ts'
export { createProofBundle } from './proofs/createProofBundle.ts'
export { type BundleVerification, verifyProofBundle } from './proofs/verifyProofBundle.ts'
export {
  createRegistryClient,
  type DeviceRecord,
  type RegistrationSigner,
  type RegistryClient,
  type RoleName,
} from './registry/createRegistryClient.ts'
export { getDeviceHistory, type HistoryEntry } from './registry/getDeviceHistory.ts'
export { createSqliteStore } from './store/createSqliteStore.ts'
export type { Batch, ReadingInput, StoredReading, TelemetryStore } from './store/TelemetryStore.ts'
export { writeJsonFileDurably } from './store/writeJsonFileDurably.ts'
