#!/usr/bin/env node
// A `solc` executable for `forge build --use`: answers `--version` and `--standard-json`
// through solc-js (npm `solc`), so Foundry compiles offline without downloading a compiler.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { isAbsolute, relative, resolve } from 'node:path'

const require = createRequire(import.meta.url)
const solc = require('solc')
const args = process.argv.slice(2)

if (args.includes('--version')) {
  // Foundry parses the last line: "Version: 0.8.30+commit.73712a01.Emscripten.clang"
  process.stdout.write(
    `solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`,
  )
  process.exit(0)
}
if (!args.includes('--standard-json')) {
  process.stderr.write('solc.mjs: only --version and --standard-json are supported\n')
  process.exit(2)
}
const chunks = []
process.stdin.on('data', (c) => chunks.push(c))
process.stdin.on('end', () => {
  const input = Buffer.concat(chunks).toString('utf8')
  // Foundry inlines most sources but leaves some transitive imports (keyed by a path relative
  // to --base-path) for solc to read, as native solc does; only files under --allow-paths.
  process.stdout.write(solc.compile(input, { import: readImport }))
})

function flagValue(name) {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}

function readImport(path) {
  const base = flagValue('--base-path') ?? process.cwd()
  const allowed = (flagValue('--allow-paths') ?? base).split(',').map((p) => resolve(p))
  const full = resolve(base, path)
  const inside = allowed.some((dir) => {
    const rel = relative(dir, full)
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
  })
  if (!inside) return { error: `${path} is outside --allow-paths` }
  try {
    return { contents: readFileSync(full, 'utf8') }
  } catch (err) {
    return { error: `${path}: ${err.message}` }
  }
}
