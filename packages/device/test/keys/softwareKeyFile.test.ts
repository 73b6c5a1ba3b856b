import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { p256 } from '@noble/curves/nist.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { isVeriotError } from '@veriot/core'
import { createSoftwareKeyFile, openSoftwareKeyFile } from '../../src/index.ts'
import { createSoftwareKey } from '../../src/keys/software/createSoftwareKey.ts'
import { writeNewFile } from '../../src/keys/software/writeNewFile.ts'

const fixtures = new URL('../fixtures/keys/', import.meta.url)
const fixture = (name: string) => new URL(name, fixtures).pathname
// U+00E9, as in fixtures/keys/README.md.
const fixturePassphrase = 'veriot test fixture caf\u00e9 (not a secret)'
const fixturePublicKey =
  '042a7e5b6d4aedd832812f09b5866408f5b521c17688ec3a3d0838e8dbfcefbb70e1d993fa42b5e349f1a82fbf5e6b7450bc91c361541a6d26dc5fc9f34ac36f4b'
const fast = { scryptN: 2 ** 14 }
const passphrase = 'correct horse battery staple'
const message = utf8ToBytes('reading #1: -21.5 °C')
const P256_N = p256.Point.CURVE().n

let dir: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veriot-keyfile-'))
})
after(async () => {
  await rm(dir, { recursive: true, force: true })
})

let counter = 0
const freshPath = () => join(dir, `device-${++counter}.key`)

