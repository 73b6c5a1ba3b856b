import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { p256 } from '@noble/curves/nist.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { isVeriotError } from '@veriot/core'
import pkcs11js from 'pkcs11js'
import { createDeviceKey, createPkcs11Key, openDeviceKey, openPkcs11Key } from '../../src/index.ts'
import { getPkcs11Objects } from '../../src/keys/pkcs11/getPkcs11Objects.ts'
import { openPkcs11Session, type Pkcs11Session } from '../../src/keys/pkcs11/openPkcs11Session.ts'

// Runs against a real SoftHSM2 token, initialised by this file in its own temporary directory.
const modulePath = '/usr/lib/softhsm/libsofthsm2.so'
const tokenLabel = 'veriot-test'
const pin = '1234'
const haveSoftHsm = spawnSync('softhsm2-util', ['--version']).status === 0 && existsSync(modulePath)
const message = utf8ToBytes('unlock request 7')

function hasCode(code: string, attribute?: string) {
  return (err: unknown) => {
    assert.ok(isVeriotError(err), `expected a VeriotError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    if (attribute !== undefined) assert.equal(err.context.attribute, attribute, err.message)
    return true
  }
}

function assertVerifies(signature: Uint8Array, publicKey: Uint8Array, msg: Uint8Array = message) {
  assert.equal(signature.length, 64)
  assert.equal(p256.verify(signature, msg, publicKey, { lowS: false }), true)
  assert.equal(
    p256.verify(signature, sha256(msg), publicKey, { prehash: false, lowS: false }),
    true,
  )
  assert.equal(p256.verify(signature, utf8ToBytes('other'), publicKey, { lowS: false }), false)
}

/** Runs `fn` with a raw logged-in session on the test token. */
async function withSession<T>(fn: (session: Pkcs11Session) => T | Promise<T>): Promise<T> {
  const session = openPkcs11Session({ modulePath, tokenLabel, pin, readWrite: true })
  try {
    return await fn(session)
  } finally {
    session.close()
  }
}

function bool(value: Buffer | undefined): boolean {
  assert.ok(value !== undefined && value.length === 1)
  return value[0] !== 0
}

describe(
  'pkcs11 keys on SoftHSM2',
  {
    skip: haveSoftHsm ? false : 'softhsm2 not installed: apt-get install softhsm2',
  },
  () => {
    let dir: string
    const opts = (label: string) => ({ modulePath, tokenLabel, pin, label })

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'veriot-softhsm-'))
      await mkdir(join(dir, 'tokens'))
      const conf = join(dir, 'softhsm2.conf')
      await writeFile(
        conf,
        `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
      )
      // Read by SoftHSM at C_Initialize, so it must be set before the first key is opened.
      process.env.SOFTHSM2_CONF = conf
      execFileSync(
        'softhsm2-util',
        ['--init-token', '--free', '--label', tokenLabel, '--so-pin', '1234', '--pin', pin],
        { env: { ...process.env, SOFTHSM2_CONF: conf }, stdio: 'pipe' },
      )
    })

    after(async () => {
      delete process.env.SOFTHSM2_CONF
      await rm(dir, { recursive: true, force: true })
    })

    test('default: create in the token, sign, verify, reopen', async () => {
      const created = await createPkcs11Key(opts('default'))
      assert.equal(created.kind, 'pkcs11')
      assert.equal(created.publicKey.length, 65)
      assert.equal(created.publicKey[0], 0x04)
      assertVerifies(await created.sign(message), created.publicKey)
      await created.close()

      const opened = await openPkcs11Key(opts('default'))
      assert.deepEqual(opened.publicKey, created.publicKey)
      assertVerifies(await opened.sign(message), created.publicKey)
      await opened.close()
    })

    test('behavior: the private key is a sensitive, non-extractable P-256 token object', async () => {
      await (await createPkcs11Key(opts('hardware'))).close()
      await withSession((session) => {
        const { pkcs11 } = session.module
        const [privateKey] = getPkcs11Objects(session, [
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
          { type: pkcs11js.CKA_LABEL, value: 'hardware' },
        ])
        assert.ok(privateKey)
        assert.throws(
          () =>
            pkcs11.C_GetAttributeValue(session.handle, privateKey, [{ type: pkcs11js.CKA_VALUE }]),
          /CKR_ATTRIBUTE_SENSITIVE/,
        )
        const [
          sensitive,
          extractable,
          alwaysSensitive,
          neverExtractable,
          token,
          isPrivate,
          canSign,
          id,
          params,
        ] = pkcs11
          .C_GetAttributeValue(session.handle, privateKey, [
            { type: pkcs11js.CKA_SENSITIVE },
            { type: pkcs11js.CKA_EXTRACTABLE },
            { type: pkcs11js.CKA_ALWAYS_SENSITIVE },
            { type: pkcs11js.CKA_NEVER_EXTRACTABLE },
            { type: pkcs11js.CKA_TOKEN },
            { type: pkcs11js.CKA_PRIVATE },
            { type: pkcs11js.CKA_SIGN },
            { type: pkcs11js.CKA_ID },
            { type: pkcs11js.CKA_EC_PARAMS },
          ])
          .map((a) => a.value)
        assert.equal(bool(sensitive), true)
        assert.equal(bool(extractable), false)
        assert.equal(bool(alwaysSensitive), true)
        assert.equal(bool(neverExtractable), true)
        assert.equal(bool(token), true)
        assert.equal(bool(isPrivate), true)
        assert.equal(bool(canSign), true)
        assert.equal(id?.toString('utf8'), 'hardware')
        assert.equal(params?.toString('hex'), '06082a8648ce3d030107')
      })
    })

    test('behavior: two keys open at once, closed in any order', async () => {
      const a = await createPkcs11Key(opts('two-a'))
      const b = await createPkcs11Key(opts('two-b'))
      const a2 = await openPkcs11Key(opts('two-a'))
      assertVerifies(await a.sign(message), a.publicKey)
      assertVerifies(await b.sign(message), b.publicKey)
      // Closing one key logs out nothing the others need: the login is reference-counted.
      await a.close()
      assertVerifies(await b.sign(message), b.publicKey)
      assertVerifies(await a2.sign(message), a.publicKey)
      await b.close()
      assertVerifies(await a2.sign(message), a.publicKey)
      await a2.close()
      // The module was finalised with the last key; it initialises again.
      const again = await openPkcs11Key(opts('two-b'))
      assertVerifies(await again.sign(message), b.publicKey)
      await again.close()
    })

    test('behavior: concurrent sign calls on one key all succeed', async () => {
      const key = await createPkcs11Key(opts('concurrent'))
      const messages = Array.from({ length: 12 }, (_, i) => utf8ToBytes(`reading ${i}`))
      const signatures = await Promise.all(messages.map((m) => key.sign(m)))
      for (const [i, signature] of signatures.entries()) {
        assertVerifies(signature, key.publicKey, messages[i] as Uint8Array)
      }
      await key.close()
    })

    test('behavior: close is idempotent; queued signatures finish, later ones are refused', async () => {
      const key = await createPkcs11Key(opts('closing'))
      const pending = key.sign(message)
      await Promise.all([key.close(), key.close()])
      assertVerifies(await pending, key.publicKey)
      await key.close()
      await assert.rejects(key.sign(message), hasCode('INVALID_ARGUMENT'))
    })

    test('error: sign rejects a message that is not bytes, and the key still works', async () => {
      const key = await openPkcs11Key(opts('default'))
      for (const bad of ['text', [1, 2], null, undefined, 42]) {
        await assert.rejects(key.sign(bad as unknown as Uint8Array), hasCode('INVALID_ARGUMENT'))
      }
      assertVerifies(await key.sign(message), key.publicKey)
      await key.close()
    })

    test('behavior: key references with percent-encoding and pin-value', async () => {
      const ref = `pkcs11:token=${tokenLabel};object=gateway%20%E2%9C%93;type=private?module-path=${modulePath}`
      const created = await createDeviceKey(ref, { pin })
      await created.close()
      const viaPinValue = await openDeviceKey(`${ref}&pin-value=${pin}`)
      assert.deepEqual(viaPinValue.publicKey, created.publicKey)
      // secrets.pin wins over pin-value.
      const viaSecret = await openDeviceKey(`${ref}&pin-value=9999`, { pin })
      assertVerifies(await viaSecret.sign(message), created.publicKey)
      await viaPinValue.close()
      await viaSecret.close()
      await withSession((session) => {
        const found = getPkcs11Objects(session, [
          { type: pkcs11js.CKA_LABEL, value: Buffer.from('gateway ✓') },
        ])
        assert.equal(found.length, 2, 'private and public key labelled "gateway ✓"')
      })
    })

    test('error: wrong PIN, with no key open and with one open', async () => {
      const check = (err: unknown) => {
        hasCode('PKCS11_PIN_INCORRECT')(err)
        assert.ok(!(err as Error).message.includes('4321'))
        assert.ok(!JSON.stringify(err).includes('4321'))
        return true
      }
      await (await createPkcs11Key(opts('pin'))).close()
      // The token says CKR_PIN_INCORRECT.
      await assert.rejects(openPkcs11Key({ ...opts('pin'), pin: '4321' }), check)
      // Already logged in, the token would accept any PIN; we compare with the first login's.
      const open = await openPkcs11Key(opts('pin'))
      await assert.rejects(openPkcs11Key({ ...opts('pin'), pin: '4321' }), check)
      assertVerifies(await open.sign(message), open.publicKey)
      await open.close()
    })

    test('error: missing PIN', async () => {
      await assert.rejects(
        openPkcs11Key({ ...opts('pin'), pin: '' }),
        hasCode('KEY_PASSPHRASE_MISSING'),
      )
      await assert.rejects(
        openDeviceKey(`pkcs11:token=${tokenLabel};object=pin`),
        hasCode('KEY_PASSPHRASE_MISSING'),
      )
    })

    test('error: unknown token', async () => {
      await assert.rejects(
        openPkcs11Key({ ...opts('default'), tokenLabel: 'no-such-token' }),
        hasCode('PKCS11_TOKEN_NOT_FOUND'),
      )
      await assert.rejects(
        createPkcs11Key({ ...opts('x'), tokenLabel: 'no-such-token' }),
        hasCode('PKCS11_TOKEN_NOT_FOUND'),
      )
    })

    test('error: unknown label', async () => {
      await assert.rejects(openPkcs11Key(opts('no-such-key')), hasCode('PKCS11_KEY_NOT_FOUND'))
    })

    test('error: duplicate label leaves the existing key alone', async () => {
      const first = await createPkcs11Key(opts('duplicate'))
      await first.close()
      await assert.rejects(createPkcs11Key(opts('duplicate')), hasCode('PKCS11_KEY_EXISTS'))
      const again = await openPkcs11Key(opts('duplicate'))
      assert.deepEqual(again.publicKey, first.publicKey)
      await again.close()
    })

    test('error: bad module path', async () => {
      const notAModule = join(dir, 'softhsm2.conf')
      for (const path of [join(dir, 'no-such-module.so'), notAModule]) {
        await assert.rejects(
          openPkcs11Key({ ...opts('default'), modulePath: path }),
          hasCode('PKCS11_MODULE_LOAD_FAILED'),
        )
      }
    })

    test('error: module that fails C_Initialize', async () => {
      const conf = process.env.SOFTHSM2_CONF
      process.env.SOFTHSM2_CONF = join(dir, 'missing.conf')
      try {
        await assert.rejects(openPkcs11Key(opts('default')), hasCode('PKCS11_MODULE_LOAD_FAILED'))
      } finally {
        process.env.SOFTHSM2_CONF = conf
      }
      await (await openPkcs11Key(opts('default'))).close()
    })

    test('error: an extractable or non-sensitive key is refused', async () => {
      await withSession(async (session) => {
        const label = Buffer.from('weak')
        await session.module.pkcs11.C_GenerateKeyPairAsync(
          session.handle,
          { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
          [
            { type: pkcs11js.CKA_TOKEN, value: true },
            { type: pkcs11js.CKA_LABEL, value: label },
            { type: pkcs11js.CKA_ID, value: label },
            { type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from('06082a8648ce3d030107', 'hex') },
          ],
          [
            { type: pkcs11js.CKA_TOKEN, value: true },
            { type: pkcs11js.CKA_PRIVATE, value: true },
            { type: pkcs11js.CKA_LABEL, value: label },
            { type: pkcs11js.CKA_ID, value: label },
            { type: pkcs11js.CKA_SIGN, value: true },
            { type: pkcs11js.CKA_SENSITIVE, value: false },
            { type: pkcs11js.CKA_EXTRACTABLE, value: true },
          ],
        )
      })
      await assert.rejects(openPkcs11Key(opts('weak')), hasCode('KEY_MALFORMED', 'CKA_SENSITIVE'))
    })

    test('error: a public key object that belongs to another private key is refused', async () => {
      await withSession(async (session) => {
        const generate = (privateLabel: string, publicLabel: string) =>
          session.module.pkcs11.C_GenerateKeyPairAsync(
            session.handle,
            { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
            [
              { type: pkcs11js.CKA_TOKEN, value: true },
              { type: pkcs11js.CKA_LABEL, value: publicLabel },
              { type: pkcs11js.CKA_ID, value: Buffer.from('mixed') },
              { type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from('06082a8648ce3d030107', 'hex') },
            ],
            [
              { type: pkcs11js.CKA_TOKEN, value: true },
              { type: pkcs11js.CKA_PRIVATE, value: true },
              { type: pkcs11js.CKA_LABEL, value: privateLabel },
              { type: pkcs11js.CKA_ID, value: Buffer.from('mixed') },
              { type: pkcs11js.CKA_SIGN, value: true },
              { type: pkcs11js.CKA_SENSITIVE, value: true },
              { type: pkcs11js.CKA_EXTRACTABLE, value: false },
            ],
          )
        // Private key "mixed" from one pair, public key "mixed" from another, same CKA_ID.
        await generate('mixed', 'mixed-unused')
        await generate('mixed-other', 'mixed')
      })
      await assert.rejects(openPkcs11Key(opts('mixed')), hasCode('KEY_MALFORMED', 'CKA_EC_POINT'))
    })
  },
)
