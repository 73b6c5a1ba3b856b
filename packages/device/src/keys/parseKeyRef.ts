// Parses the key references the CLI accepts: `file:<path>` for an encrypted key file and an
// RFC 7512 `pkcs11:` URI for a key inside a PKCS#11 token.

import { isAbsolute } from 'node:path'
import { fileURLToPath } from 'node:url'
import { VeriotError } from '@veriot/core'

/** The module used when a `pkcs11:` URI has no `module-path`: Debian's SoftHSM2. */
export const DEFAULT_PKCS11_MODULE_PATH = '/usr/lib/softhsm/libsofthsm2.so'

/** A parsed key reference. `pinValue` is set only when the URI carried `pin-value`. */
export type KeyRef =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'tpm'; readonly path: string }
  | {
      readonly kind: 'pkcs11'
      readonly modulePath: string
      readonly tokenLabel: string
      readonly label: string
      readonly pinValue?: string
    }

// RFC 7512 §2.3: characters allowed unencoded in path and query attribute values.
const unreserved = 'A-Za-z0-9\\-._~'
const resAvail = ":\\[\\]@!$'()*+,="
const pathValue = new RegExp(`^(?:[${unreserved}${resAvail}&]|%[0-9A-Fa-f]{2})*$`)
const queryValue = new RegExp(`^(?:[${unreserved}${resAvail}/?|]|%[0-9A-Fa-f]{2})*$`)
const attributeName = /^[A-Za-z0-9_-]+$/

const pathAttributes = ['token', 'object', 'type'] as const
const queryAttributes = ['module-path', 'pin-value'] as const

/**
 * Parses a key reference string.
 *
 * - `file:<path>`: the rest is a file-system path, taken literally (no percent-decoding);
 *   `file://…` is read as an RFC 8089 file URL instead.
 * - `tpm:<path>`: a TPM key file (createTpmKeyStore), path taken literally.
 * - `pkcs11:token=<label>;object=<label>[;type=private][?module-path=<path>[&pin-value=<pin>]]`:
 *   RFC 7512, values percent-decoded as UTF-8. Other RFC 7512 attributes are rejected rather than
 *   ignored, since RFC 7512 §3.3 says a URI with an attribute the consumer does not support must
 *   not match anything.
 *
 * Messages never repeat the reference, since a `pkcs11:` URI may carry a PIN.
 *
 * @throws KEY_URI_INVALID
 * @example
 * parseKeyRef('pkcs11:token=veriot;object=gateway-1?module-path=/usr/lib/softhsm/libsofthsm2.so')
 */
export function parseKeyRef(ref: string): KeyRef {
  if (typeof ref !== 'string') throw invalid('ref', 'a string', typeof ref)
  const colon = ref.indexOf(':')
  const scheme = colon === -1 ? '' : ref.slice(0, colon).toLowerCase()
  if (scheme === 'file') return parseFileRef(ref, ref.slice(colon + 1))
  if (scheme === 'pkcs11') return parsePkcs11Uri(ref.slice(colon + 1))
  if (scheme === 'tpm') return parseTpmRef(ref.slice(colon + 1))
  throw invalid(
    'ref',
    '"file:<path>", "pkcs11:<attributes>" or "tpm:<path>"',
    colon === -1 ? 'no scheme' : `scheme "${scheme.slice(0, 16)}"`,
  )
}

