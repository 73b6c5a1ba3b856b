import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { writeJsonFileDurably } from '../src/store/writeJsonFileDurably.ts'

describe('writeJsonFileDurably', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-json-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  test('default: writes indented JSON, owner-only, and leaves no temp file', () => {
    const path = join(dir, 'a.json')
    writeJsonFileDurably(path, { a: 1 })
    assert.equal(readFileSync(path, 'utf8'), '{\n  "a": 1\n}\n')
    assert.equal(statSync(path).mode & 0o777, 0o600)
    assert.equal(existsSync(`${path}.tmp`), false)
  })

  test('behavior: replaces the old content whole', () => {
    const path = join(dir, 'b.json')
    writeFileSync(path, '{"old":true}')
    writeJsonFileDurably(path, { new: [1, 2] })
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { new: [1, 2] })
  })

  test('error: a value JSON cannot hold throws and the old file stays', () => {
    const path = join(dir, 'c.json')
    writeJsonFileDurably(path, { keep: true })
    assert.throws(() => writeJsonFileDurably(path, { n: 1n }), TypeError)
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { keep: true })
    assert.equal(existsSync(`${path}.tmp`), false)
  })

  test('error: a missing folder throws ENOENT', () => {
    assert.throws(() => writeJsonFileDurably(join(dir, 'missing', 'd.json'), {}), {
      code: 'ENOENT',
    })
  })
})
