// Writes a small JSON file so that a crash leaves either the old file or the new one, complete:
// temp file, fsync, rename over the old one, fsync of the folder (the rename itself).

import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

/** Writes `value` as indented JSON to `path`, atomically and durably. */
export function writeJsonFileDurably(path: string, value: unknown): void {
  const text = `${JSON.stringify(value, null, 2)}\n` // throws before anything is written
  const tmp = `${path}.tmp`
  const fd = openSync(tmp, 'w', 0o600)
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  const dir = openSync(dirname(path), 'r')
  try {
    fsyncSync(dir)
  } finally {
    closeSync(dir)
  }
}
