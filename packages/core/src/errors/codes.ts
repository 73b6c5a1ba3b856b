// Stable error codes of Veriot and the exit status the CLI returns for each. Every code is
// documented in docs/errors.md; a test fails when the two disagree.

/** Exit statuses the `veriot` CLI returns, so scripts can branch on the kind of failure. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  notFound: 3,
  rejected: 4,
  unreachable: 5,
  key: 6,
  config: 7,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** Every error code, with the exit status it maps to. */
export const ErrorCodes = {
  // usage and input
  INVALID_ARGUMENT: ExitCode.usage,
  INVALID_ADDRESS: ExitCode.usage,
  INVALID_DEVICE_ID: ExitCode.usage,
  // keys
  KEY_FILE_NOT_FOUND: ExitCode.key,
  KEY_FILE_EXISTS: ExitCode.key,
  KEY_FILE_MALFORMED: ExitCode.key,
  KEY_PASSPHRASE_WRONG: ExitCode.key,
  KEY_PASSPHRASE_MISSING: ExitCode.key,
  KEY_MALFORMED: ExitCode.key,
  KEY_URI_INVALID: ExitCode.key,
  PKCS11_MODULE_LOAD_FAILED: ExitCode.key,
  PKCS11_TOKEN_NOT_FOUND: ExitCode.key,
  PKCS11_PIN_INCORRECT: ExitCode.key,
  PKCS11_KEY_NOT_FOUND: ExitCode.key,
  PKCS11_KEY_EXISTS: ExitCode.key,
  PKCS11_OPERATION_FAILED: ExitCode.key,
  // signatures
  SIGNATURE_MALFORMED: ExitCode.rejected,
  SIGNATURE_INVALID: ExitCode.rejected,
  // chain and configuration
  RPC_UNREACHABLE: ExitCode.unreachable,
  CHAIN_ID_MISMATCH: ExitCode.config,
  NOT_INITIALIZED: ExitCode.config,
  CONFIG_INVALID: ExitCode.config,
  ACCOUNT_MISSING: ExitCode.config,
  CONTRACT_NOT_DEPLOYED: ExitCode.config,
  ANVIL_START_FAILED: ExitCode.unreachable,
  ALREADY_RUNNING: ExitCode.config,
  TX_FAILED: ExitCode.rejected,
  // device registry (contract errors, decoded)
  DEVICE_UNKNOWN: ExitCode.notFound,
  DEVICE_ALREADY_REGISTERED: ExitCode.rejected,
  DEVICE_TRANSITION_FORBIDDEN: ExitCode.rejected,
  DEVICE_NOT_OWNER: ExitCode.rejected,
  NOT_AUTHORIZED: ExitCode.rejected,
  REGISTRATION_SIGNATURE_INVALID: ExitCode.rejected,
  PUBLIC_KEY_INVALID: ExitCode.rejected,
  SUITE_UNSUPPORTED: ExitCode.rejected,
  AUX_KEY_MISSING: ExitCode.rejected,
  OWNER_INVALID: ExitCode.rejected,
  CAPABILITY_INVALID: ExitCode.rejected,
  ROLE_MISSING: ExitCode.rejected,
  P256_VERIFIER_UNAVAILABLE: ExitCode.config,
  // telemetry messages and ingest (gateway rejections are counted by these codes)
  TELEMETRY_MALFORMED: ExitCode.rejected,
  TELEMETRY_NOT_CANONICAL: ExitCode.rejected,
  TELEMETRY_TOO_LARGE: ExitCode.rejected,
  TELEMETRY_VALUE_INVALID: ExitCode.rejected,
  DEVICE_NOT_ACTIVE: ExitCode.rejected,
  CAPABILITY_MISSING: ExitCode.rejected,
  SUITE_MISMATCH: ExitCode.rejected,
  AUX_KEY_MISMATCH: ExitCode.rejected,
  SEQUENCE_REPLAYED: ExitCode.rejected,
  TIMESTAMP_SKEW: ExitCode.rejected,
  TOPIC_FORBIDDEN: ExitCode.rejected,
  GATEWAY_UNREACHABLE: ExitCode.unreachable,
  // Merkle proofs and proof bundles
  MERKLE_PROOF_INVALID: ExitCode.rejected,
  READING_UNKNOWN: ExitCode.notFound,
  READING_NOT_ANCHORED: ExitCode.notFound,
  BUNDLE_MALFORMED: ExitCode.rejected,
  BUNDLE_KEY_MISMATCH: ExitCode.rejected,
  BUNDLE_ROOT_NOT_ON_CHAIN: ExitCode.rejected,
  // verified reads
  READ_MALFORMED: ExitCode.rejected,
  READ_MISMATCH: ExitCode.rejected,
  HEADER_INVALID: ExitCode.rejected,
  ATTESTATION_QUORUM_MISSING: ExitCode.rejected,
  READ_STALE: ExitCode.rejected,
  STATE_PROOF_INVALID: ExitCode.rejected,
  READ_CONTRACT_MISSING: ExitCode.notFound,
  // conditions (ConditionRegistry; contract errors decoded)
  CONDITION_INVALID: ExitCode.rejected,
  CONDITION_EXISTS: ExitCode.rejected,
  CONDITION_UNKNOWN: ExitCode.notFound,
  CONDITION_CLOSED: ExitCode.rejected,
  CONDITION_NOT_CLOSABLE: ExitCode.rejected,
  CONDITIONS_PAUSED: ExitCode.rejected,
  CONDITIONS_NOT_PAUSED: ExitCode.rejected,
  EVIDENCE_DEVICE_MISMATCH: ExitCode.rejected,
  EVIDENCE_OUTSIDE_WINDOW: ExitCode.rejected,
  EVIDENCE_METRIC_MISMATCH: ExitCode.rejected,
  EVIDENCE_UNIT_MISMATCH: ExitCode.rejected,
  EVIDENCE_NOT_VIOLATING: ExitCode.rejected,
  EVIDENCE_REPLAYED: ExitCode.rejected,
  EVIDENCE_INCOMPLETE: ExitCode.rejected,
  BATCH_REF_INVALID: ExitCode.rejected,
  // storage
  STORE_FAILED: ExitCode.internal,
  // authority nodes
  BLOCK_UNKNOWN: ExitCode.notFound,
  BLOCK_NOT_FINAL: ExitCode.rejected,
  AUTHORITY_UNREACHABLE: ExitCode.unreachable,
  // generic
  INTERNAL: ExitCode.internal,
} as const satisfies Record<string, ExitCode>

export type ErrorCode = keyof typeof ErrorCodes