function parseFileRef(ref: string, rest: string): KeyRef {
  if (rest.includes('\0')) throw invalid('file path', 'no NUL byte', 'a NUL byte')
  if (rest.startsWith('//')) {
    // fileURLToPath drops a query or fragment silently; a path that contained one would be misread.
    if (/[?#]/.test(rest)) throw invalid('file URL', 'no query or fragment', 'a "?" or "#"')
    let path: string
    try {
      path = fileURLToPath(new URL(ref))
    } catch (err) {
      throw invalid('file URL', 'an RFC 8089 file URL without host', describeError(err), err)
    }
    if (path.includes('\0')) throw invalid('file URL', 'no NUL byte', 'a NUL byte')
    return Object.freeze({ kind: 'file', path })
  }
  if (rest.length === 0) throw invalid('file path', 'a non-empty path', 'nothing')
  return Object.freeze({ kind: 'file', path: rest })
}

// `tpm:<path>`: the TPM key file, taken literally like `file:<path>`; the TPM is named by
// TPM2TOOLS_TCTI, not by the reference.
function parseTpmRef(rest: string): KeyRef {
  if (rest.includes('\0')) throw invalid('tpm key path', 'no NUL byte', 'a NUL byte')
  if (rest.length === 0) throw invalid('tpm key path', 'a non-empty path', 'nothing')
  return Object.freeze({ kind: 'tpm', path: rest })
}

function parsePkcs11Uri(body: string): KeyRef {
  if (body.includes('#')) throw invalid('pkcs11 URI', 'no fragment', 'a "#"')
  const q = body.indexOf('?')
  const path = parseAttributes(q === -1 ? body : body.slice(0, q), ';', pathValue, pathAttributes)
  const query =
    q === -1
      ? new Map<string, string>()
      : parseAttributes(body.slice(q + 1), '&', queryValue, queryAttributes, true)

  const tokenLabel = path.get('token')
  const label = path.get('object')
  const type = path.get('type')
  const modulePath = query.get('module-path') ?? DEFAULT_PKCS11_MODULE_PATH
  const pinValue = query.get('pin-value')
  if (tokenLabel === undefined || tokenLabel === '') {
    throw invalid('token', 'a token label', 'nothing')
  }
  if (label === undefined || label === '') throw invalid('object', 'a key label', 'nothing')
  if (type !== undefined && type !== 'private') {
    throw invalid('type', '"private"', `"${type.slice(0, 16)}"`)
  }
  if (!isAbsolute(modulePath)) throw invalid('module-path', 'an absolute path', 'a relative one')
  if (pinValue === '') throw invalid('pin-value', 'a non-empty PIN', 'an empty string')
  return Object.freeze({
    kind: 'pkcs11',
    modulePath,
    tokenLabel,
    label,
    ...(pinValue === undefined ? {} : { pinValue }),
  })
}

function parseAttributes(
  part: string,
  separator: ';' | '&',
  allowedValue: RegExp,
  supported: readonly string[],
  nonEmpty = false,
): Map<string, string> {
  const attributes = new Map<string, string>()
  if (part === '') {
    if (nonEmpty) throw invalid('pkcs11 URI query', 'at least one attribute after "?"', 'nothing')
    return attributes
  }
  for (const [index, item] of part.split(separator).entries()) {
    const eq = item.indexOf('=')
    const name = eq === -1 ? item : item.slice(0, eq)
    if (eq === -1 || !attributeName.test(name)) {
      // The item is not echoed: it may be a mistyped pin-value.
      const got = `attribute ${index + 1} ${eq === -1 ? 'without "="' : 'with an invalid name'}`
      throw invalid('pkcs11 URI', `"name=value" attributes separated by "${separator}"`, got)
    }
    if (!supported.includes(name)) {
      throw invalid('pkcs11 URI', `attributes ${supported.join(', ')}`, `"${name.slice(0, 32)}"`)
    }
    if (attributes.has(name)) throw invalid(name, 'one occurrence', 'two')
    const raw = item.slice(eq + 1)
    if (!allowedValue.test(raw)) {
      throw invalid(
        name,
        'characters allowed by RFC 7512 or %XX escapes',
        'a character that must be percent-encoded',
      )
    }
    attributes.set(name, percentDecode(name, raw))
  }
  return attributes
}

function percentDecode(name: string, raw: string): string {
  const bytes: number[] = []
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '%') {
      bytes.push(Number.parseInt(raw.slice(i + 1, i + 3), 16))
      i += 2
    } else {
      bytes.push(raw.charCodeAt(i))
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes))
  } catch (err) {
    throw invalid(name, 'UTF-8 after percent-decoding', 'invalid UTF-8', err)
  }
}

function describeError(err: unknown): string {
  return err instanceof Error && 'code' in err ? String(err.code) : 'an invalid URL'
}

function invalid(field: string, expected: string, got: string, cause?: unknown): VeriotError {
  return new VeriotError('KEY_URI_INVALID', `"${field}" expected ${expected}, got ${got}`, {
    context: { field },
    ...(cause === undefined ? {} : { cause }),
  })
}
