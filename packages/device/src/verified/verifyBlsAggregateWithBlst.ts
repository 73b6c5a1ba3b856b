// The native BLS12-381 engine: supranational's blst through @chainsafe/blst's prebuilt N-API
// binary, loaded lazily and only when present, so a device without it runs on noble instead.

import { createRequire } from 'node:module'
import { bytesToHex } from '@noble/hashes/utils.js'

// The few parts of @chainsafe/blst 2.2.0 used here (its own types live in its index.d.ts).
type BlstPublicKey = { toBytes(compress?: boolean): Uint8Array }
type BlstSignature = object
type Blst = {
  PublicKey: { fromBytes(bytes: Uint8Array, pkValidate?: boolean): BlstPublicKey }
  Signature: {
    fromBytes(bytes: Uint8Array, sigValidate?: boolean, sigInfcheck?: boolean): BlstSignature
  }
  aggregatePublicKeys(pks: BlstPublicKey[], pksValidate?: boolean): BlstPublicKey
  verify(
    msg: Uint8Array,
    pk: BlstPublicKey,
    sig: BlstSignature,
    pkValidate?: boolean,
    sigGroupcheck?: boolean,
  ): boolean
}

let blst: Blst | null | undefined

/**
 * The loaded binding, or null when @chainsafe/blst or its binary for this platform is missing
 * (or fails to load). Tried once per process.
 */
export function loadBlst(): Blst | null {
  if (blst !== undefined) return blst
  try {
    // A literal specifier, so the device package's import allow-list test sees it.
    const require = createRequire(import.meta.url)
    blst = require('@chainsafe/blst') as Blst
  } catch {
    blst = null
  }
  return blst
}

/** Parsed keys by their bytes (hex): the subgroup check is the costly part of parsing. */
const parsedKeys = new Map<string, BlstPublicKey>()
const PARSED_KEYS_MAX = 256

/**
 * True when `signature` (192 bytes, uncompressed G2) is a valid BLS signature over `message`
 * by the sum of `publicKeys` (each 96 bytes, uncompressed G1) under the proof-of-possession
 * scheme's tag BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_, blst's fixed DST (its README).
 * Every key and the signature must be on the curve, in the subgroup and not the point at
 * infinity, and so must the sum of the keys. The lengths and flag bits are the caller's
 * check (verifyAggregateAttestation), made before either engine runs.
 * @throws Error when blst is not loaded or an input does not decode; callers fail closed
 */
export function verifyBlsAggregateWithBlst(
  message: Uint8Array,
  publicKeys: readonly Uint8Array[],
  signature: Uint8Array,
): boolean {
  const lib = loadBlst()
  if (!lib) throw new Error('@chainsafe/blst is not loaded')
  const keys = publicKeys.map((bytes) => parseKey(lib, bytes))
  // sigValidate with the infinity check: on the curve, in G2's subgroup, not infinity.
  const sig = lib.Signature.fromBytes(signature, true, true)
  const sum = lib.aggregatePublicKeys(keys, false)
  // pkValidate on the sum refuses it when it is the point at infinity (keys that cancel out).
  return lib.verify(message, sum, sig, true, false)
}

/** True when blst finds `bytes` a G1 point in the subgroup and not infinity. */
export function isBlstPublicKey(bytes: Uint8Array): boolean {
  const lib = loadBlst()
  if (!lib) return false
  try {
    parseKey(lib, bytes)
    return true
  } catch {
    return false
  }
}

function parseKey(lib: Blst, bytes: Uint8Array): BlstPublicKey {
  const id = bytesToHex(bytes)
  let key = parsedKeys.get(id)
  if (!key) {
    // pkValidate: the infinity and subgroup checks.
    key = lib.PublicKey.fromBytes(bytes, true)
    if (parsedKeys.size >= PARSED_KEYS_MAX) parsedKeys.clear()
    parsedKeys.set(id, key)
  }
  return key
}
