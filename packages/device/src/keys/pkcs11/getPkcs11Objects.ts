// Finds the objects on a token that match a template.

import type pkcs11js from 'pkcs11js'
import type { Pkcs11Session } from './openPkcs11Session.ts'

/** Handles of the objects matching `template`, at most `limit` of them. */
export function getPkcs11Objects(
  session: Pkcs11Session,
  template: pkcs11js.Template,
  limit = 16,
): Buffer[] {
  const { pkcs11 } = session.module
  pkcs11.C_FindObjectsInit(session.handle, template)
  try {
    return pkcs11.C_FindObjects(session.handle, limit)
  } finally {
    pkcs11.C_FindObjectsFinal(session.handle)
  }
}
