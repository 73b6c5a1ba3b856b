#!/usr/bin/env node
// Runs every TypeScript test (packages/*/test/**/*.test.ts, or those under the given folders)
// on Node's built-in runner through tsx. Node 20's `--test` does not expand globs itself.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = join(import.meta.dirname, '..')
const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['packages', 'examples']

function find(dir) {
  let out = []
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out = out.concat(find(path))
    else if (name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

const files = roots.flatMap((r) => find(join(root, r))).sort()
if (files.length === 0) {
  console.error('no test files found')
  process.exit(1)
}
// Two files at a time: most of the time goes to waiting on child processes (anvil, the CLI,
// swtpm, brokers), every server binds an ephemeral loopback port and every file has its own
// temporary directories, so files do not share state. VERIOT_TEST_CONCURRENCY=1 runs them one
// by one (e.g. to read one failing file's output in order).
const concurrency = Number(process.env.VERIOT_TEST_CONCURRENCY ?? 2)
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    ...files.map((f) => relative(root, f)),
  ],
  { cwd: root, stdio: 'inherit' },
)
process.exit(result.status ?? 1)
