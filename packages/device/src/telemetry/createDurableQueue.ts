// An on-disk FIFO of encoded messages (the device's outbox): whatever push() resolved for is
// still there after a crash or power loss, until remove() is called for it.

import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { VeriotError } from '@veriot/core'
import { createSerialQueue } from './createSerialQueue.ts'
import { errnoOf } from './errnoOf.ts'
import { syncDirectory } from './syncDirectory.ts'

const ITEM_NAME = /^(\d{16})\.msg$/
const MAX_POSITION = 10 ** 16 - 1

/** One queued item: its file name (the handle for remove) and its bytes. */
export type QueuedItem = {
  readonly name: string
  readonly bytes: Uint8Array
}

export type DurableQueue = {
  /** Where the items live. */
  readonly dir: string
  /**
   * Appends `bytes` and resolves with the item's name once the item is durable (file and
   * directory entry fsynced). Pushes are applied one at a time, in call order.
   * @throws STORE_FAILED when the item cannot be written
   */
  push(bytes: Uint8Array): Promise<string>
  /** Every item, oldest first. @throws STORE_FAILED when the directory cannot be read */
  peekAll(): Promise<QueuedItem[]>
  /** Deletes an item; removing a missing item does nothing. @throws STORE_FAILED */
  remove(name: string): Promise<void>
  /** Number of items in the queue. */
  size(): number
}

/**
 * Opens (creating it if needed) the queue in `dir`. Each item is one file named after its
 * position, `<16 digits>.msg`, so the order survives restarts and a directory listing is the
 * queue. An item is written to `<name>.<random>.tmp`, fsynced, renamed into place, then the
 * directory is fsynced: a crash leaves either no item or a whole one, never a torn one.
 * Leftover `*.tmp` files (a crash mid-write, for which push never resolved) are deleted on open.
 *
 * remove() does not fsync the directory: after a crash a removed item may come back and is
 * sent again, which the gateway answers as a duplicate (same bytes, same reading id).
 *
 * Only one process may use a queue directory at a time.
 *
 * @throws STORE_FAILED when the directory cannot be created or read
 * @example
 * const queue = await createDurableQueue('.veriot-device/outbox')
 * const name = await queue.push(bytes)
 * for (const item of await queue.peekAll()) await send(item.bytes).then(() => queue.remove(item.name))
 */
export async function createDurableQueue(dir: string): Promise<DurableQueue> {
  const names = await storeCall(dir, 'open', async () => {
    await mkdir(dir, { recursive: true })
    const entries = await readdir(dir)
    await Promise.all(
      entries.filter((e) => e.endsWith('.tmp')).map((e) => unlink(join(dir, e)).catch(() => {})),
    )
    return entries.filter((e) => ITEM_NAME.test(e))
  })
  const present = new Set(names)
  let last = names.reduce((max, name) => Math.max(max, positionOf(name)), 0)
  // Serialises pushes (FIFO order = call order) and removals of the same items.
  const serial = createSerialQueue()

  return {
    dir,
    push(bytes) {
      if (!(bytes instanceof Uint8Array)) {
        return rejectWith('INVALID_ARGUMENT', `"bytes" expected a Uint8Array, got ${typeof bytes}`)
      }
      const copy = Uint8Array.from(bytes)
      return serial(async () => {
        if (last >= MAX_POSITION) {
          throw new VeriotError('STORE_FAILED', `queue ${dir} has used every position`, {
            context: { dir },
          })
        }
        const name = `${String(last + 1).padStart(16, '0')}.msg`
        await storeCall(dir, 'push', () => writeItem(dir, name, copy))
        last += 1
        present.add(name)
        return name
      })
    },
    peekAll() {
      return serial(() =>
        storeCall(dir, 'read', () =>
          Promise.all(
            [...present].sort().map(async (name) => ({
              name,
              bytes: new Uint8Array(await readFile(join(dir, name))),
            })),
          ),
        ),
      )
    },
    remove(name) {
      if (typeof name !== 'string' || !ITEM_NAME.test(name)) {
        return rejectWith(
          'INVALID_ARGUMENT',
          `"name" expected <16 digits>.msg, got ${JSON.stringify(String(name).slice(0, 40))}`,
        )
      }
      return serial(async () => {
        await storeCall(dir, 'remove', () =>
          unlink(join(dir, name)).catch((err) => {
            if (errnoOf(err) !== 'ENOENT') throw err
          }),
        )
        present.delete(name)
      })
    },
    size: () => present.size,
  }
}

async function writeItem(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  const temp = join(dir, `${name}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    const handle = await open(temp, 'wx', 0o600)
    try {
      await handle.writeFile(bytes)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, join(dir, name))
  } catch (err) {
    await unlink(temp).catch(() => {})
    throw err
  }
  await syncDirectory(dir)
}

function rejectWith<T>(code: 'INVALID_ARGUMENT', message: string): Promise<T> {
  return Promise.reject(new VeriotError(code, message))
}

function positionOf(name: string): number {
  return Number(ITEM_NAME.exec(name)?.[1] ?? 0)
}

async function storeCall<T>(dir: string, action: string, task: () => Promise<T>): Promise<T> {
  try {
    return await task()
  } catch (cause) {
    if (cause instanceof VeriotError) throw cause
    throw new VeriotError('STORE_FAILED', `queue ${dir}: ${action} failed with ${errnoOf(cause)}`, {
      cause,
      context: { dir, action },
    })
  }
}
