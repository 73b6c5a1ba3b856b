// Turns viem errors into VeriotErrors: contract custom errors by name, network failures as
// RPC_UNREACHABLE, anything else as TX_FAILED with the original as cause.

import {
  deviceStatusOf,
  type ErrorCode,
  firmwareVersionFromUint64,
  releaseStatusOf,
  shortStringFromBytes32,
  VeriotError,
} from '@veriot/core'
import { BaseError, ContractFunctionRevertedError, HttpRequestError, TimeoutError } from 'viem'

/** Contract custom error name → Veriot error code. */
const contractErrorCodes: Record<string, ErrorCode> = {
  DeviceAlreadyRegistered: 'DEVICE_ALREADY_REGISTERED',
  UnknownDevice: 'DEVICE_UNKNOWN',
  InvalidTransition: 'DEVICE_TRANSITION_FORBIDDEN',
  NotDeviceOwner: 'DEVICE_NOT_OWNER',
  NotAuthorized: 'NOT_AUTHORIZED',
  InvalidPublicKey: 'PUBLIC_KEY_INVALID',
  InvalidRegistrationSignature: 'REGISTRATION_SIGNATURE_INVALID',
  UnsupportedSuite: 'SUITE_UNSUPPORTED',
  MissingAuxKey: 'AUX_KEY_MISSING',
  InvalidOwner: 'OWNER_INVALID',
  InvalidCapability: 'CAPABILITY_INVALID',
  AccessControlUnauthorizedAccount: 'ROLE_MISSING',
  P256VerifierUnavailable: 'P256_VERIFIER_UNAVAILABLE',
  InvalidBreakerModel: 'INVALID_ARGUMENT',
  ModelPauseUnchanged: 'MODEL_PAUSE_UNCHANGED',
  // FirmwareRegistry
  InvalidModel: 'FIRMWARE_MODEL_INVALID',
  UnknownModel: 'FIRMWARE_MODEL_UNKNOWN',
  NotModelVendor: 'FIRMWARE_NOT_AUTHORIZED',
  NotVendorOrGuardian: 'FIRMWARE_NOT_AUTHORIZED',
  InvalidVendor: 'FIRMWARE_VENDOR_INVALID',
  InvalidThreshold: 'FIRMWARE_THRESHOLD_INVALID',
  InvalidReleaseKey: 'FIRMWARE_KEY_INVALID',
  DuplicateReleaseKey: 'FIRMWARE_KEY_INVALID',
  InvalidReleaseField: 'FIRMWARE_RELEASE_INVALID',
  VersionNotIncreasing: 'FIRMWARE_VERSION_NOT_INCREASING',
  VersionBelowMinimum: 'FIRMWARE_VERSION_BELOW_MINIMUM',
  UnknownRelease: 'FIRMWARE_RELEASE_UNKNOWN',
  ReleaseNotPending: 'FIRMWARE_RELEASE_NOT_PENDING',
  ReleaseAlreadyRevoked: 'FIRMWARE_RELEASE_REVOKED',
  UnknownReleaseKey: 'FIRMWARE_RELEASE_KEY_UNKNOWN',
  DuplicateApproval: 'FIRMWARE_APPROVAL_DUPLICATE',
  InvalidReleaseSignature: 'FIRMWARE_SIGNATURE_INVALID',
  NoApprovals: 'FIRMWARE_SIGNATURE_INVALID',
  MinimumNotIncreasing: 'FIRMWARE_MINIMUM_INVALID',
  MinimumAboveLatestApproved: 'FIRMWARE_RELEASE_NOT_APPROVED',
  // ConditionRegistry (and its TelemetryCbor library)
  EmptyDeviceSet: 'CONDITION_INVALID',
  TooManyDevices: 'CONDITION_INVALID',
  DuplicateDevice: 'CONDITION_INVALID',
  InvalidWindow: 'CONDITION_INVALID',
  InvalidComparison: 'CONDITION_INVALID',
  InvalidDecimals: 'CONDITION_INVALID',
  InvalidDuration: 'CONDITION_INVALID',
  InvalidMetric: 'CONDITION_INVALID',
  InvalidParty: 'CONDITION_INVALID',
  ConditionExists: 'CONDITION_EXISTS',
  UnknownCondition: 'CONDITION_UNKNOWN',
  ConditionClosed: 'CONDITION_CLOSED',
  DeviceNotInCondition: 'EVIDENCE_DEVICE_MISMATCH',
  DeviceNotActive: 'DEVICE_NOT_ACTIVE',
  DeviceSuiteUnsupported: 'SUITE_UNSUPPORTED',
  EvidenceLength: 'EVIDENCE_INCOMPLETE',
  SequenceGap: 'EVIDENCE_INCOMPLETE',
  ReadingGapTooLong: 'EVIDENCE_INCOMPLETE',
  DurationNotReached: 'EVIDENCE_INCOMPLETE',
  MessageTypeMismatch: 'EVIDENCE_METRIC_MISMATCH',
  MetricMissing: 'EVIDENCE_METRIC_MISMATCH',
  UnitMismatch: 'EVIDENCE_UNIT_MISMATCH',
  ReadingOutsideWindow: 'EVIDENCE_OUTSIDE_WINDOW',
  ReadingNotViolating: 'EVIDENCE_NOT_VIOLATING',
  ReadingAlreadyUsed: 'EVIDENCE_REPLAYED',
  InvalidReadingSignature: 'SIGNATURE_INVALID',
  ValueNotANumber: 'TELEMETRY_VALUE_INVALID',
  ValueNotFinite: 'TELEMETRY_VALUE_INVALID',
  NotAParty: 'NOT_AUTHORIZED',
  WindowNotClosable: 'CONDITION_NOT_CLOSABLE',
  NoBatches: 'BATCH_REF_INVALID',
  BatchNotAnchored: 'BATCH_REF_INVALID',
  BatchOutsideWindow: 'BATCH_REF_INVALID',
  ContractPaused: 'CONDITIONS_PAUSED',
  NotPaused: 'CONDITIONS_NOT_PAUSED',
}

