import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { p256 } from '@noble/curves/nist.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import {
  isVeriotError,
  PCR_RESET_VALUE,
  parseTpmsAttest,
  pcrExtend,
  verifyP256,
  verifyTelemetrySignature,
} from '@veriot/core'
import {
  createDeviceKey,
  createTelemetrySigner,
  createTpmKeyStore,
  openDeviceKey,
  openTpmKey,
  openTpmKeyStore,
  parseKeyRef,
  signTelemetry,
  type TpmKeyStore,
} from '../../src/index.ts'
import { startTpmSimulator, type TpmSimulator, tpmSkipReason } from './tpmSimulator.ts'

// Runs against a real TPM 2.0 simulator (swtpm), started by this file on 127.0.0.1.
const message = utf8ToBytes('unlock request 7')

function hasCode(code: string) {
  return (err: unknown) => {
    assert.ok(isVeriotError(err), `expected a VeriotError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    return true
  }
}

test('args: parseKeyRef reads tpm:<path> literally', () => {
  assert.deepEqual(parseKeyRef('tpm:/var/lib/veriot/device.tpmkey'), {
    kind: 'tpm',
    path: '/var/lib/veriot/device.tpmkey',
  })
  assert.deepEqual(parseKeyRef('tpm:a%20b?c'), { kind: 'tpm', path: 'a%20b?c' })
  assert.throws(() => parseKeyRef('tpm:'), hasCode('KEY_URI_INVALID'))
  assert.throws(() => parseKeyRef('tpm:a\0b'), hasCode('KEY_URI_INVALID'))
})

describe('tpm keys on swtpm', { skip: tpmSkipReason }, () => {
  let tpm: TpmSimulator
  let store: TpmKeyStore
  let path: string
  const transientHandles = () =>
    execFileSync('tpm2_getcap', ['handles-transient'], {
      env: { ...process.env, TPM2TOOLS_TCTI: tpm.tcti },
    })
      .toString('utf8')
      .trim()

  before(async () => {
    tpm = await startTpmSimulator()
    path = join(tpm.dir, 'device.tpmkey')
    store = await createTpmKeyStore({ path, tcti: tpm.tcti })
  })
  after(async () => {
    await store?.close()
    await tpm?.stop()
  })

  test('default: the identity key signs r ‖ s that verifyP256 accepts', async () => {
    const key = store.identityKey
    assert.equal(key.kind, 'tpm')
    assert.equal(key.publicKey.length, 65)
    assert.equal(key.publicKey[0], 0x04)
    const signature = await key.sign(message)
    assert.equal(signature.length, 64)
    assert.equal(verifyP256(signature, message, key.publicKey), true)
    assert.equal(
      p256.verify(signature, sha256(message), key.publicKey, { prehash: false, lowS: false }),
      true,
    )
    assert.equal(verifyP256(signature, utf8ToBytes('other'), key.publicKey), false)
  })

  test('behavior: no transient object is left in the TPM after an operation', async () => {
    await store.identityKey.sign(message)
    await store.quote(new Uint8Array(32).fill(1), [16])
    assert.equal(transientHandles(), '')
  })

  test('behavior: concurrent signatures are serialised and all verify', async () => {
    const messages = [1, 2, 3, 4].map((i) => utf8ToBytes(`reading ${i}`))
    const signatures = await Promise.all(messages.map((m) => store.identityKey.sign(m)))
    signatures.forEach((s, i) => {
      assert.equal(verifyP256(s, messages[i] as Uint8Array, store.identityKey.publicKey), true)
    })
    assert.equal(transientHandles(), '')
  })

  test('behavior: the key signs telemetry that verifyTelemetrySignature accepts', async () => {
    const signer = createTelemetrySigner('p256', { p256: store.identityKey })
    const signed = await signTelemetry(
      {
        version: 1,
        deviceId: new Uint8Array(32).fill(0x11),
        sequence: 1,
        timestamp: 1_700_000_000_000,
        type: 'temperature',
        readings: [{ name: 'temp', value: 21.5, unit: 'Cel' }],
        suite: 1,
      },
      signer,
    )
    assert.equal(
      verifyTelemetrySignature(signed, { p256PublicKey: store.identityKey.publicKey }),
      true,
    )
  })

  test('behavior: the key file reopens to the same keys, also through tpm: references', async () => {
    const reopened = await openTpmKeyStore({ path, tcti: tpm.tcti })
    assert.deepEqual(reopened.identityKey.publicKey, store.identityKey.publicKey)
    assert.deepEqual(reopened.attestationPublicKey, store.attestationPublicKey)
    const key = await openTpmKey({ path, tcti: tpm.tcti })
    assert.equal(verifyP256(await key.sign(message), message, store.identityKey.publicKey), true)
    const saved = process.env.TPM2TOOLS_TCTI
    process.env.TPM2TOOLS_TCTI = tpm.tcti
    try {
      const byRef = await openDeviceKey(`tpm:${path}`)
      assert.equal(byRef.kind, 'tpm')
      assert.equal(
        verifyP256(await byRef.sign(message), message, store.identityKey.publicKey),
        true,
      )
      const created = await createDeviceKey(`tpm:${join(tpm.dir, 'second.tpmkey')}`)
      assert.notDeepEqual(created.publicKey, store.identityKey.publicKey)
    } finally {
      if (saved === undefined) delete process.env.TPM2TOOLS_TCTI
      else process.env.TPM2TOOLS_TCTI = saved
    }
  })

  test('behavior: the key file is mode 0600 and holds only TPM-wrapped keys', async () => {
    const text = await readFile(path, 'utf8')
    const file = JSON.parse(text)
    assert.deepEqual(Object.keys(file).sort(), [
      'attestation',
      'certification',
      'format',
      'identity',
      'parent',
      'version',
    ])
    const { stat } = await import('node:fs/promises')
    assert.equal((await stat(path)).mode & 0o777, 0o600)
  })

  test('behavior: quote binds the nonce and reports the PCR the firmware extended', async () => {
    const measurement = sha256(utf8ToBytes('firmware image 1.0'))
    await store.extendPcr(16, measurement)
    const nonce = new Uint8Array(32).fill(7)
    const quote = await store.quote(nonce, [16])
    const attest = parseTpmsAttest(quote.quoted)
    assert.equal(attest.type, 'quote')
    assert.deepEqual(attest.extraData, nonce)
    assert.deepEqual(quote.pcrValues['16'], pcrExtend(PCR_RESET_VALUE, measurement))
    assert.equal(verifyP256(quote.signature, quote.quoted, store.attestationPublicKey), true)
    // The restricted attestation key's quote does not verify under the identity key.
    assert.equal(verifyP256(quote.signature, quote.quoted, store.identityKey.publicKey), false)
  })

  test('error: creating over an existing key file', async () => {
    await assert.rejects(createTpmKeyStore({ path, tcti: tpm.tcti }), hasCode('KEY_FILE_EXISTS'))
  })

  test('error: missing, malformed and tampered key files', async () => {
    await assert.rejects(
      openTpmKeyStore({ path: join(tpm.dir, 'missing'), tcti: tpm.tcti }),
      hasCode('KEY_FILE_NOT_FOUND'),
    )
    const file = JSON.parse(await readFile(path, 'utf8'))
    const cases: [string, unknown][] = [
      ['not json', 'not json'],
      ['extra field', { ...file, extra: 1 }],
      ['wrong version', { ...file, version: 2 }],
      ['keys swapped', { ...file, identity: file.attestation, attestation: file.identity }],
      [
        'certification by another key',
        {
          ...file,
          certification: {
            ...file.certification,
            signature: `${file.certification.signature.slice(0, 126)}00`,
          },
        },
      ],
      [
        'private blob altered',
        {
          ...file,
          identity: {
            ...file.identity,
            private: `${file.identity.private.slice(0, 40)}${file.identity.private[40] === '0' ? '1' : '0'}${file.identity.private.slice(41)}`,
          },
        },
      ],
    ]
    for (const [name, content] of cases) {
      const p = join(tpm.dir, `bad-${name.replace(/ /g, '-')}.tpmkey`)
      await writeFile(p, typeof content === 'string' ? content : JSON.stringify(content))
      const code = name === 'private blob altered' ? 'TPM_OPERATION_FAILED' : 'KEY_FILE_MALFORMED'
      await assert.rejects(openTpmKeyStore({ path: p, tcti: tpm.tcti }), hasCode(code), name)
    }
    assert.equal(transientHandles(), '')
  })

  test('error: a key file made by another TPM does not load', async () => {
    const other = await startTpmSimulator()
    try {
      await assert.rejects(
        openTpmKeyStore({ path, tcti: other.tcti }),
        hasCode('TPM_OPERATION_FAILED'),
      )
    } finally {
      await other.stop()
    }
  })

  test('error: no TPM at the TCTI', async () => {
    const other = await startTpmSimulator()
    const tcti = other.tcti
    await other.stop()
    await assert.rejects(openTpmKeyStore({ path, tcti }), hasCode('TPM_OPERATION_FAILED'))
  })

  test('error: bad arguments and a closed key', async () => {
    const s = await openTpmKeyStore({ path, tcti: tpm.tcti })
    await assert.rejects(s.quote(new Uint8Array(0), [16]), hasCode('INVALID_ARGUMENT'))
    await assert.rejects(s.quote(new Uint8Array(65), [16]), hasCode('INVALID_ARGUMENT'))
    await assert.rejects(s.quote(new Uint8Array(32), [24]), hasCode('INVALID_ARGUMENT'))
    await assert.rejects(s.quote(new Uint8Array(32), []), hasCode('INVALID_ARGUMENT'))
    await assert.rejects(s.extendPcr(16, new Uint8Array(31)), hasCode('INVALID_ARGUMENT'))
    await assert.rejects(s.extendPcr(-1, new Uint8Array(32)), hasCode('INVALID_ARGUMENT'))
    await assert.rejects(
      s.identityKey.sign('text' as unknown as Uint8Array),
      hasCode('INVALID_ARGUMENT'),
    )
    await assert.rejects(openTpmKeyStore({ path: '', tcti: tpm.tcti }), hasCode('INVALID_ARGUMENT'))
    await s.close()
    await s.close()
    await assert.rejects(s.identityKey.sign(message), hasCode('INVALID_ARGUMENT'))
    await assert.rejects(s.quote(new Uint8Array(32), [16]), hasCode('INVALID_ARGUMENT'))
  })
})
