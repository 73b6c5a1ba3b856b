import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { isVeriotError } from '@veriot/core'
import { createSequenceCounter } from '../../src/index.ts'

let root: string
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'veriot-sequence-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

let counter = 0
const freshFile = () => join(root, `d${++counter}`, 'sequence.json')

async function take(next: () => Promise<number>, n: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push(await next())
  return out
}

test('default: starts at 1 and increases by one', async () => {
  const seq = await createSequenceCounter(freshFile())
  assert.deepEqual(await take(seq.next, 5), [1, 2, 3, 4, 5])
  await seq.close()
})

test('behavior: never repeats across reopen without close (simulated crash)', async () => {
  const file = freshFile()
  const seen = new Set<number>()
  let previous = 0
  for (let run = 0; run < 5; run++) {
    // Abandon every instance without close, as after a crash; 1 to 250 numbers per run.
    const seq = await createSequenceCounter(file, { reserve: 7 })
    for (const n of await take(seq.next, 1 + ((run * 61) % 250))) {
      assert.ok(n > previous, `${n} after ${previous}`)
      assert.ok(!seen.has(n), `${n} reused`)
      seen.add(n)
      previous = n
    }
  }
})

test('behavior: the gap after a crash is below the reservation block', async () => {
  const file = freshFile()
  const first = await createSequenceCounter(file, { reserve: 100 })
  assert.deepEqual(await take(first.next, 3), [1, 2, 3])
  assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { version: 1, reserved: 100 })
  const second = await createSequenceCounter(file, { reserve: 100 })
  assert.equal(await second.next(), 101)
})

test('behavior: close persists the last number, so a clean restart leaves no gap', async () => {
  const file = freshFile()
  const first = await createSequenceCounter(file)
  await take(first.next, 42)
  await first.close()
  await first.close()
  const second = await createSequenceCounter(file)
  assert.equal(await second.next(), 43)
  await assert.rejects(first.next(), (err) => isVeriotError(err, 'INTERNAL'))
})

test('behavior: concurrent next() calls get distinct increasing numbers', async () => {
  const seq = await createSequenceCounter(freshFile(), { reserve: 3 })
  const numbers = await Promise.all(Array.from({ length: 50 }, () => seq.next()))
  assert.deepEqual(
    numbers,
    Array.from({ length: 50 }, (_, i) => i + 1),
  )
})

test('behavior: a stale temp file is removed and does not affect the count', async () => {
  const file = freshFile()
  const first = await createSequenceCounter(file, { reserve: 10 })
  await first.next()
  const dir = join(file, '..')
  await writeFile(join(dir, '.sequence.json.deadbeef0000.tmp'), '{"version":1,"reserved":99')
  const second = await createSequenceCounter(file, { reserve: 10 })
  assert.equal(await second.next(), 11)
  assert.deepEqual(await readdir(dir), ['sequence.json'])
})

test('error: a malformed counter file is refused, never reset to 1', async () => {
  const cases = [
    '',
    '{"version":1,"reserved":12',
    '{"version":2,"reserved":12}',
    '{"version":1,"reserved":-1}',
    '{"version":1,"reserved":1.5}',
    '{"version":1,"reserved":"12"}',
    '{"version":1,"reserved":9007199254740992}',
    '{"version":1,"reserved":12,"extra":true}',
    '[]',
    'null',
  ]
  for (const text of cases) {
    const file = freshFile()
    await createSequenceCounter(file) // creates the directory
    await writeFile(file, text)
    await assert.rejects(
      createSequenceCounter(file),
      (err) => isVeriotError(err, 'STORE_FAILED'),
      JSON.stringify(text),
    )
  }
})

test('error: reserve must be an integer ≥ 1', async () => {
  for (const reserve of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    await assert.rejects(createSequenceCounter(freshFile(), { reserve }), (err) =>
      isVeriotError(err, 'INVALID_ARGUMENT'),
    )
  }
})