/** ReleaseNotPending of a revoked release is reported as FIRMWARE_RELEASE_REVOKED. */
function codeOf(name: string, args: readonly unknown[]): ErrorCode {
  if (name === 'ReleaseNotPending' && Number(args[2]) === 3) return 'FIRMWARE_RELEASE_REVOKED'
  return contractErrorCodes[name] ?? 'TX_FAILED'
}

/** Maps any error thrown by viem (or already a VeriotError) to a VeriotError. */
export function toVeriotError(err: unknown): VeriotError {
  if (err instanceof VeriotError) return err
  if (err instanceof BaseError) {
    const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError)
    if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName) {
      const name = reverted.data.errorName
      const args = (reverted.data.args ?? []) as readonly unknown[]
      const code = codeOf(name, args)
      return new VeriotError(code, describeRevert(name, args), {
        cause: err,
        context: { contractError: name, ...argsContext(name, args) },
      })
    }
    const network = err.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError)
    if (network !== null && network !== undefined) {
      return new VeriotError(
        'RPC_UNREACHABLE',
        `RPC endpoint did not answer: ${err.shortMessage}`,
        {
          cause: err,
        },
      )
    }
    return new VeriotError('TX_FAILED', err.shortMessage, { cause: err })
  }
  return new VeriotError('INTERNAL', err instanceof Error ? err.message : String(err), {
    cause: err,
  })
}

