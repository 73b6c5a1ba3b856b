// createWalSync: one fdatasync covers the commits before it; calls made during a flush share
// the next one; a failed flush (a special file that cannot be synced, a log that vanished)
// fails that call and every later one.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { createWalSync } from '../src/store/createWalSync.ts'

const dir = mkdtempSync(join(tmpdir(), 'veriot-wal-sync-'))
after(() => rmSync(dir, { recursive: true, force: true }))

describe('createWalSync', () => {
  test('default: each call resolves after a flush; calls during a flush share the next one', async () => {
    const file = join(dir, 'a.sqlite-wal')
    writeFileSync(file, 'frames')
    const wal = createWalSync(file)
    try {
      await wal.sync()
      assert.equal(wal.flushes, 1)
      // The first call starts a flush; the nine made while it runs wait for one more.
      await Promise.all(Array.from({ length: 10 }, () => wal.sync()))
      assert.equal(wal.flushes, 3)
    } finally {
      await wal.close()
    }
  })

  test('error: a file that cannot be synced fails the call and every later one', async () => {
    // Linux refuses fdatasync on a character device with EINVAL.
    const wal = createWalSync('/dev/null')
    try {
      await assert.rejects(wal.sync(), { code: 'EINVAL' })
      await assert.rejects(wal.sync(), { code: 'EINVAL' })
      assert.equal(wal.flushes, 1)
    } finally {
      await wal.close()
    }
  })

  test('error: calls waiting for the next flush fail with the one that failed', async () => {
    const wal = createWalSync('/dev/null')
    try {
      const results = await Promise.allSettled([wal.sync(), wal.sync(), wal.sync()])
      assert.deepEqual(
        results.map((r) => r.status),
        ['rejected', 'rejected', 'rejected'],
      )
      assert.equal(wal.flushes, 1)
    } finally {
      await wal.close()
    }
  })

  test('error: a log that does not exist fails with ENOENT', async () => {
    const wal = createWalSync(join(dir, 'missing.sqlite-wal'))
    await assert.rejects(wal.sync(), { code: 'ENOENT' })
    await wal.close()
  })
})
