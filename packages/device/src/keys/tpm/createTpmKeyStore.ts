// Provisions a TPM-backed device: creates its identity key and attestation key inside the TPM,
// certifies the second with the first, and writes the key file.

import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { bytesToHex } from '@noble/hashes/utils.js'
import { tpmtSignatureToCompact, VeriotError } from '@veriot/core'
import { writeNewFile } from '../software/writeNewFile.ts'
import { assertTpmKeyOptions } from './assertTpmKeyOptions.ts'
import { openTpmKeyStore } from './openTpmKeyStore.ts'
import type { TpmKeyOptions, TpmKeyStore } from './TpmKeyStore.ts'
import { TPM_KEY_FILE_FORMAT, type TpmKeyFile } from './tpmKeyFileSchema.ts'
import { withTpmSession } from './withTpmSession.ts'

// Both keys: ECDSA P-256 with SHA-256, generated in the TPM (sensitivedataorigin), never
// duplicable (fixedtpm|fixedparent), used with an empty authorization value (userwithauth).
const KEY_ATTRIBUTES = 'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign'
const IDENTITY_ARGS = ['-G', 'ecc256:ecdsa-sha256', '-g', 'sha256', '-a', KEY_ATTRIBUTES]
// Restricted: the TPM signs with it only data the TPM produced (quotes, certifications), so it
// cannot be made to sign a forged TPMS_ATTEST. A restricted key needs the null symmetric scheme.
const ATTESTATION_ARGS = [
  '-G',
  'ecc256:ecdsa-sha256:null',
  '-g',
  'sha256',
  '-a',
  `${KEY_ATTRIBUTES}|restricted`,
]

/**
 * Creates the device identity key and the attestation key (restricted signing key) inside the
 * TPM, under the owner hierarchy's storage primary key (recreated on each use from the TPM's
 * seed), certifies the attestation key with the identity key (TPM2_Certify), writes the wrapped
 * keys and the certification to a new key file (mode 0600, never overwritten), and opens it.
 *
 * The owner hierarchy must have an empty authorization value (the default of a cleared TPM).
 *
 * @throws INVALID_ARGUMENT, KEY_FILE_EXISTS, KEY_FILE_NOT_FOUND (directory missing),
 *   TPM_OPERATION_FAILED, and those of openTpmKeyStore
 * @example
 * const store = await createTpmKeyStore({ path: './device.tpmkey', tcti: 'swtpm:host=127.0.0.1,port=2321' })
 * console.log(deviceIdFromPublicKey(store.identityKey.publicKey))
 */
export async function createTpmKeyStore(options: TpmKeyOptions): Promise<TpmKeyStore> {
  const { path, tcti } = assertTpmKeyOptions(options)
  // Fail before any TPM work; writeNewFile checks again, atomically, at the end.
  if (
    await stat(path).then(
      () => true,
      () => false,
    )
  ) {
    throw new VeriotError('KEY_FILE_EXISTS', '"path" expected no file, got an existing one', {
      context: { path },
    })
  }
  const file = await withTpmSession(tcti, async (session): Promise<TpmKeyFile> => {
    await session.create('identity', IDENTITY_ARGS)
    await session.create('attestation', ATTESTATION_ARGS)
    const read = async (name: string) => new Uint8Array(await readFile(join(session.dir, name)))
    const identity = { public: await read('identity.pub'), private: await read('identity.priv') }
    const attestation = {
      public: await read('attestation.pub'),
      private: await read('attestation.priv'),
    }
    const identityCtx = await session.load('identity', identity)
    const attestationCtx = await session.load('attestation', attestation)
    await session.run('tpm2_certify', [
      '-C',
      identityCtx,
      '-c',
      attestationCtx,
      '-g',
      'sha256',
      '-o',
      'certify.attest',
      '-s',
      'certify.sig',
    ])
    let signature: Uint8Array
    try {
      signature = tpmtSignatureToCompact(await read('certify.sig'))
    } catch (err) {
      throw new VeriotError('TPM_OPERATION_FAILED', '"tpm2_certify" expected an ECDSA signature', {
        cause: err,
      })
    }
    const hex = (key: { public: Uint8Array; private: Uint8Array }) => ({
      public: bytesToHex(key.public),
      private: bytesToHex(key.private),
    })
    return {
      format: TPM_KEY_FILE_FORMAT,
      version: 1,
      parent: 'owner-ecc-p256-srk',
      identity: hex(identity),
      attestation: hex(attestation),
      certification: {
        certifyInfo: bytesToHex(await read('certify.attest')),
        signature: bytesToHex(signature),
      },
    }
  })
  await writeNewFile(path, `${JSON.stringify(file, null, 2)}\n`)
  return openTpmKeyStore(options)
}
