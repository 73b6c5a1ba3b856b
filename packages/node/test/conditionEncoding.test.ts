// ConditionRegistry rebuilds the bytes a device signs from decoded fields; these tests hold it to
// @veriot/core's encoder: the committed Forge vectors are what the TypeScript side generates
// today, random messages give equal signing bytes and reading ids through the contract's views
// on anvil, and the definition parser refuses the hostile-input table.

import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { p256 } from '@noble/curves/nist.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { conditionRegistryAbi } from '@veriot/contracts'
import {
  encodeTelemetry,
  isVeriotError,
  readingIdOf,
  readingValueToCbor,
  Suite,
  telemetrySigningBytes,
  type UnsignedTelemetry,
} from '@veriot/core'
import fc from 'fast-check'
import { bytesToHex, keccak256 } from 'viem'
import { thresholdToFixedPoint } from '../src/conditions/conditionToInput.ts'
import { compareToFixedPoint, evaluateReading } from '../src/conditions/evaluateReading.ts'
import { telemetryToEvidence } from '../src/conditions/telemetryToEvidence.ts'
import { createTelemetryVectors, readTelemetryVectors } from './support/telemetryVectors.ts'
import { startTestChain, type TestChain } from './testChain.ts'

test('behavior: contracts/test/fixtures/telemetry-vectors.json is what core encodes today', () => {
  assert.equal(
    readTelemetryVectors(),
    createTelemetryVectors(),
    'stale vectors: run `node --import tsx packages/node/test/support/telemetryVectors.ts --write` and re-run the Forge tests',
  )
})

test('args: thresholdToFixedPoint is exact and refuses what has no fixed-point value', () => {
  const ok: [string | number, number, bigint][] = [
    ['-20', 3, -20_000n],
    [-20, 3, -20_000n],
    [-20.5, 3, -20_500n],
    ['-20.001', 3, -20_001n],
    [0.1, 3, 100n],
    ['1e-3', 3, 1n],
    ['2.5E2', 0, 250n],
    [-0, 3, 0n],
    ['+7', 0, 7n],
    [' 8 ', 1, 80n],
    ['170141183460469231731687303715884105727', 0, 2n ** 127n - 1n],
    ['-170141183460469231731687303715884105728', 0, -(2n ** 127n)],
  ]
  for (const [input, decimals, want] of ok) {
    assert.equal(thresholdToFixedPoint(input, decimals), want, `${input} at ${decimals}`)
  }
  const hostile: [unknown, number][] = [
    [Number.NaN, 3],
    [Number.POSITIVE_INFINITY, 3],
    [Number.NEGATIVE_INFINITY, 3],
    ['NaN', 3],
    ['Infinity', 3],
    ['-20.0005', 3],
    [1e-7, 3],
    ['170141183460469231731687303715884105728', 0],
    ['1e200', 0],
    ['', 3],
    ['0x10', 3],
    ['1,5', 3],
    ['--1', 3],
    [null, 3],
    [10n, 3],
    [{}, 3],
  ]
  for (const [input, decimals] of hostile) {
    assert.throws(
      () => thresholdToFixedPoint(input as string, decimals),
      (err) => isVeriotError(err, 'CONDITION_INVALID'),
      String(input),
    )
  }
})

test('args: readingValueToCbor refuses NaN and ±Infinity', () => {
  for (const v of [
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    '1' as unknown,
  ]) {
    assert.throws(
      () => readingValueToCbor(v as number),
      (err) => isVeriotError(err, 'TELEMETRY_VALUE_INVALID'),
    )
  }
  assert.deepEqual([...readingValueToCbor(-20)], [0x33])
  assert.deepEqual([...readingValueToCbor(-0)], [0x00])
})

