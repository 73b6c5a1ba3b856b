// Binds a device's keys to its registered signature suite, so that signing telemetry cannot
// pick the wrong key or concatenate the hybrid's halves the wrong way round.

import { concatBytes } from '@noble/hashes/utils.js'
import {
  ML_DSA_44_PUBLIC_KEY_BYTES,
  ML_DSA_44_SIGNATURE_BYTES,
  Suite,
  type SuiteName,
  VeriotError,
} from '@veriot/core'
import type { DeviceKey } from '../keys/DeviceKey.ts'
import type { AuxKey } from './AuxKey.ts'
import type { TelemetrySigner } from './TelemetrySigner.ts'

/** Any key that signs like a DeviceKey: ECDSA P-256 over SHA-256(message), 64-byte r ‖ s. */
export type P256SigningKey = Pick<DeviceKey, 'sign'>

export type TelemetrySignerKeys = {
  readonly p256?: P256SigningKey
  readonly ed25519?: AuxKey
  readonly mlDsa44?: AuxKey
}

const P256_SIGNATURE_BYTES = 64
const ED25519_SIGNATURE_BYTES = 64
const ED25519_PUBLIC_KEY_BYTES = 32

/**
 * A signer for `suite`:
 * - `'p256'`: the P-256 key (any DeviceKey: software file, PKCS#11, later TPM);
 * - `'ed25519'`: the Ed25519 key alone;
 * - `'mldsa44P256'`: P-256 r ‖ s (64 bytes) followed by ML-DSA-44 (2420 bytes), both over
 *   the same signing bytes, as verifyTelemetrySignature expects.
 *
 * Each signature is checked for its length before it is returned.
 *
 * @throws SUITE_UNSUPPORTED for an unknown suite name; KEY_MALFORMED when the suite's key is
 *   missing, of the other algorithm or of the wrong length.
 * @example
 * const signer = createTelemetrySigner('p256', { p256: await openDeviceKey(ref, secrets) })
 * const message = await signTelemetry(unsigned, signer)
 */
export function createTelemetrySigner(
  suite: 'p256',
  keys: { p256: P256SigningKey },
): TelemetrySigner
export function createTelemetrySigner(suite: 'ed25519', keys: { ed25519: AuxKey }): TelemetrySigner
export function createTelemetrySigner(
  suite: 'mldsa44P256',
  keys: { p256: P256SigningKey; mlDsa44: AuxKey },
): TelemetrySigner
export function createTelemetrySigner(suite: SuiteName, keys: TelemetrySignerKeys): TelemetrySigner
export function createTelemetrySigner(
  suite: SuiteName,
  keys: TelemetrySignerKeys,
): TelemetrySigner {
  switch (suite) {
    case 'p256': {
      const p256 = p256KeyOf(keys)
      return Object.freeze({
        suite: Suite.p256,
        sign: (bytes: Uint8Array) => signWith('P-256', p256, bytes, P256_SIGNATURE_BYTES),
      })
    }
    case 'ed25519': {
      const ed25519 = auxKeyOf(keys.ed25519, 'ed25519', ED25519_PUBLIC_KEY_BYTES)
      return Object.freeze({
        suite: Suite.ed25519,
        auxPublicKey: ed25519.publicKey,
        sign: (bytes: Uint8Array) => signWith('Ed25519', ed25519, bytes, ED25519_SIGNATURE_BYTES),
      })
    }
    case 'mldsa44P256': {
      const p256 = p256KeyOf(keys)
      const mlDsa44 = auxKeyOf(keys.mlDsa44, 'mlDsa44', ML_DSA_44_PUBLIC_KEY_BYTES)
      return Object.freeze({
        suite: Suite.mldsa44P256,
        auxPublicKey: mlDsa44.publicKey,
        async sign(bytes: Uint8Array): Promise<Uint8Array> {
          const [ecdsa, mlDsa] = await Promise.all([
            signWith('P-256', p256, bytes, P256_SIGNATURE_BYTES),
            signWith('ML-DSA-44', mlDsa44, bytes, ML_DSA_44_SIGNATURE_BYTES),
          ])
          return concatBytes(ecdsa, mlDsa)
        },
      })
    }
    default:
      throw new VeriotError(
        'SUITE_UNSUPPORTED',
        `"suite" expected p256, ed25519 or mldsa44P256, got ${JSON.stringify(String(suite))}`,
      )
  }
}

function p256KeyOf(keys: TelemetrySignerKeys): P256SigningKey {
  const key = keys?.p256
  if (typeof key?.sign !== 'function') {
    throw new VeriotError('KEY_MALFORMED', '"keys.p256" expected a P-256 DeviceKey, got none')
  }
  return key
}

function auxKeyOf(key: AuxKey | undefined, algorithm: AuxKey['algorithm'], length: number): AuxKey {
  if (key?.algorithm !== algorithm || typeof key.sign !== 'function') {
    throw new VeriotError(
      'KEY_MALFORMED',
      `"keys.${algorithm}" expected an ${algorithm} key, got ${key === undefined ? 'none' : `an ${String(key.algorithm)} key`}`,
    )
  }
  const publicKey = key.publicKey
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== length) {
    throw new VeriotError(
      'KEY_MALFORMED',
      `"keys.${algorithm}.publicKey" expected ${length} bytes, got ${publicKey instanceof Uint8Array ? `${publicKey.length} bytes` : typeof publicKey}`,
    )
  }
  return { algorithm, publicKey: publicKey.slice(), sign: (message) => key.sign(message) }
}

async function signWith(
  name: string,
  key: Pick<DeviceKey, 'sign'>,
  bytes: Uint8Array,
  length: number,
): Promise<Uint8Array> {
  const signature = await key.sign(bytes)
  if (!(signature instanceof Uint8Array) || signature.length !== length) {
    throw new VeriotError(
      'SIGNATURE_MALFORMED',
      `"signature" expected ${length} bytes from the ${name} key, got ${signature instanceof Uint8Array ? `${signature.length} bytes` : typeof signature}`,
    )
  }
  return signature
}
