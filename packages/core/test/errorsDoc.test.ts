import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { ErrorCodes } from '../src/errors/codes.ts'

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')
const rows = [...doc.matchAll(/^\| `([A-Z0-9_]+)` \| (\d) \|/gm)].map((m) => ({
  code: m[1] as string,
  exit: Number(m[2]),
}))

test('behavior: docs/errors.md lists exactly the codes in ErrorCodes', () => {
  assert.ok(rows.length > 10, 'the table was not found in docs/errors.md')
  const documented = rows.map((r) => r.code).sort()
  const defined = Object.keys(ErrorCodes).sort()
  assert.deepEqual(documented, defined)
})

test('behavior: each documented exit status matches the code', () => {
  for (const { code, exit } of rows) {
    assert.equal(exit, ErrorCodes[code as keyof typeof ErrorCodes], `exit status of ${code}`)
  }
})

test('behavior: no code is documented twice', () => {
  assert.equal(new Set(rows.map((r) => r.code)).size, rows.length)
})
