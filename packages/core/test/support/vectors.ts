// Shared by the tests that read pinned outside vectors from ../shared/vectors: a visible skip
// when the folder is absent, and the Wycheproof signature-file walk (load, check, count).

import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { hexToBytes } from '@noble/hashes/utils.js'

/**
 * Runs `register` (which declares the tests) when `dir` exists; otherwise declares one test
 * named `name` that is skipped with the path, so a missing ../shared shows in the report.
 */
export function withVectors(name: string, dir: URL, register: () => void): void {
  const path = fileURLToPath(dir)
  if (existsSync(path)) {
    register()
    return
  }
  test(name, (t) => {
    t.skip(`${name} not found at ${path}: clone with ../shared beside the repo`)
  })
}

/** Parsed JSON of `file` inside `dir`. */
export function readJson(dir: URL, file: string): any {
  return JSON.parse(readFileSync(new URL(file, dir), 'utf8'))
}

export type WycheproofResult = 'valid' | 'invalid' | 'acceptable'

export type SignatureCase = {
  readonly tcId: number
  readonly comment: string
  readonly flags: readonly string[]
  readonly result: WycheproofResult
  readonly publicKey: Uint8Array
  readonly msg: Uint8Array
  readonly sig: Uint8Array
  /** Context string, when the file has one for this case (ML-DSA). */
  readonly ctx?: Uint8Array
}

/**
 * Every case of a Wycheproof signature-verification file, with its group's public key (hex,
 * read by `publicKeyHexOf`). Asserts the algorithm and the file's own test count.
 */
export function readSignatureCases(
  dir: URL,
  file: string,
  algorithm: string,
  publicKeyHexOf: (group: any) => string,
): SignatureCase[] {
  const json = readJson(dir, file)
  assert.equal(json.algorithm, algorithm, `${file}: algorithm`)
  const cases: SignatureCase[] = []
  for (const group of json.testGroups) {
    const publicKey = hexToBytes(publicKeyHexOf(group))
    for (const t of group.tests) {
      cases.push({
        tcId: t.tcId,
        comment: t.comment,
        flags: t.flags,
        result: t.result,
        publicKey,
        msg: hexToBytes(t.msg),
        sig: hexToBytes(t.sig),
        ...(t.ctx === undefined ? {} : { ctx: hexToBytes(t.ctx) }),
      })
    }
  }
  assert.equal(cases.length, json.numberOfTests, `${file}: numberOfTests`)
  return cases
}

/**
 * Runs every case through `verify` and asserts that it gives the listed result ('acceptable'
 * as `acceptableIsAccepted` says), that every valid case has a tampered twin (message with one
 * bit flipped) that fails, and that the result counts are the pinned ones.
 */
export function assertSignatureCases(
  cases: readonly SignatureCase[],
  verify: (c: SignatureCase, msg: Uint8Array) => boolean,
  rule: { acceptableIsAccepted: boolean; pinnedCounts: Record<WycheproofResult, number> },
): void {
  assert.ok(cases.length > 0, 'no vectors checked')
  const counts: Record<WycheproofResult, number> = { valid: 0, invalid: 0, acceptable: 0 }
  const failures: string[] = []
  for (const c of cases) {
    counts[c.result]++
    const expected =
      c.result === 'valid' || (c.result === 'acceptable' && rule.acceptableIsAccepted)
    if (verify(c, c.msg) !== expected) {
      failures.push(`${caseLabel(c)}: expected ${expected ? 'accepted' : 'rejected'}`)
    }
    if (c.result === 'valid' && verify(c, flipFirstBit(c.msg))) {
      failures.push(`${caseLabel(c)}: accepted with a tampered message`)
    }
  }
  assert.deepEqual(failures, [])
  assert.ok(counts.valid > 0 && counts.invalid > 0, 'expected valid and invalid cases')
  assert.deepEqual(counts, rule.pinnedCounts, 'counts differ from the pinned version')
}

export function caseLabel(c: SignatureCase): string {
  return `tcId ${c.tcId} (${c.result}; ${c.flags.join(',')}; ${c.comment})`
}

/** A copy with the first bit flipped (one byte 0x01 for an empty message). */
export function flipFirstBit(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) return Uint8Array.of(1)
  const copy = bytes.slice()
  copy[0] = (copy[0] as number) ^ 0x01
  return copy
}