function describeRevert(name: string, args: readonly unknown[]): string {
  const [a, b, c] = args
  switch (name) {
    case 'DeviceAlreadyRegistered':
      return `device ${a} is already registered (a key is registered once, ever)`
    case 'UnknownDevice':
      return `device ${a} is not registered`
    case 'InvalidTransition':
      return `device ${a}: transition ${deviceStatusOf(Number(b))} → ${deviceStatusOf(Number(c))} is not allowed`
    case 'NotDeviceOwner':
      return `device ${a}: ${b} is not its owner`
    case 'NotAuthorized':
      return `device ${a}: ${b} may not do this`
    case 'InvalidPublicKey':
      return '"public key" expected a point on P-256, got a point off the curve'
    case 'InvalidRegistrationSignature':
      return `device ${a}: the registration signature does not verify (wrong key, chain, registry, nonce or field)`
    case 'UnsupportedSuite':
      return `"suite" expected 1 (p256), 2 (ed25519) or 3 (mldsa44P256), got ${a}`
    case 'MissingAuxKey':
      return `suite ${a} needs an auxiliary key hash`
    case 'InvalidOwner':
      return `"owner" expected a nonzero address other than the current owner, got ${a}`
    case 'InvalidCapability':
      return `"capability" expected nonzero bytes32, got ${a}`
    case 'AccessControlUnauthorizedAccount':
      return `${a} lacks role ${b}`
    case 'P256VerifierUnavailable':
      return `no P-256 verifier answers at ${a} on this chain (see docs/contracts.md for the fallback)`
    case 'InvalidBreakerModel':
      return '"model" expected a nonzero short string'
    case 'ModelPauseUnchanged':
      return `model ${label(a)} is already ${b ? 'paused' : 'running'}`
    // FirmwareRegistry
    case 'InvalidModel':
      return '"model" expected 1 to 31 ASCII characters, got an empty model'
    case 'UnknownModel':
      return `model ${label(a)} has no vendor on FirmwareRegistry (set its release keys first)`
    case 'NotModelVendor':
      return `model ${label(a)}: ${b} is not its vendor (or lacks VENDOR_ROLE)`
    case 'NotVendorOrGuardian':
      return `model ${label(a)}: ${b} is neither its vendor nor a guardian`
    case 'InvalidVendor':
      return `"vendor" expected another account holding VENDOR_ROLE, got ${a}`
    case 'InvalidThreshold':
      return `"threshold" expected 1 ≤ k ≤ n ≤ 32, got k = ${a} with n = ${b} keys`
    case 'InvalidReleaseKey':
      return `release key ${a} is not a point on P-256`
    case 'DuplicateReleaseKey':
      return `release key ${a} is given twice`
    case 'InvalidReleaseField':
      return `release field "${label(a)}" is missing or too long`
    case 'VersionNotIncreasing':
      return `model ${label(a)}: version ${version(b)} is not above the latest published version ${version(c)}`
    case 'VersionBelowMinimum':
      return `model ${label(a)}: version ${version(b)} is below the minimum version ${version(c)}`
    case 'UnknownRelease':
      return `model ${label(a)} has no release ${version(b)}`
    case 'ReleaseNotPending':
      return `release ${label(a)} ${version(b)} is ${releaseStatusOf(Number(c))}, not pending`
    case 'ReleaseAlreadyRevoked':
      return `release ${label(a)} ${version(b)} is already revoked (a lockdown is never lifted)`
    case 'UnknownReleaseKey':
      return `model ${label(a)}: key ${b} is not one of its release keys`
    case 'DuplicateApproval':
      return `release ${label(a)} ${version(b)}: key ${c} has already signed`
    case 'InvalidReleaseSignature':
      return `release ${label(a)} ${version(b)}: the signature of key ${c} does not verify`
    case 'NoApprovals':
      return 'no release signatures were given'
    case 'MinimumNotIncreasing':
      return `model ${label(a)}: minimum ${version(b)} is not above the current minimum ${version(c)}`
    case 'MinimumAboveLatestApproved':
      return `model ${label(a)}: minimum ${version(b)} is above the highest approved version ${version(c)}`
    case 'EmptyDeviceSet':
      return '"deviceIds" expected 1–64 device ids, got none'
    case 'TooManyDevices':
      return `"deviceIds" expected 1–64 device ids, got ${a}`
    case 'DuplicateDevice':
      return `"deviceIds" expected distinct nonzero ids, got ${a} twice or zero`
    case 'InvalidWindow':
      return `"window" expected end > start, got [${a}, ${b})`
    case 'InvalidComparison':
      return `"comparison" expected 1 (<=), 2 (<), 3 (>=) or 4 (>), got ${a}`
    case 'InvalidDecimals':
      return `"decimals" expected 0–18, got ${a}`
    case 'InvalidDuration':
      return `"durationMs"/"maxGapMs" expected both 0, or both > 0 with the duration shorter than the window, got ${a}/${b}`
    case 'InvalidMetric':
      return '"metric" expected a telemetry type, reading name and unit in the telemetry format'
    case 'InvalidParty':
      return `"parties" expected distinct nonzero accounts with nonzero roles (at most 16), got ${a}`
    case 'ConditionExists':
      return `condition ${a} already exists (one per creator and shipment id)`
    case 'UnknownCondition':
      return `condition ${a} does not exist`
    case 'ConditionClosed':
      return `condition ${a} is closed; its result is final`
    case 'DeviceNotInCondition':
      return `device ${b} is not in condition ${a}`
    case 'DeviceNotActive':
      return `device ${a} is not Active (status ${deviceStatusOf(Number(b))})`
    case 'DeviceSuiteUnsupported':
      return `device ${a}: on-chain evidence needs suite 1 (p256), the device has ${b}`
    case 'EvidenceLength':
      return `"evidence" has ${a} readings: one without a duration, at least two with one`
    case 'SequenceGap':
      return `"evidence" expected sequence ${a} next, got ${b} (a run must have no gap)`
    case 'ReadingGapTooLong':
      return `"evidence" reading ${a} is ${b} ms after the previous one (more than maxGapMs, or earlier)`
    case 'DurationNotReached':
      return `"evidence" spans ${a} ms, expected more than ${b} ms`
    case 'MessageTypeMismatch':
      return `reading ${a}: message type is not the condition's`
    case 'MetricMissing':
      return `reading ${a}: the condition's metric is not in the message`
    case 'UnitMismatch':
      return `reading ${a}: unit "${b}" is not the condition's`
    case 'ReadingOutsideWindow':
      return `reading ${a}: timestamp ${b} is outside the condition's window`
    case 'ReadingNotViolating':
      return `reading ${a} satisfies the condition; it is no breach`
    case 'ReadingAlreadyUsed':
      return `device ${a}: reading ${b} is already counted in a breach of this condition`
    case 'InvalidReadingSignature':
      return `device ${a}: reading ${b} is not signed by the device's registered key`
    case 'ValueNotANumber':
      return '"value" expected one CBOR number item'
    case 'ValueNotFinite':
      return '"value" expected a finite number, got NaN or ±Infinity'
    case 'NotAParty':
      return `${b} is neither the creator nor a party of condition ${a}`
    case 'WindowNotClosable':
      return `condition ${a} can be closed at ${c} ms, chain time is ${b} ms`
    case 'NoBatches':
      return '"batches" expected at least one anchored batch covering the window'
    case 'BatchNotAnchored':
      return `batch ${b} of gateway ${a} is not anchored with these values`
    case 'BatchOutsideWindow':
      return `batch ${b} of gateway ${a} does not overlap the window`
    case 'ContractPaused':
      return 'the ConditionRegistry is paused'
    case 'NotPaused':
      return 'the ConditionRegistry is not paused'
    default:
      return `contract reverted with ${name}(${args.map(String).join(', ')})`
  }
}

