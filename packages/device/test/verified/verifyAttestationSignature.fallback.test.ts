// Noble's fallback for the secp256k1 attestation check, on a device without tiny-secp256k1:
// the engines test runs again in a child process with the module hidden, so recovery and the
// kept-key path are held to the same rule as every engine.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

test('behavior: without tiny-secp256k1 the check runs on noble and the engines still agree', () => {
  const child = spawnSync(
    process.execPath,
    [
      '--require',
      fileURLToPath(new URL('./support/hideTinySecp256k1.cjs', import.meta.url)),
      '--import',
      'tsx',
      fileURLToPath(new URL('./verifyAttestationSignature.engines.test.ts', import.meta.url)),
    ],
    {
      // Without NODE_TEST_CONTEXT the child reports as a test run of its own (TAP on stdout).
      env: { ...withoutTestContext(process.env), VERIOT_TEST_TINY_SECP256K1_HIDDEN: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    },
  )
  assert.equal(child.status, 0, `${child.stdout}\n${child.stderr}`)
  assert.match(child.stdout, /# pass 8\n/)
  assert.match(child.stdout, /# fail 0\n/)
})

function withoutTestContext(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _, ...rest } = env
  return rest
}