test('behavior: evaluateReading applies the rule as the contract does', () => {
  const device = `0x${'11'.repeat(32)}` as const
  const rule = {
    deviceIds: [device],
    metric: { type: 'temperature', name: 'temp', unit: 'Cel' },
    comparison: '<=' as const,
    threshold: -20_000n,
    decimals: 3,
    window: { start: 1000n, end: 2000n },
  }
  const message = (value: number, o: { timestamp?: number; unit?: string; id?: string } = {}) =>
    ({
      version: 1,
      deviceId: Uint8Array.from(Buffer.from((o.id ?? device).slice(2), 'hex')),
      sequence: 1,
      timestamp: o.timestamp ?? 1000,
      type: 'temperature',
      readings: [{ name: 'temp', value, unit: o.unit ?? 'Cel' }],
      suite: Suite.p256,
      signature: new Uint8Array(64),
    }) as const
  assert.equal(evaluateReading(rule, message(-20)).kind, 'compliant', 'exactly -20 °C')
  assert.equal(evaluateReading(rule, message(-20.001)).kind, 'compliant')
  assert.equal(evaluateReading(rule, message(-19.999)).kind, 'violating')
  assert.equal(evaluateReading(rule, message(-12, { timestamp: 1999 })).kind, 'violating')
  assert.deepEqual(evaluateReading(rule, message(-12, { timestamp: 2000 })), {
    kind: 'not-applicable',
    reason: 'window',
  })
  assert.deepEqual(evaluateReading(rule, message(-12, { timestamp: 999 })), {
    kind: 'not-applicable',
    reason: 'window',
  })
  assert.deepEqual(evaluateReading(rule, message(10, { unit: '[degF]' })), {
    kind: 'unit-mismatch',
    unit: '[degF]',
  })
  assert.deepEqual(evaluateReading(rule, message(-12, { id: `0x${'22'.repeat(32)}` })), {
    kind: 'not-applicable',
    reason: 'device',
  })
  assert.throws(() => compareToFixedPoint(Number.NaN, 0n, 0), RangeError)
})

describe('ConditionRegistry encoder against @veriot/core on anvil', () => {
  let chain: TestChain
  before(async () => {
    chain = await startTestChain()
  })
  after(async () => {
    await chain?.stop()
  })

  test('behavior: random messages give the same signing bytes and reading id', async () => {
    const conn = await chain.as(0)
    const address = chain.deployment.contracts.ConditionRegistry?.address
    assert.ok(address)
    const secret = p256.utils.randomSecretKey()
    const publicKey = p256.getPublicKey(secret, false)
    const deviceId = keccak256(publicKey.subarray(1))
    const value = fc.oneof(
      fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
      fc.integer({ min: -70_000, max: 70_000 }).map((n) => n / 1000),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.float({ noNaN: true, noDefaultInfinity: true }).map(Math.fround),
    )
    const name = fc.stringMatching(/^[a-z0-9_.-]{1,32}$/)
    const message = fc.record({
      sequence: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      timestamp: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      type: fc.stringMatching(/^[a-z0-9][a-z0-9_.-]{0,21}$/),
      readings: fc.uniqueArray(
        fc.record({ name, value, unit: fc.stringMatching(/^[\x20-\x7e]{1,16}$/) }),
        { minLength: 1, maxLength: 30, selector: (r) => r.name },
      ),
    })
    await fc.assert(
      fc.asyncProperty(message, async (m) => {
        const unsigned: UnsignedTelemetry = {
          version: 1,
          deviceId: Uint8Array.from(Buffer.from(deviceId.slice(2), 'hex')),
          sequence: m.sequence,
          timestamp: m.timestamp,
          type: m.type,
          readings: m.readings,
          suite: Suite.p256,
        }
        const signing = telemetrySigningBytes(unsigned)
        const signature = p256.sign(sha256(signing), secret, { prehash: false, format: 'compact' })
        const encoded = encodeTelemetry({ ...unsigned, signature })
        const { evidence } = telemetryToEvidence(encoded)
        const [fromContract, idFromContract] = await Promise.all([
          conn.publicClient.readContract({
            address,
            abi: conditionRegistryAbi,
            functionName: 'signingBytesOf',
            args: [deviceId, evidence],
          }),
          conn.publicClient.readContract({
            address,
            abi: conditionRegistryAbi,
            functionName: 'readingIdOf',
            args: [deviceId, evidence],
          }),
        ])
        assert.equal(fromContract, bytesToHex(signing))
        assert.equal(idFromContract, readingIdOf(encoded))
      }),
      { numRuns: 100 },
    )
  })

  test('behavior: compareToFixedPoint gives the contract compareValue answer', async () => {
    const conn = await chain.as(0)
    const address = chain.deployment.contracts.ConditionRegistry?.address
    assert.ok(address)
    const int128 = fc.bigInt({ min: -(2n ** 127n), max: 2n ** 127n - 1n })
    const near = fc.integer({ min: -100_000, max: 100_000 }).map(BigInt)
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.integer({ min: -100, max: 100 }),
          fc.integer({ min: -100_000, max: 100_000 }).map((n) => n / 1000),
        ),
        fc.oneof(int128, near),
        fc.integer({ min: 0, max: 18 }),
        async (value, threshold, decimals) => {
          const onChain = await conn.publicClient.readContract({
            address,
            abi: conditionRegistryAbi,
            functionName: 'compareValue',
            args: [bytesToHex(readingValueToCbor(value)), threshold, decimals],
          })
          assert.equal(BigInt(compareToFixedPoint(value, threshold, decimals)), onChain)
        },
      ),
      { numRuns: 150 },
    )
  })
})
