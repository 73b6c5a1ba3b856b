// Loads a PKCS#11 module once per process and shares it. C_Initialize may run only once per
// module (a second call fails with CKR_CRYPTOKI_ALREADY_INITIALIZED), and C_Logout ends the login
// of every session on a token, so both the module and each token login are reference-counted.

import { realpathSync } from 'node:fs'
import { equalBytes } from '@noble/curves/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { VeriotError } from '@veriot/core'
import pkcs11js from 'pkcs11js'
import { getCkrName, pkcs11ErrorToVeriotError } from './pkcs11ErrorToVeriotError.ts'

/** One user's reference to a loaded, initialised PKCS#11 module. */
export interface Pkcs11Module {
  readonly pkcs11: pkcs11js.PKCS11
  /** The module's real path (symlinks resolved), the key under which it is shared. */
  readonly path: string
  /**
   * Logs the user in to the token in `slot` through `session`, or, when this process is logged
   * in there already, checks `pin` against the PIN that login used.
   *
   * @throws PKCS11_PIN_INCORRECT, PKCS11_OPERATION_FAILED
   */
  login(slot: Buffer, session: Buffer, pin: string): void
  /** Gives back one login; the last one logs the token out through `session`. Never throws. */
  logout(slot: Buffer, session: Buffer): void
  /** Gives back this reference; the last one finalises and unloads the module. Idempotent. */
  close(): void
}

type SharedModule = {
  readonly pkcs11: pkcs11js.PKCS11
  /** False when someone else in this process had initialised the module: not ours to finalise. */
  readonly ownsInitialize: boolean
  refs: number
  readonly logins: Map<string, { refs: number; readonly pinDigest: Uint8Array }>
}

const modules = new Map<string, SharedModule>()

/**
 * Opens (loads and initialises on first use) the PKCS#11 module at `modulePath`.
 *
 * @throws PKCS11_MODULE_LOAD_FAILED
 */
export function openPkcs11Module(modulePath: string): Pkcs11Module {
  let path: string
  try {
    path = realpathSync(modulePath)
  } catch (err) {
    throw loadFailed(
      modulePath,
      err instanceof Error && 'code' in err ? String(err.code) : 'an error',
      err,
    )
  }
  const shared = modules.get(path) ?? loadModule(path)
  shared.refs++
  let closed = false

  return Object.freeze({
    pkcs11: shared.pkcs11,
    path,
    login(slot: Buffer, session: Buffer, pin: string): void {
      const slotKey = slot.toString('hex')
      // A digest, not the PIN, stays in memory; it only answers "same PIN as the first login?".
      const pinDigest = sha256(utf8ToBytes(pin))
      const existing = shared.logins.get(slotKey)
      if (existing !== undefined) {
        // The token would accept any PIN now (CKR_USER_ALREADY_LOGGED_IN), so check it ourselves.
        if (!equalBytes(existing.pinDigest, pinDigest)) {
          throw new VeriotError(
            'PKCS11_PIN_INCORRECT',
            `"pin" expected the PIN this process logged in to the token with, got a different one`,
            { context: { modulePath: path } },
          )
        }
        existing.refs++
        return
      }
      try {
        shared.pkcs11.C_Login(session, pkcs11js.CKU_USER, pin)
      } catch (err) {
        if (getCkrName(err) === 'CKR_USER_ALREADY_LOGGED_IN') {
          // Logged in by code outside this registry: we could not check the PIN, so fail closed.
          throw new VeriotError(
            'PKCS11_OPERATION_FAILED',
            `"C_Login" expected CKR_OK, got CKR_USER_ALREADY_LOGGED_IN (another user of the module in this process logged in)`,
            { context: { modulePath: path, ckr: 'CKR_USER_ALREADY_LOGGED_IN' }, cause: err },
          )
        }
        throw pkcs11ErrorToVeriotError(err, { modulePath: path })
      }
      shared.logins.set(slotKey, { refs: 1, pinDigest })
    },
    logout(slot: Buffer, session: Buffer): void {
      const slotKey = slot.toString('hex')
      const login = shared.logins.get(slotKey)
      if (login === undefined || --login.refs > 0) return
      shared.logins.delete(slotKey)
      try {
        shared.pkcs11.C_Logout(session)
      } catch {
        // Closing the last session logs out anyway (PKCS#11 §5.6).
      }
    },
    close(): void {
      if (closed) return
      closed = true
      if (--shared.refs > 0) return
      modules.delete(path)
      try {
        if (shared.ownsInitialize) shared.pkcs11.C_Finalize()
      } catch {
        // Best effort: the module is being unloaded either way.
      }
      try {
        shared.pkcs11.close()
      } catch {
        // Same.
      }
    },
  })
}

function loadModule(path: string): SharedModule {
  const pkcs11 = new pkcs11js.PKCS11()
  try {
    pkcs11.load(path)
  } catch (err) {
    throw loadFailed(path, err instanceof Error ? err.message : String(err), err)
  }
  let ownsInitialize = true
  try {
    // CKF_OS_LOCKING_OK: pkcs11js runs the *Async calls on libuv worker threads, so the module
    // must lock for itself; C_Initialize(NULL) would promise it single-threaded use.
    pkcs11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK })
  } catch (err) {
    if (getCkrName(err) === 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
      ownsInitialize = false
    } else {
      try {
        pkcs11.close()
      } catch {
        // Already failing; report the C_Initialize error.
      }
      throw loadFailed(path, `C_Initialize returned ${getCkrName(err) ?? String(err)}`, err)
    }
  }
  const shared: SharedModule = { pkcs11, ownsInitialize, refs: 0, logins: new Map() }
  modules.set(path, shared)
  return shared
}

function loadFailed(modulePath: string, got: string, cause: unknown): VeriotError {
  return new VeriotError(
    'PKCS11_MODULE_LOAD_FAILED',
    `"modulePath" expected a loadable PKCS#11 module, got ${got}`,
    { context: { modulePath }, cause },
  )
}
