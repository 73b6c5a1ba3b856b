// The pure install decision on synthetic proven words: every verdict, the image checks, and a
// hostile-input table. The chain-backed flow is in firmwareUpdate.test.ts.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { type ErrorCode, firmwareVersionToUint64, isVeriotError } from '@veriot/core'
import {
  type FirmwareCandidate,
  type InstallPolicy,
  releaseInstallSlots,
  type VerifiedRead,
  verifyReleaseForInstall,
} from '../../src/index.ts'

const v = firmwareVersionToUint64
const MODEL = 'sensor-a'
const image = utf8ToBytes('firmware sensor-a 1.1.0\n'.repeat(50))
const NOW = 1_800_000_000_000
const policy: InstallPolicy = {
  model: MODEL,
  installedVersion: v('1.0.0'),
  maxAgeSeconds: 300,
  now: NOW,
}
const good: FirmwareCandidate = { model: MODEL, version: v('1.1.0'), image }

/** A verified read of the five install words; `words` overrides them. */
function readOf(
  words: Partial<Record<'header' | 'hash' | 'measurement' | 'size' | 'versions', bigint>> = {},
  version = v('1.1.0'),
  timestamp = BigInt(NOW / 1000 - 10),
): VerifiedRead {
  const s = releaseInstallSlots(MODEL, version)
  const values = new Map<`0x${string}`, bigint>([
    [s.releaseHeader, words.header ?? 2n | (2n << 16n)], // Approved, 2 approvals
    [s.imageHash, words.hash ?? BigInt(`0x${bytesToHex(sha256(image))}`)],
    [s.measurement, words.measurement ?? 0x1234n],
    [s.imageSizeRevokedAt, words.size ?? BigInt(image.length)],
    [s.modelVersions, words.versions ?? v('1.0.0')],
  ])
  return { blockNumber: 100n, blockHash: `0x${'ab'.repeat(32)}`, timestamp, signers: [], values }
}

function hasCode(code: ErrorCode) {
  return (err: unknown) => {
    assert.ok(isVeriotError(err), `expected a VeriotError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    return true
  }
}

test('default: an approved release with the right image is installable, frozen', () => {
  const r = verifyReleaseForInstall(readOf(), good, policy)
  assert.equal(r.version, v('1.1.0'))
  assert.equal(r.approvals, 2)
  assert.equal(r.measurement.length, 32)
  assert.ok(Object.isFrozen(r))
})

test('error: each verdict other than Approved has its code', () => {
  const cases: Array<[bigint, bigint, ErrorCode]> = [
    [0n, 0n, 'FIRMWARE_RELEASE_UNKNOWN'],
    [1n | (1n << 16n), 0n, 'FIRMWARE_RELEASE_NOT_APPROVED'],
    [3n, 0n, 'FIRMWARE_RELEASE_REVOKED'],
    [3n | (1n << 8n), 0n, 'FIRMWARE_RELEASE_REVOKED'],
    [2n, v('1.2.0'), 'FIRMWARE_VERSION_BELOW_MINIMUM'],
  ]
  for (const [header, versions, code] of cases) {
    assert.throws(
      () => verifyReleaseForInstall(readOf({ header, versions }), good, policy),
      hasCode(code),
    )
  }
  assert.throws(
    () => verifyReleaseForInstall(readOf({ header: 3n | (1n << 8n) }), good, policy),
    (err: unknown) => isVeriotError(err) && err.context.lockdown === true,
  )
})

test('error: model, rollback, image, freshness and proof coverage', () => {
  const t = (read: VerifiedRead, c: FirmwareCandidate, p: InstallPolicy, code: ErrorCode) =>
    assert.throws(() => verifyReleaseForInstall(read, c, p), hasCode(code))
  t(readOf(), { ...good, model: 'sensor-b' }, policy, 'FIRMWARE_MODEL_MISMATCH')
  t(readOf(), good, { ...policy, installedVersion: v('1.1.0') }, 'FIRMWARE_VERSION_NOT_NEWER')
  t(readOf(), good, { ...policy, installedVersion: v('2.0.0') }, 'FIRMWARE_VERSION_NOT_NEWER')
  t(readOf({ size: BigInt(image.length + 1) }), good, policy, 'FIRMWARE_IMAGE_MISMATCH')
  t(readOf({ hash: 1n }), good, policy, 'FIRMWARE_IMAGE_MISMATCH')
  t(readOf({ measurement: 0n }), good, policy, 'FIRMWARE_RELEASE_INVALID')
  t(readOf(), good, { ...policy, now: NOW + 301_000 }, 'READ_STALE')
  t(readOf(), good, { ...policy, notBeforeBlock: 101n }, 'READ_STALE')
  // A read of another version's slots proves nothing about this one.
  t(readOf({}, v('1.2.0')), good, policy, 'READ_MISMATCH')
  // A status byte the contract never writes: fail closed.
  t(readOf({ header: 9n }), good, policy, 'INTERNAL')
})

test('error: hostile arguments are INVALID_ARGUMENT', () => {
  const bad: Array<[unknown, unknown, unknown]> = [
    [null, good, policy],
    [{ ...readOf(), values: {} }, good, policy],
    [readOf(), null, policy],
    [readOf(), { ...good, version: -1n }, policy],
    [readOf(), { ...good, version: 1n << 64n }, policy],
    [readOf(), { ...good, version: 1 }, policy],
    [readOf(), { ...good, image: 'bytes' }, policy],
    [readOf(), good, { ...policy, maxAgeSeconds: Number.NaN }],
    [readOf(), good, { ...policy, maxAgeSeconds: Number.POSITIVE_INFINITY }],
    [readOf(), good, { ...policy, maxAgeSeconds: -1 }],
    [readOf(), good, { ...policy, now: -1 }],
    [readOf(), good, { ...policy, model: '' }],
    [readOf(), good, { ...policy, model: 'x'.repeat(32) }],
    [readOf(), good, { ...policy, installedVersion: -1n }],
    [readOf(), good, { ...policy, notBeforeBlock: -1n }],
  ]
  for (const [read, c, p] of bad) {
    assert.throws(
      () =>
        verifyReleaseForInstall(read as VerifiedRead, c as FirmwareCandidate, p as InstallPolicy),
      hasCode('INVALID_ARGUMENT'),
    )
  }
})
