// Production code has nothing anvil-specific: only the CLI's embedded mode may import the
// anvil helpers, and no source file outside src/anvil/ calls anvil_* / evm_* RPC methods.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const allowedImporters = new Set([
  'packages/cli/src/commands/up.ts',
  'packages/cli/src/commands/authority.ts',
  'packages/cli/src/context/createContext.ts',
])

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sources(path)
    return path.endsWith('.ts') ? [path] : []
  })
}

test('behavior: only the embedded mode imports the anvil helpers', () => {
  const files = ['core', 'device', 'node', 'cli'].flatMap((p) =>
    sources(join(root, 'packages', p, 'src')),
  )
  assert.ok(files.length > 20)
  for (const file of files) {
    const rel = relative(root, file)
    if (rel.startsWith('packages/node/src/anvil/')) continue
    const text = readFileSync(file, 'utf8')
    if (!allowedImporters.has(rel)) {
      assert.doesNotMatch(
        text,
        /from\s+['"](@veriot\/node\/anvil|[^'"]*\/anvil\/index\.ts)['"]/,
        `${rel} imports anvil helpers`,
      )
    }
    assert.doesNotMatch(
      text,
      /['"](anvil|evm|hardhat)_[a-zA-Z]+['"]/,
      `${rel} calls a dev-chain RPC method`,
    )
  }
})
