// Writes one benchmark's result to bench/results/<name>.json, overwriting it: keys sorted at
// every level, two-space indent, final newline, so a re-run diffs only where a number moved.

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const RESULTS_DIR = new URL('../results/', import.meta.url)

/** Writes `result` as bench/results/`name`.json and returns the path written. */
export function writeResult(name: string, result: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const path = join(RESULTS_DIR.pathname, `${name}.json`)
  writeFileSync(path, `${JSON.stringify(sortKeys(result), null, 2)}\n`)
  return path
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    )
  }
  return value
}
