// Makes a directory's entries (a rename, a new file) durable: fsync on the directory itself.

import { open } from 'node:fs/promises'
import { errnoOf } from './errnoOf.ts'

// Platforms that cannot open or fsync a directory (Windows, some network file systems).
const UNSUPPORTED = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'ENOTSUP', 'EOPNOTSUPP'])

/**
 * fsyncs `dir` so that entries renamed or created in it survive a power loss. Where the
 * platform cannot fsync a directory it does nothing; any other failure is thrown.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(dir, 'r')
  } catch (err) {
    if (UNSUPPORTED.has(errnoOf(err))) return
    throw err
  }
  try {
    await handle.sync()
  } catch (err) {
    if (!UNSUPPORTED.has(errnoOf(err))) throw err
  } finally {
    await handle.close()
  }
}
