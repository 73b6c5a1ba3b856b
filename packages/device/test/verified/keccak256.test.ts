// The verifying client's Keccak-256: the WebAssembly engine (hash-wasm) must give noble's bytes
// for every input, and a runtime without WebAssembly must keep working on noble.

import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import {
  keccak256,
  keccakEngine,
  loadKeccakWasm,
  useKeccakEngine,
} from '../../src/verified/keccak256.ts'

// Keccak-256 of the empty input (the Ethereum constant, e.g. the code hash of an empty account).
const EMPTY = 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'

describe('keccak256 engines', () => {
  test('default: noble answers before the WebAssembly engine is loaded', () => {
    // Nothing in this file has loaded it yet.
    assert.equal(keccakEngine(), 'noble')
    assert.equal(bytesToHex(keccak256(new Uint8Array(0))), EMPTY)
  })

  test('behavior: once loaded, hash-wasm gives noble’s digest for any input', async () => {
    assert.equal(await loadKeccakWasm(), true)
    assert.equal(await loadKeccakWasm(), true) // idempotent
    assert.equal(keccakEngine(), 'hash-wasm')
    assert.equal(bytesToHex(keccak256(new Uint8Array(0))), EMPTY)
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2_000 }), (data) => {
        assert.equal(bytesToHex(keccak256(data)), bytesToHex(keccak_256(data)))
      }),
      { numRuns: 500 },
    )
  })

  test('behavior: every digest is a fresh array that later calls do not overwrite', async () => {
    await loadKeccakWasm()
    const first = keccak256(Uint8Array.of(1))
    const copy = bytesToHex(first)
    keccak256(Uint8Array.of(2))
    assert.equal(bytesToHex(first), copy)
    assert.equal(first.length, 32)
  })

  test('behavior: useKeccakEngine("noble") keeps noble in use until "auto"', async () => {
    await loadKeccakWasm()
    useKeccakEngine('noble')
    try {
      assert.equal(keccakEngine(), 'noble')
      assert.equal(bytesToHex(keccak256(new Uint8Array(0))), EMPTY)
    } finally {
      useKeccakEngine('auto')
    }
    assert.equal(keccakEngine(), 'hash-wasm')
  })

  test('behavior: without WebAssembly (node --jitless) loading reports false and noble answers', () => {
    const script = fileURLToPath(new URL('./support/keccakWithoutWasm.ts', import.meta.url))
    const child = spawnSync(process.execPath, ['--jitless', '--import', 'tsx', script], {
      encoding: 'utf8',
      timeout: 120_000,
    })
    assert.equal(child.status, 0, child.stderr)
    assert.deepEqual(JSON.parse(child.stdout), { loaded: false, engine: 'noble', empty: EMPTY })
  })
})
