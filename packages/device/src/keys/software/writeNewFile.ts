// Writes a file that must not exist yet, atomically and readable by its owner only.

import { randomBytes } from 'node:crypto'
import { chmod, link, open, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { VeriotError } from '@veriot/core'

/**
 * Writes `data` to a temporary file in the same directory (mode 0600, fsynced), then moves it to
 * `path`. The move is link(2) rather than rename(2): rename silently replaces an existing file,
 * link fails with EEXIST, so two writers racing for one path cannot overwrite each other. Only on
 * file systems without hard links does it fall back to a stat check followed by rename.
 *
 * @throws KEY_FILE_EXISTS when `path` exists; KEY_FILE_NOT_FOUND when its directory is missing
 */
export async function writeNewFile(path: string, data: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(temp, 'wx', 0o600)
  } catch (err) {
    throw new VeriotError(
      'KEY_FILE_NOT_FOUND',
      `"path" expected a writable directory, got ${errno(err)}`,
      {
        context: { path },
        cause: err,
      },
    )
  }
  try {
    try {
      await handle.writeFile(data, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    // The umask can only clear bits, but make the mode exact rather than merely no wider.
    await chmod(temp, 0o600)
    await moveNoClobber(temp, path)
    await syncDirectory(dirname(path))
  } finally {
    await unlink(temp).catch(() => undefined)
  }
}

async function moveNoClobber(from: string, to: string): Promise<void> {
  try {
    await link(from, to)
    return
  } catch (err) {
    if (errno(err) === 'EEXIST') throw exists(to, err)
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(errno(err))) throw err
  }
  const existing = await stat(to).catch(() => undefined)
  if (existing !== undefined) throw exists(to)
  await rename(from, to)
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the new directory entry durable; not every platform can open a directory, so best effort.
  const handle = await open(dir, 'r').catch(() => undefined)
  if (handle === undefined) return
  await handle.sync().catch(() => undefined)
  await handle.close()
}

function exists(path: string, cause?: unknown): VeriotError {
  return new VeriotError(
    'KEY_FILE_EXISTS',
    `"path" expected no existing file, got one at ${path}`,
    {
      context: { path },
      ...(cause === undefined ? {} : { cause }),
    },
  )
}

function errno(err: unknown): string {
  return err instanceof Error && 'code' in err && typeof err.code === 'string'
    ? err.code
    : 'an error'
}
