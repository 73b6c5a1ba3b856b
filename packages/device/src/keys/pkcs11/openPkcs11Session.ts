// Opens a logged-in session on the PKCS#11 token with a given label.

import { VeriotError } from '@veriot/core'
import pkcs11js from 'pkcs11js'
import { openPkcs11Module, type Pkcs11Module } from './openPkcs11Module.ts'
import { pkcs11ErrorToVeriotError } from './pkcs11ErrorToVeriotError.ts'

/** A user session on one token. */
export interface Pkcs11Session {
  readonly module: Pkcs11Module
  readonly slot: Buffer
  readonly handle: Buffer
  /** Logs out (if last), closes the session and releases the module. Idempotent; never throws. */
  close(): void
}

/**
 * Finds the initialised token labelled `tokenLabel` (CK_TOKEN_INFO.label without its blank
 * padding), opens a session on it and logs the user in.
 *
 * @throws PKCS11_MODULE_LOAD_FAILED, PKCS11_TOKEN_NOT_FOUND, PKCS11_PIN_INCORRECT,
 *   PKCS11_OPERATION_FAILED
 */
export function openPkcs11Session(options: {
  readonly modulePath: string
  readonly tokenLabel: string
  readonly pin: string
  readonly readWrite: boolean
}): Pkcs11Session {
  const module = openPkcs11Module(options.modulePath)
  const context = { modulePath: options.modulePath, tokenLabel: options.tokenLabel }
  let slot: Buffer
  let handle: Buffer
  try {
    slot = findTokenSlot(module, options.tokenLabel)
    const flags = pkcs11js.CKF_SERIAL_SESSION | (options.readWrite ? pkcs11js.CKF_RW_SESSION : 0)
    handle = module.pkcs11.C_OpenSession(slot, flags)
  } catch (err) {
    module.close()
    throw pkcs11ErrorToVeriotError(err, context)
  }
  try {
    module.login(slot, handle, options.pin)
  } catch (err) {
    closeQuietly(() => module.pkcs11.C_CloseSession(handle))
    module.close()
    throw pkcs11ErrorToVeriotError(err, context)
  }

  let closed = false
  return Object.freeze({
    module,
    slot,
    handle,
    close(): void {
      if (closed) return
      closed = true
      module.logout(slot, handle)
      closeQuietly(() => module.pkcs11.C_CloseSession(handle))
      module.close()
    },
  })
}

function findTokenSlot(module: Pkcs11Module, tokenLabel: string): Buffer {
  const { pkcs11 } = module
  const matches: Buffer[] = []
  for (const slot of pkcs11.C_GetSlotList(true)) {
    const info = pkcs11.C_GetTokenInfo(slot)
    if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) continue
    // CK_TOKEN_INFO.label is 32 bytes padded with blanks (PKCS#11 §3.2).
    if (info.label.replace(/ +$/, '') === tokenLabel) matches.push(slot)
  }
  if (matches.length !== 1) {
    throw new VeriotError(
      'PKCS11_TOKEN_NOT_FOUND',
      `"tokenLabel" expected exactly one initialised token labelled "${tokenLabel}", got ${matches.length}`,
      { context: { modulePath: module.path, tokenLabel, count: matches.length } },
    )
  }
  return matches[0] as Buffer
}

function closeQuietly(close: () => void): void {
  try {
    close()
  } catch {
    // Cleanup: the session is gone either way.
  }
}
