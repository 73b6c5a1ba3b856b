// Turns viem errors into VeriotErrors: contract custom errors by name, network failures as
// RPC_UNREACHABLE, anything else as TX_FAILED with the original as cause.

import { deviceStatusOf, type ErrorCode, VeriotError } from '@veriot/core'
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
  InvalidModel: 'INVALID_ARGUMENT',
  ModelPauseUnchanged: 'MODEL_PAUSE_UNCHANGED',
}

/** Maps any error thrown by viem (or already a VeriotError) to a VeriotError. */
export function toVeriotError(err: unknown): VeriotError {
  if (err instanceof VeriotError) return err
  if (err instanceof BaseError) {
    const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError)
    if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName) {
      const name = reverted.data.errorName
      const args = (reverted.data.args ?? []) as readonly unknown[]
      const code = contractErrorCodes[name] ?? 'TX_FAILED'
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
    case 'InvalidModel':
      return '"model" expected a nonzero short string'
    case 'ModelPauseUnchanged':
      return `model ${a} is already ${b ? 'paused' : 'running'}`
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
    ].includes(name)
  ) {
    out.deviceId = String(args[0])
  }
  if (name === 'InvalidTransition') {
    out.from = deviceStatusOf(Number(args[1]))
    out.to = deviceStatusOf(Number(args[2]))
  }
  return out
}
