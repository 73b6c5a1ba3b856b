import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { type Hex, hexToBigInt, keccak256, stringToHex, zeroHash } from 'viem'
import {
  decodeModelVersionsWord,
  decodeReleaseHeaderWord,
  firmwareVerdictFromWords,
} from '../src/firmware/decodeFirmwareWords.ts'
import { firmwareStorageSlots } from '../src/firmware/firmwareStorageSlots.ts'
import { firmwareVerdictOf, releaseStatusOf } from '../src/firmware/firmwareVerdict.ts'
import { encodeReleaseMessage, RELEASE_DOMAIN } from '../src/firmware/releaseMessage.ts'

const MODEL = stringToHex('coldchain-sensor', { size: 32 })
const U64 = (1n << 64n) - 1n

/** Packs releases[..] + 0 as Solidity does (docs/contracts.md). */
function header(f: {
  status: number
  lockdown?: boolean
  approvals?: number
  keyEpoch?: number
  approvalMask?: number
  publishedAt?: bigint
  approvedAt?: bigint
}): bigint {
  return (
    BigInt(f.status) |
    (BigInt(f.lockdown ? 1 : 0) << 8n) |
    (BigInt(f.approvals ?? 0) << 16n) |
    (BigInt(f.keyEpoch ?? 0) << 24n) |
    (BigInt(f.approvalMask ?? 0) << 56n) |
    ((f.publishedAt ?? 0n) << 88n) |
    ((f.approvedAt ?? 0n) << 152n)
  )
}

test('behavior: release header words decode field by field', () => {
  fc.assert(
    fc.property(
      fc.record({
        status: fc.integer({ min: 0, max: 3 }),
        lockdown: fc.boolean(),
        approvals: fc.integer({ min: 0, max: 255 }),
        keyEpoch: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        approvalMask: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        publishedAt: fc.bigInt({ min: 0n, max: U64 }),
        approvedAt: fc.bigInt({ min: 0n, max: U64 }),
      }),
      (f) => {
        const d = decodeReleaseHeaderWord(header(f))
        assert.equal(d.status, ['none', 'pending', 'approved', 'revoked'][f.status])
        assert.equal(d.lockdown, f.lockdown)
        assert.equal(d.approvals, f.approvals)
        assert.equal(d.keyEpoch, f.keyEpoch)
        assert.equal(d.approvalMask, f.approvalMask)
        assert.equal(d.publishedAt, f.publishedAt)
        assert.equal(d.approvedAt, f.approvedAt)
      },
    ),
  )
})

test('behavior: model version words decode field by field', () => {
  const word = 7n | (9n << 64n) | (8n << 128n)
  assert.deepEqual(decodeModelVersionsWord(word), {
    minimumVersion: 7n,
    latestVersion: 9n,
    latestApprovedVersion: 8n,
  })
})

test('behavior: the verdict from proved words follows FirmwareRegistry.verdictOf', () => {
  const minimum = 5n
  const cases: Array<[bigint, bigint, string]> = [
    [5n, 0n, 'unknown'],
    [5n, header({ status: 1 }), 'pending'],
    [4n, header({ status: 1 }), 'pending'],
    [5n, header({ status: 2 }), 'approved'],
    [4n, header({ status: 2 }), 'belowMinimum'],
    [9n, header({ status: 3 }), 'revoked'],
    [9n, header({ status: 3, lockdown: true }), 'lockdown'],
  ]
  for (const [version, word, verdict] of cases) {
    assert.equal(firmwareVerdictFromWords(version, word, minimum), verdict, `${version} ${word}`)
  }
})

test('error: hostile words and enum values are refused, never read as a verdict', () => {
  for (const word of [4n, 255n, (1n << 256n) - 1n, header({ status: 2 }) | 0xfen]) {
    assert.throws(() => decodeReleaseHeaderWord(word), RangeError, `word ${word}`)
    assert.throws(() => firmwareVerdictFromWords(1n, word, 0n), RangeError)
  }
  for (const value of [-1, 4, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => releaseStatusOf(value), RangeError, `status ${value}`)
  }
  for (const value of [-1, 6, 2.5, Number.NaN, Number.NEGATIVE_INFINITY]) {
    assert.throws(() => firmwareVerdictOf(value), RangeError, `verdict ${value}`)
  }
})

test('behavior: the release message covers every field, the chain and the registry', () => {
  const release = {
    model: MODEL,
    version: 1n << 32n,
    imageHash: keccak256('0x01'),
    imageSize: 4096n,
    measurement: keccak256('0x02'),
    metadataHash: zeroHash as Hex,
    metadataUri: 'https://firmware.example/1.0.0.json',
  }
  const ctx = { chainId: 31337n, registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3' } as const
  const base = encodeReleaseMessage(release, ctx)
  assert.equal(base.slice(0, 66), RELEASE_DOMAIN)
  assert.equal(base.length, 2 + 10 * 64)
  const variants = [
    encodeReleaseMessage({ ...release, model: stringToHex('car-lock', { size: 32 }) }, ctx),
    encodeReleaseMessage({ ...release, version: release.version + 1n }, ctx),
    encodeReleaseMessage({ ...release, imageHash: keccak256('0x03') }, ctx),
    encodeReleaseMessage({ ...release, imageSize: 4097n }, ctx),
    encodeReleaseMessage({ ...release, measurement: keccak256('0x04') }, ctx),
    encodeReleaseMessage({ ...release, metadataHash: keccak256('0x05') }, ctx),
    encodeReleaseMessage({ ...release, metadataUri: 'https://evil.example/' }, ctx),
    encodeReleaseMessage(release, { ...ctx, chainId: 1n }),
    encodeReleaseMessage(release, {
      ...ctx,
      registry: '0x0000000000000000000000000000000000000001',
    }),
  ]
  assert.equal(new Set([base, ...variants]).size, variants.length + 1)
})

test('behavior: storage slots follow the documented layout', () => {
  const s = firmwareStorageSlots(MODEL, 1n << 32n)
  assert.equal(hexToBigInt(s.modelVersions), hexToBigInt(s.modelHeader) + 1n)
  assert.equal(hexToBigInt(s.imageHash), hexToBigInt(s.releaseHeader) + 1n)
  assert.equal(hexToBigInt(s.measurement), hexToBigInt(s.releaseHeader) + 2n)
  assert.equal(hexToBigInt(s.imageSizeRevokedAt), hexToBigInt(s.releaseHeader) + 4n)
  assert.notEqual(firmwareStorageSlots(MODEL, 2n << 32n).releaseHeader, s.releaseHeader)
  assert.equal(firmwareStorageSlots(MODEL, 2n << 32n).modelHeader, s.modelHeader)
})