function argsContext(name: string, args: readonly unknown[]): Record<string, string> {
  const out: Record<string, string> = {}
  if (
    [
      'DeviceAlreadyRegistered',
      'UnknownDevice',
      'InvalidTransition',
      'NotDeviceOwner',
      'NotAuthorized',
      'InvalidRegistrationSignature',
      'DeviceNotActive',
      'DeviceSuiteUnsupported',
      'ReadingAlreadyUsed',
      'InvalidReadingSignature',
    ].includes(name)
  ) {
    out.deviceId = String(args[0])
  }
  if (firmwareErrorsWithModel.includes(name) && typeof args[0] === 'string') {
    out.model = label(args[0])
    if (
      typeof args[1] === 'bigint' &&
      !['UnknownReleaseKey', 'NotModelVendor', 'NotVendorOrGuardian'].includes(name)
    ) {
      out.version = version(args[1])
    }
  }
  if (['UnknownCondition', 'ConditionClosed', 'ConditionExists', 'NotAParty'].includes(name)) {
    out.conditionId = String(args[0])
  }
  if (name === 'DeviceNotInCondition') {
    out.conditionId = String(args[0])
    out.deviceId = String(args[1])
  }
  if (name === 'InvalidTransition') {
    out.from = deviceStatusOf(Number(args[1]))
    out.to = deviceStatusOf(Number(args[2]))
  }
  return out
}

const firmwareErrorsWithModel = [
  'UnknownModel',
  'NotModelVendor',
  'NotVendorOrGuardian',
  'VersionNotIncreasing',
  'VersionBelowMinimum',
  'UnknownRelease',
  'ReleaseNotPending',
  'ReleaseAlreadyRevoked',
  'UnknownReleaseKey',
  'DuplicateApproval',
  'InvalidReleaseSignature',
  'MinimumNotIncreasing',
  'MinimumAboveLatestApproved',
]

/** A bytes32 short string (model, field name) as text; anything else as it is. */
function label(value: unknown): string {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(value)) return String(value)
  const text = shortStringFromBytes32(value as `0x${string}`)
  return /^[\x20-\x7e]+$/.test(text) ? text : value
}

function version(value: unknown): string {
  return typeof value === 'bigint' ? firmwareVersionFromUint64(value) : String(value)
}