function hasCode(code: string, field?: string) {
  return (err: unknown) => {
    assert.ok(isVeriotError(err), `expected a VeriotError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    if (field !== undefined) assert.equal(err.context.field, field, err.message)
    return true
  }
}

function assertVerifies(signature: Uint8Array, publicKey: Uint8Array, msg: Uint8Array) {
  assert.equal(signature.length, 64)
  // Both prehash conventions: noble hashes the message, or we hand it the SHA-256 digest.
  assert.equal(p256.verify(signature, msg, publicKey, { lowS: false }), true)
  assert.equal(
    p256.verify(signature, sha256(msg), publicKey, { prehash: false, lowS: false }),
    true,
  )
  // …and it is a signature over this message only.
  assert.equal(p256.verify(signature, utf8ToBytes('other'), publicKey, { lowS: false }), false)
}

test('default: create, open, sign and verify', async () => {
  const path = freshPath()
  const created = await createSoftwareKeyFile(path, passphrase, fast)
  assert.equal(created.kind, 'software')
  assert.equal(created.publicKey.length, 65)
  assert.equal(created.publicKey[0], 0x04)

  const opened = await openSoftwareKeyFile(path, passphrase)
  assert.deepEqual(opened.publicKey, created.publicKey)
  assertVerifies(await opened.sign(message), created.publicKey, message)
  assertVerifies(await created.sign(message), created.publicKey, message)
  await created.close()
  await opened.close()
})

test('behavior: opens the committed version 1 fixture, so the format stays readable', async () => {
  const key = await openSoftwareKeyFile(fixture('software-v1.json'), fixturePassphrase)
  assert.deepEqual(key.publicKey, hexToBytes(fixturePublicKey))
  assertVerifies(await key.sign(message), key.publicKey, message)
  await key.close()
})

test('behavior: the passphrase is NFKC-normalised (composed and decomposed é both open)', async () => {
  const decomposed = fixturePassphrase.replace('\u00e9', 'e\u0301')
  assert.notEqual(decomposed, fixturePassphrase)
  const key = await openSoftwareKeyFile(fixture('software-v1.json'), decomposed)
  assert.deepEqual(key.publicKey, hexToBytes(fixturePublicKey))
  await key.close()
})

test('behavior: the file has mode 0600 and the documented fields', async () => {
  const path = freshPath()
  await (await createSoftwareKeyFile(path, passphrase, fast)).close()
  assert.equal((await stat(path)).mode & 0o777, 0o600)
  const json = JSON.parse(await readFile(path, 'utf8'))
  assert.deepEqual(Object.keys(json), [
    'format',
    'version',
    'curve',
    'publicKey',
    'kdf',
    'cipher',
    'ciphertext',
  ])
  assert.equal(json.format, 'veriot-device-key')
  assert.equal(json.version, 1)
  assert.deepEqual(
    { ...json.kdf, salt: json.kdf.salt.length },
    { name: 'scrypt', N: 2 ** 14, r: 8, p: 1, salt: 64 },
  )
  assert.equal(json.cipher.name, 'aes-256-gcm')
})

test('behavior: no temporary file is left next to the key file', async () => {
  const sub = await mkdtemp(join(dir, 'clean-'))
  await (await createSoftwareKeyFile(join(sub, 'device.key'), passphrase, fast)).close()
  assert.deepEqual(await readdir(sub), ['device.key'])
})

test('behavior: scrypt N defaults to 2^17', async () => {
  const path = freshPath()
  await (await createSoftwareKeyFile(path, passphrase)).close()
  assert.equal(JSON.parse(await readFile(path, 'utf8')).kdf.N, 2 ** 17)
})

test('behavior: signatures are not low-S normalised', async () => {
  // Fixed key and messages with RFC 6979 nonces: the outcome is deterministic.
  const key = createSoftwareKey(sha256(utf8ToBytes('veriot low-S test key')))
  let highS = 0
  for (let i = 0; i < 16; i++) {
    const msg = utf8ToBytes(`message ${i}`)
    const signature = await key.sign(msg)
    assertVerifies(signature, key.publicKey, msg)
    if (p256.Signature.fromBytes(signature, 'compact').s > P256_N / 2n) highS++
  }
  assert.ok(highS > 0, 'expected at least one high-S signature in 16')
  await key.close()
})

test('behavior: close is idempotent and a closed key refuses to sign', async () => {
  const key = await createSoftwareKeyFile(freshPath(), passphrase, fast)
  await key.close()
  await key.close()
  await assert.rejects(key.sign(message), hasCode('INVALID_ARGUMENT'))
})

test('behavior: publicKey is a copy the caller cannot alter', async () => {
  const key = await createSoftwareKeyFile(freshPath(), passphrase, fast)
  const first = key.publicKey
  first.fill(0)
  assert.equal(key.publicKey[0], 0x04)
  await key.close()
})

test('error: sign rejects a message that is not bytes', async () => {
  const key = await openSoftwareKeyFile(fixture('software-v1.json'), fixturePassphrase)
  for (const message of ['text', [1, 2], null, undefined, 42]) {
    await assert.rejects(key.sign(message as unknown as Uint8Array), hasCode('INVALID_ARGUMENT'))
  }
  await key.close()
})

test('error: wrong passphrase', async () => {
  const path = freshPath()
  await (await createSoftwareKeyFile(path, passphrase, fast)).close()
  await assert.rejects(openSoftwareKeyFile(path, 'Tr0ub4dor&3'), (err) => {
    hasCode('KEY_PASSPHRASE_WRONG')(err)
    assert.ok(!(err as Error).message.includes('Tr0ub4dor'))
    assert.ok(!JSON.stringify(err).includes('Tr0ub4dor'))
    return true
  })
})

test('error: missing or empty passphrase', async () => {
  for (const missing of [undefined, ''] as unknown as string[]) {
    await assert.rejects(
      createSoftwareKeyFile(freshPath(), missing, fast),
      hasCode('KEY_PASSPHRASE_MISSING'),
    )
    await assert.rejects(
      openSoftwareKeyFile(fixture('software-v1.json'), missing),
      hasCode('KEY_PASSPHRASE_MISSING'),
    )
  }
})

test('error: refuses to overwrite an existing file', async () => {
  const path = freshPath()
  await (await createSoftwareKeyFile(path, passphrase, fast)).close()
  const before = await readFile(path)
  await assert.rejects(createSoftwareKeyFile(path, passphrase, fast), hasCode('KEY_FILE_EXISTS'))
  assert.deepEqual(await readFile(path), before)
})

test('error: the final move never replaces a file that appeared meanwhile', async () => {
  const path = freshPath()
  await writeFile(path, 'someone else')
  await assert.rejects(writeNewFile(path, 'key'), hasCode('KEY_FILE_EXISTS'))
  assert.equal(await readFile(path, 'utf8'), 'someone else')
  assert.equal((await readdir(dir)).filter((name) => name.endsWith('.tmp')).length, 0)
})

test('error: missing file or directory', async () => {
  await assert.rejects(
    openSoftwareKeyFile(join(dir, 'absent.key'), passphrase),
    hasCode('KEY_FILE_NOT_FOUND'),
  )
  await assert.rejects(
    createSoftwareKeyFile(join(dir, 'no-such-dir', 'device.key'), passphrase, fast),
    hasCode('KEY_FILE_NOT_FOUND'),
  )
})

test('error: scryptN outside powers of two from 2^14 to 2^20', async () => {
  for (const scryptN of [
    2 ** 13,
    2 ** 14 + 1,
    2 ** 21,
    0,
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ]) {
    await assert.rejects(
      createSoftwareKeyFile(freshPath(), passphrase, { scryptN }),
      hasCode('INVALID_ARGUMENT'),
    )
  }
})

test('error: tampered fixtures', async () => {
  const cases = [
    ['software-v1.tampered-ciphertext.json', 'KEY_PASSPHRASE_WRONG', undefined],
    ['software-v1.tampered-public-key.json', 'KEY_PASSPHRASE_WRONG', undefined],
    ['software-v1.mismatched-key.json', 'KEY_FILE_MALFORMED', 'ciphertext'],
    ['software-v2.json', 'KEY_FILE_MALFORMED', 'version'],
    ['software-v1.truncated.json', 'KEY_FILE_MALFORMED', 'file'],
  ] as const
  for (const [name, code, field] of cases) {
    await assert.rejects(
      openSoftwareKeyFile(fixture(name), fixturePassphrase),
      hasCode(code, field),
      name,
    )
  }
})

test('error: hostile key files', async () => {
  const valid = JSON.parse(await readFile(fixture('software-v1.json'), 'utf8'))
  const offCurve = `04${'11'.repeat(64)}`
  const json = (patch: (f: typeof valid) => unknown) =>
    JSON.stringify(patch(structuredClone(valid)))
  const cases: [string, string | Uint8Array, string][] = [
    ['empty file', '', 'file'],
    ['not JSON', 'veriot', 'file'],
    ['invalid UTF-8', Uint8Array.of(0xff, 0xfe, 0x7b, 0x7d), 'file'],
    ['over 64 KiB', ' '.repeat(64 * 1024 + 1), 'file'],
    ['JSON null', 'null', 'file'],
    ['JSON array', '[]', 'file'],
    ['JSON number', '1', 'file'],
    ['extra top-level field', json((f) => ({ ...f, note: 'x' })), 'file'],
    ['extra kdf field', json((f) => ({ ...f, kdf: { ...f.kdf, maxmem: 1 } })), 'kdf'],
    ['missing ciphertext', json(({ ciphertext: _, ...f }) => f), 'ciphertext'],
    ['other format', json((f) => ({ ...f, format: 'ethereum-keystore' })), 'format'],
    ['version 0', json((f) => ({ ...f, version: 0 })), 'version'],
    ['version -1', json((f) => ({ ...f, version: -1 })), 'version'],
    ['version 1.5', json((f) => ({ ...f, version: 1.5 })), 'version'],
    ['version "1"', json((f) => ({ ...f, version: '1' })), 'version'],
    ['curve P-384', json((f) => ({ ...f, curve: 'P-384' })), 'curve'],
    [
      'public key upper-case hex',
      json((f) => ({ ...f, publicKey: f.publicKey.toUpperCase() })),
      'publicKey',
    ],
    [
      'public key compressed',
      json((f) => ({ ...f, publicKey: `02${f.publicKey.slice(2, 66)}` })),
      'publicKey',
    ],
    ['public key off the curve', json((f) => ({ ...f, publicKey: offCurve })), 'publicKey'],
    [
      'public key with 02 prefix',
      json((f) => ({ ...f, publicKey: `02${f.publicKey.slice(2)}` })),
      'publicKey',
    ],
    [
      'public key truncated',
      json((f) => ({ ...f, publicKey: f.publicKey.slice(0, -2) })),
      'publicKey',
    ],
    ['kdf pbkdf2', json((f) => ({ ...f, kdf: { ...f.kdf, name: 'pbkdf2' } })), 'kdf.name'],
    ['N = 2^13', json((f) => ({ ...f, kdf: { ...f.kdf, N: 2 ** 13 } })), 'kdf.N'],
    ['N = 2^21', json((f) => ({ ...f, kdf: { ...f.kdf, N: 2 ** 21 } })), 'kdf.N'],
    ['N = 2^14 + 1', json((f) => ({ ...f, kdf: { ...f.kdf, N: 2 ** 14 + 1 } })), 'kdf.N'],
    ['N = -1', json((f) => ({ ...f, kdf: { ...f.kdf, N: -1 } })), 'kdf.N'],
    ['N = 2^53', json((f) => ({ ...f, kdf: { ...f.kdf, N: 2 ** 53 } })), 'kdf.N'],
    ['N = 1e400 (Infinity)', json((f) => f).replace('"N":16384', '"N":1e400'), 'kdf.N'],
    ['N as a string', json((f) => ({ ...f, kdf: { ...f.kdf, N: '16384' } })), 'kdf.N'],
    ['N null', json((f) => ({ ...f, kdf: { ...f.kdf, N: null } })), 'kdf.N'],
    ['r = 1', json((f) => ({ ...f, kdf: { ...f.kdf, r: 1 } })), 'kdf.r'],
    ['p = 2', json((f) => ({ ...f, kdf: { ...f.kdf, p: 2 } })), 'kdf.p'],
    [
      'salt 31 bytes',
      json((f) => ({ ...f, kdf: { ...f.kdf, salt: f.kdf.salt.slice(2) } })),
      'kdf.salt',
    ],
    [
      'cipher chacha',
      json((f) => ({ ...f, cipher: { ...f.cipher, name: 'chacha20-poly1305' } })),
      'cipher.name',
    ],
    [
      'nonce 11 bytes',
      json((f) => ({ ...f, cipher: { ...f.cipher, nonce: f.cipher.nonce.slice(2) } })),
      'cipher.nonce',
    ],
    ['cipher not an object', json((f) => ({ ...f, cipher: 'aes-256-gcm' })), 'cipher'],
    [
      'ciphertext 47 bytes',
      json((f) => ({ ...f, ciphertext: f.ciphertext.slice(2) })),
      'ciphertext',
    ],
    ['ciphertext 49 bytes', json((f) => ({ ...f, ciphertext: `${f.ciphertext}00` })), 'ciphertext'],
    [
      'ciphertext not hex',
      json((f) => ({ ...f, ciphertext: `zz${f.ciphertext.slice(2)}` })),
      'ciphertext',
    ],
  ]
  for (const [name, content, field] of cases) {
    const path = freshPath()
    await writeFile(path, content)
    await assert.rejects(
      openSoftwareKeyFile(path, fixturePassphrase),
      hasCode('KEY_FILE_MALFORMED', field),
      name,
    )
  }
})
