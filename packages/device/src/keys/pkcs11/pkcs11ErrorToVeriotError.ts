// Maps errors thrown by pkcs11js to VeriotErrors with a stable code and the CKR name.

import { type ErrorContext, VeriotError } from '@veriot/core'

/** The CKR_* name of a pkcs11js error, if it is one. */
export function getCkrName(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined
  return /^CKR_[A-Z0-9_]+$/.test(err.message) ? err.message : undefined
}

/**
 * Turns anything a PKCS#11 call threw into a VeriotError: a VeriotError passes through,
 * CKR_PIN_INCORRECT (and the PIN format errors) becomes PKCS11_PIN_INCORRECT, a vanished token
 * PKCS11_TOKEN_NOT_FOUND, anything else PKCS11_OPERATION_FAILED with the CKR name and the
 * function that returned it. PINs are never arguments here, so they cannot leak into messages.
 */
export function pkcs11ErrorToVeriotError(err: unknown, context: ErrorContext): VeriotError {
  if (err instanceof VeriotError) return err
  const ckr = getCkrName(err)
  const method =
    err instanceof Error && 'method' in err && typeof err.method === 'string' && err.method !== ''
      ? err.method
      : undefined
  const where = method ?? 'PKCS#11 call'
  switch (ckr) {
    case 'CKR_PIN_INCORRECT':
    case 'CKR_PIN_INVALID':
    case 'CKR_PIN_LEN_RANGE':
      return new VeriotError(
        'PKCS11_PIN_INCORRECT',
        `"pin" expected the token's user PIN, got ${ckr}`,
        {
          context: { ...context, ckr },
          cause: err,
        },
      )
    case 'CKR_TOKEN_NOT_PRESENT':
    case 'CKR_TOKEN_NOT_RECOGNIZED':
    case 'CKR_DEVICE_REMOVED':
      return new VeriotError(
        'PKCS11_TOKEN_NOT_FOUND',
        `"${where}" expected a present token, got ${ckr}`,
        {
          context: { ...context, ckr, method },
          cause: err,
        },
      )
    default: {
      const got = ckr ?? (err instanceof Error ? `${err.name}: ${err.message}` : String(err))
      return new VeriotError('PKCS11_OPERATION_FAILED', `"${where}" expected CKR_OK, got ${got}`, {
        context: { ...context, ckr, method },
        cause: err,
      })
    }
  }
}
