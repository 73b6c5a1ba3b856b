import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { isVeriotError } from '@veriot/core'
import { createDurableQueue } from '../../src/index.ts'

let root: string
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'veriot-queue-'))
})
after(async () => {
  await rm(root, { recursive: true, force: true })
})

let counter = 0
const freshDir = () => join(root, `q${++counter}`)
const bytesOf = (text: string) => new TextEncoder().encode(text)
const textOf = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

test('default: push, peekAll in order, remove', async () => {
  const queue = await createDurableQueue(freshDir())
  const a = await queue.push(bytesOf('a'))
  const b = await queue.push(bytesOf('b'))
  assert.equal(a, '0000000000000001.msg')
  assert.equal(b, '0000000000000002.msg')
  assert.equal(queue.size(), 2)
  assert.deepEqual(
    (await queue.peekAll()).map((i) => textOf(i.bytes)),
    ['a', 'b'],
  )
  await queue.remove(a)
  assert.equal(queue.size(), 1)
  assert.deepEqual(
    (await queue.peekAll()).map((i) => i.name),
    [b],
  )
  await queue.remove(a) // removing twice is a no-op
  assert.equal(queue.size(), 1)
})

test('behavior: items survive a reopen without close, in order (simulated crash)', async () => {
  const dir = freshDir()
  const first = await createDurableQueue(dir)
  // Concurrent pushes keep call order.
  await Promise.all(Array.from({ length: 20 }, (_, i) => first.push(bytesOf(`m${i}`))))
  await first.remove('0000000000000001.msg')
  // No close: the first instance is simply abandoned, as after a crash.
  const second = await createDurableQueue(dir)
  const items = await second.peekAll()
  assert.deepEqual(
    items.map((i) => textOf(i.bytes)),
    Array.from({ length: 19 }, (_, i) => `m${i + 1}`),
  )
  assert.equal(second.size(), 19)
  // New items go after the leftovers.
  const next = await second.push(bytesOf('new'))
  assert.equal(next, '0000000000000021.msg')
  assert.equal(textOf((await second.peekAll()).at(-1)?.bytes ?? new Uint8Array()), 'new')
})

test('behavior: pushed bytes are copied (later changes by the caller do not leak in)', async () => {
  const queue = await createDurableQueue(freshDir())
  const bytes = bytesOf('original')
  const pushed = queue.push(bytes)
  bytes.fill(0)
  await pushed
  assert.equal(textOf((await queue.peekAll())[0]?.bytes ?? new Uint8Array()), 'original')
})

test('behavior: a torn temp file from a crash mid-write is ignored and deleted', async () => {
  const dir = freshDir()
  const first = await createDurableQueue(dir)
  await first.push(bytesOf('whole'))
  // What a crash between write and rename leaves behind (push never resolved for it).
  await writeFile(join(dir, '0000000000000002.msg.0a1b2c3d4e5f.tmp'), bytesOf('tor'))
  await writeFile(join(dir, 'README'), 'not an item')
  const second = await createDurableQueue(dir)
  assert.deepEqual(
    (await second.peekAll()).map((i) => textOf(i.bytes)),
    ['whole'],
  )
  const files = (await readdir(dir)).sort()
  assert.deepEqual(files, ['0000000000000001.msg', 'README'])
  assert.equal(await second.push(bytesOf('next')), '0000000000000002.msg')
})

test('error: remove with a name that is not an item name, push with no bytes', async () => {
  const queue = await createDurableQueue(freshDir())
  for (const name of ['../etc/passwd', '1.msg', '0000000000000001.msg.tmp', '', 1]) {
    await assert.rejects(queue.remove(name as string), (err) =>
      isVeriotError(err, 'INVALID_ARGUMENT'),
    )
  }
  await assert.rejects(queue.push('text' as unknown as Uint8Array), (err) =>
    isVeriotError(err, 'INVALID_ARGUMENT'),
  )
})

test('error: push fails with STORE_FAILED when the directory is gone, and nothing is counted', async () => {
  const dir = freshDir()
  const queue = await createDurableQueue(dir)
  await rm(dir, { recursive: true })
  await assert.rejects(queue.push(bytesOf('x')), (err) => isVeriotError(err, 'STORE_FAILED'))
  assert.equal(queue.size(), 0)
})
