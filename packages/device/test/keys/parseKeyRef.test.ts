import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isVeriotError } from '@veriot/core'
import { DEFAULT_PKCS11_MODULE_PATH, parseKeyRef } from '../../src/index.ts'

function isUriInvalid(err: unknown): boolean {
  assert.ok(isVeriotError(err), `expected a VeriotError, got ${String(err)}`)
  assert.equal(err.code, 'KEY_URI_INVALID', err.message)
  return true
}

test('default: file and pkcs11 references', () => {
  assert.deepEqual(parseKeyRef('file:./device.key'), { kind: 'file', path: './device.key' })
  assert.deepEqual(
    parseKeyRef('pkcs11:token=veriot;object=gateway-1?module-path=/opt/hsm/libp11.so'),
    {
      kind: 'pkcs11',
      modulePath: '/opt/hsm/libp11.so',
      tokenLabel: 'veriot',
      label: 'gateway-1',
    },
  )
})

test('behavior: file paths are literal; file:// URLs follow RFC 8089', () => {
  assert.deepEqual(parseKeyRef('file:/var/lib/veriot/a%20b.key'), {
    kind: 'file',
    path: '/var/lib/veriot/a%20b.key',
  })
  assert.deepEqual(parseKeyRef('FILE:keys/device.key'), { kind: 'file', path: 'keys/device.key' })
  assert.deepEqual(parseKeyRef('file:///var/lib/veriot/a%20b.key'), {
    kind: 'file',
    path: '/var/lib/veriot/a b.key',
  })
  assert.deepEqual(parseKeyRef('file://localhost/tmp/k.key'), { kind: 'file', path: '/tmp/k.key' })
})

test('behavior: pkcs11 defaults to the SoftHSM2 module', () => {
  const ref = parseKeyRef('pkcs11:token=veriot;object=gateway-1')
  assert.equal(ref.kind === 'pkcs11' && ref.modulePath, DEFAULT_PKCS11_MODULE_PATH)
  assert.equal(DEFAULT_PKCS11_MODULE_PATH, '/usr/lib/softhsm/libsofthsm2.so')
})

test('behavior: pkcs11 values are percent-decoded as UTF-8', () => {
  assert.deepEqual(
    parseKeyRef(
      'PKCS11:token=My%20Token;object=%E2%9C%93%3b%25;type=private?module-path=/opt/my%20lib/p11.so&pin-value=12%2634',
    ),
    {
      kind: 'pkcs11',
      modulePath: '/opt/my lib/p11.so',
      tokenLabel: 'My Token',
      label: '✓;%',
      pinValue: '12&34',
    },
  )
})

test('behavior: characters RFC 7512 allows unencoded', () => {
  const ref = parseKeyRef("pkcs11:object=a:b@c!$'()*+,=&[]~._-;token=t?module-path=/x/y?z|w:1")
  assert.deepEqual(ref, {
    kind: 'pkcs11',
    modulePath: '/x/y?z|w:1',
    tokenLabel: 't',
    label: "a:b@c!$'()*+,=&[]~._-",
  })
})

test('behavior: the result is frozen', () => {
  assert.ok(Object.isFrozen(parseKeyRef('file:k')))
  assert.ok(Object.isFrozen(parseKeyRef('pkcs11:token=a;object=b')))
})

test('error: malformed references', () => {
  const cases = [
    '',
    'device.key',
    '/abs/device.key',
    'http://example.com/key',
    'file:',
    'file://host.example/tmp/k.key',
    'file:///tmp/k.key?x=1',
    'file:///tmp/k.key#frag',
    'file:///tmp/%00',
    'file:a\0b',
    'pkcs11:',
    'pkcs11:token=a',
    'pkcs11:object=b',
    'pkcs11:token=;object=b',
    'pkcs11:token=a;object=',
    'pkcs11:token=a;object=b;token=c',
    'pkcs11:token=a;object=b;id=%01',
    'pkcs11:token=a;object=b;serial=123',
    'pkcs11:token=a;object=b;x-vendor=1',
    'pkcs11:token=a;object=b;type=public',
    'pkcs11:token=a;object=b;type=cert',
    'pkcs11:token=a;object=b?',
    'pkcs11:token=a;object=b?module-path=relative/p11.so',
    'pkcs11:token=a;object=b?module-path=',
    'pkcs11:token=a;object=b?module-name=softhsm2',
    'pkcs11:token=a;object=b?pin-source=file:/etc/pin',
    'pkcs11:token=a;object=b?pin-value=',
    'pkcs11:token=a;object=b?module-path=/x&module-path=/y',
    'pkcs11:token=a;object=b?module-path=/x;y',
    'pkcs11:token=a;object=b#frag',
    'pkcs11:token=a b;object=c',
    'pkcs11:token=a/b;object=c',
    'pkcs11:token="a";object=c',
    'pkcs11:token=a;object=%ZZ',
    'pkcs11:token=a;object=%4',
    'pkcs11:token=a;object=%',
    'pkcs11:token=a;object=%FF',
    'pkcs11:token=a;object=%C3%28',
    'pkcs11:token=a;;object=b',
    'pkcs11:token=a;object=b;',
    'pkcs11:token;object=b',
    'pkcs11:=a;object=b',
    'pkcs11:to ken=a;object=b',
    'pkcs11:token=a&object=b',
  ]
  for (const ref of cases) {
    assert.throws(() => parseKeyRef(ref), isUriInvalid, JSON.stringify(ref))
  }
})

test('error: not a string', () => {
  for (const ref of [undefined, null, 42, Number.NaN, {}, ['file:k'], Uint8Array.of(1)]) {
    assert.throws(() => parseKeyRef(ref as unknown as string), isUriInvalid, String(ref))
  }
})

test('error: messages never repeat a pin-value', () => {
  const secret = 'S3cr3tPin'
  const cases = [
    `pkcs11:token=a;object=b?pin-value=${secret}&bogus=1`,
    `pkcs11:token=a;object=b?pin-value=${secret};x`,
    `pkcs11:token=a;object=b?pin-value=${secret}&pin-value=${secret}`,
    `pkcs11:token=a;object=b?pin-value${secret}`,
    `pkcs11:token=a;object=b?pin value=${secret}`,
    `pkcs11:token=a?pin-value=${secret}`,
    `pkcs11:token=a;object=b;pin-value=${secret}`,
    `pkcs11:token=a;object=b?pin-value=${secret}#x`,
  ]
  for (const ref of cases) {
    assert.throws(
      () => parseKeyRef(ref),
      (err) => {
        isUriInvalid(err)
        assert.ok(!(err as Error).message.includes(secret), (err as Error).message)
        assert.ok(!JSON.stringify(err).includes(secret))
        return true
      },
      ref,
    )
  }
})
