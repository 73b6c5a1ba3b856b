import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { p256 } from '@noble/curves/nist.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { type ErrorCode, isVeriotError } from '@veriot/core'
import { createDeviceKey, openDeviceKey } from '../../src/index.ts'

let dir: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veriot-keyref-'))
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

const hasCode = (code: ErrorCode) => (err: unknown) => isVeriotError(err, code)

test('default: createDeviceKey and openDeviceKey with a file: reference', async () => {
  const ref = `file:${join(dir, 'device.key')}`
  const created = await createDeviceKey(ref, { passphrase: 'pw' }, { scryptN: 2 ** 14 })
  const opened = await openDeviceKey(ref, { passphrase: 'pw' })
  assert.equal(opened.kind, 'software')
  assert.deepEqual(opened.publicKey, created.publicKey)
  const message = utf8ToBytes('hello')
  assert.ok(p256.verify(await opened.sign(message), message, created.publicKey, { lowS: false }))
  await created.close()
  await opened.close()
})

test('error: missing passphrase or PIN', async () => {
  const file = `file:${join(dir, 'device.key')}`
  for (const secrets of [
    {},
    { passphrase: undefined },
    { passphrase: '' },
    { pin: 'pin is not a passphrase' },
  ]) {
    await assert.rejects(openDeviceKey(file, secrets), hasCode('KEY_PASSPHRASE_MISSING'))
    await assert.rejects(
      createDeviceKey(`file:${join(dir, 'other.key')}`, secrets),
      hasCode('KEY_PASSPHRASE_MISSING'),
    )
  }
  // Checked before any module is loaded, so this needs no token.
  const pkcs11 = 'pkcs11:token=t;object=o?module-path=/nonexistent/p11.so'
  for (const secrets of [{}, { pin: '' }, { passphrase: 'not a pin' }]) {
    await assert.rejects(openDeviceKey(pkcs11, secrets), hasCode('KEY_PASSPHRASE_MISSING'))
    await assert.rejects(createDeviceKey(pkcs11, secrets), hasCode('KEY_PASSPHRASE_MISSING'))
  }
})

test('error: malformed reference', async () => {
  await assert.rejects(
    openDeviceKey('device.key', { passphrase: 'pw' }),
    hasCode('KEY_URI_INVALID'),
  )
  await assert.rejects(
    createDeviceKey('pkcs11:token=t', { pin: '1234' }),
    hasCode('KEY_URI_INVALID'),
  )
})
