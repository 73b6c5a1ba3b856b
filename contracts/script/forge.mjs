#!/usr/bin/env node
// Runs the forge binary from @foundry-rs/forge with the offline solc-js compiler
// (`--use script/solc.mjs`), so `forge build` and `forge test` never download anything.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const require = createRequire(import.meta.url)

/** Path of the forge binary shipped inside the platform package of @foundry-rs/forge. */
export function getForgePath() {
  const pkg = `@foundry-rs/forge-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'bin', 'forge')
}

/** Runs forge with the given arguments in contracts/, adding `--use` for build and test. */
export function runForge(args, options = {}) {
  const [command, ...rest] = args
  const useArgs = ['build', 'test', 'snapshot', 'coverage'].includes(command)
    ? ['--use', join(here, 'solc.mjs')]
    : []
  return spawnSync(getForgePath(), [command, ...useArgs, ...rest], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, FOUNDRY_DISABLE_NIGHTLY_WARNING: '1' },
    ...options,
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = runForge(process.argv.slice(2))
  process.exit(result.status ?? 1)
}
