// ConditionRegistry end to end on anvil: conditions created from TypeScript definitions,
// breach evidence from readings signed by the device SDK and stored by the gateway's store,
// idempotent resubmission, compliance with anchored batches, error codes, and the pause.

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { telemetryAnchorAbi } from '@veriot/contracts'
import {
  decodeTelemetry,
  encodeTelemetry,
  isVeriotError,
  merkleRoot,
  readingIdOf,
  Suite,
  telemetryLeafHash,
} from '@veriot/core'
import { createTelemetrySigner, signTelemetry } from '@veriot/device'
import { type Address, bytesToHex, type Hex, hexToBytes } from 'viem'
import { getAnvilAccount } from '../src/anvil/index.ts'
import { sendContractTx } from '../src/chain/sendContractTx.ts'
import type { ConditionDefinition } from '../src/conditions/conditionToInput.ts'
import {
  type BatchRef,
  type ConditionsClient,
  createConditionsClient,
} from '../src/conditions/createConditionsClient.ts'
import { createSqliteStore } from '../src/store/createSqliteStore.ts'
import type { TelemetryStore } from '../src/store/TelemetryStore.ts'
import { type ActiveDevice, createActiveDevice } from './support/createActiveDevice.ts'
import { startTestChain, type TestChain } from './testChain.ts'

const HOUR = 3_600_000

describe('ConditionRegistry client against anvil', () => {
  let chain: TestChain
  let conditions: ConditionsClient
  let sensorA: ActiveDevice
  let sensorB: ActiveDevice
  let outsider: ActiveDevice
  let store: TelemetryStore
  let dir: string
  // A window that closed an hour ago (anvil's clock is the wall clock), so it can be closed.
  const start = Date.now() - 2 * HOUR
  const end = Date.now() - HOUR
  let shipment = 0

  const coldChain = (o: Partial<ConditionDefinition> = {}): ConditionDefinition => ({
    shipmentId: `shipment-${++shipment}`,
    deviceIds: [sensorA.deviceId, sensorB.deviceId],
    metric: { type: 'temperature', name: 'temp', unit: 'Cel' },
    comparison: '<=',
    threshold: '-20',
    window: { start, end },
    parties: [
      { account: getAnvilAccount(1).address, role: 'receiver' },
      { account: getAnvilAccount(2).address, role: 'auditor' },
    ],
    ...o,
  })
  const temp = (device: ActiveDevice, value: number, timestamp = start + 60_000, unit = 'Cel') =>
    device.message({ timestamp, readings: [{ name: 'temp', value, unit }] })

  /** Anchors the given messages as one batch from anvil account 3 (a gateway). */
  async function anchorBatch(batchId: number, messages: Uint8Array[]): Promise<BatchRef> {
    const conn = await chain.as(3)
    const leaves = messages.map((m) => telemetryLeafHash(m))
    const times = messages.map((m) => decodeTelemetry(m).timestamp)
    const ref: BatchRef = {
      gateway: getAnvilAccount(3).address as Address,
      batchId: BigInt(batchId),
      root: bytesToHex(merkleRoot(leaves)),
      count: messages.length,
      firstTimestamp: BigInt(Math.min(...times)),
      lastTimestamp: BigInt(Math.max(...times)),
    }
    await sendContractTx(conn, {
      address: chain.deployment.contracts.TelemetryAnchor.address,
      abi: telemetryAnchorAbi,
      functionName: 'anchor',
      args: [ref.batchId, ref.root, ref.count, ref.firstTimestamp, ref.lastTimestamp],
    })
    return ref
  }

  async function store1(message: Uint8Array): Promise<Hex> {
    const m = decodeTelemetry(message)
    const id = readingIdOf(message)
    await store.appendReading({
      id,
      deviceId: bytesToHex(m.deviceId),
      seq: m.sequence,
      timestamp: m.timestamp,
      type: m.type,
      message,
      receivedAt: Date.now(),
    })
    return id
  }

  before(async () => {
    chain = await startTestChain()
    conditions = createConditionsClient(await chain.as(0), chain.deployment)
    sensorA = await createActiveDevice(chain)
    sensorB = await createActiveDevice(chain)
    outsider = await createActiveDevice(chain)
    dir = mkdtempSync(join(tmpdir(), 'veriot-conditions-'))
    store = createSqliteStore(join(dir, 'gateway.sqlite'))
  })
  after(async () => {
    await store?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
    await chain?.stop()
  })

  test('default: breach from stored readings, recorded once, then a breached result', async () => {
    const created = await conditions.createCondition(coldChain())
    assert.equal(created.status, 'created')
    const condition = await conditions.getCondition(created.conditionId)
    assert.equal(condition.threshold, -20_000n)
    assert.equal(condition.decimals, 3)
    assert.equal(condition.comparison, '<=')
    assert.equal(condition.result, 'open')
    assert.deepEqual(
      condition.parties.map((p) => p.role),
      ['receiver', 'auditor'],
    )

    const compliant = await temp(sensorA, -25)
    const breach = await temp(sensorA, -12, start + 120_000)
    const ids = [await store1(compliant), await store1(breach)]
    const first = await conditions.submitBreachFromStore(created.conditionId, store, [
      ids[1] as Hex,
    ])
    assert.equal(first.status, 'recorded')
    assert.equal(first.breachIndex, 0)
    // The same evidence again is a no-op, not an error, and sends nothing.
    const again = await conditions.submitBreach(created.conditionId, [breach])
    assert.deepEqual(again, { status: 'duplicate', breachIndex: 0, txHash: undefined })

    const [recorded] = await conditions.getBreaches(created.conditionId)
    assert.equal(recorded?.deviceId, sensorA.deviceId)
    assert.equal(recorded?.firstReadingId, ids[1], 'the breach names the reading id of the store')

    const batch = await anchorBatch(1, [compliant, breach])
    const closed = await conditions.closeWindow(created.conditionId, [batch])
    assert.equal(closed.result, 'breached')
    const compliance = await conditions.getCompliance(created.conditionId)
    assert.equal(compliance.breachCount, 1)
    assert.deepEqual(compliance.batches, [batch])
    assert.ok(compliance.closedAt instanceof Date)
  })

  test('behavior: a compliant shipment yields its compliance result with the batches', async () => {
    const { conditionId } = await conditions.createCondition(coldChain())
    const readings = [
      await temp(sensorA, -20, start), // exactly the threshold: compliant
      await temp(sensorB, -21.5, end - 1),
    ]
    for (const m of readings) {
      await assert.rejects(conditions.submitBreach(conditionId, [m]), (err) =>
        isVeriotError(err, 'EVIDENCE_NOT_VIOLATING'),
      )
    }
    const batch = await anchorBatch(2, readings)
    const closed = await conditions.closeWindow(conditionId, [batch])
    assert.equal(closed.result, 'compliant')
    const compliance = await conditions.getCompliance(conditionId)
    assert.equal(compliance.result, 'compliant')
    assert.equal(compliance.breachCount, 0)
    assert.deepEqual(compliance.batches, [batch])
  })

  test('behavior: createCondition is idempotent for the same definition', async () => {
    const definition = coldChain()
    const a = await conditions.createCondition(definition)
    const b = await conditions.createCondition(definition)
    assert.equal(b.status, 'existing')
    assert.equal(b.conditionId, a.conditionId)
    await assert.rejects(conditions.createCondition({ ...definition, threshold: '-18' }), (err) =>
      isVeriotError(err, 'CONDITION_EXISTS'),
    )
  })

  test('behavior: a duration breach from a run of consecutive readings', async () => {
    const { conditionId } = await conditions.createCondition(
      coldChain({ durationMs: 300_000, maxGapMs: 60_000 }),
    )
    const run: Uint8Array[] = []
    for (let i = 0; i < 7; i++) run.push(await temp(sensorB, -15, start + i * 60_000))
    await assert.rejects(conditions.submitBreach(conditionId, run.slice(0, 6)), (err) =>
      isVeriotError(err, 'EVIDENCE_INCOMPLETE'),
    )
    const recorded = await conditions.submitBreach(conditionId, [...run].reverse())
    assert.equal(recorded.status, 'recorded')
    const again = await conditions.submitBreach(conditionId, run)
    assert.equal(again.status, 'duplicate')
    const [b] = await conditions.getBreaches(conditionId)
    assert.equal(b?.lastTimestamp, BigInt(start + 360_000))
  })

  test('error: spoofed, replayed and mismatched evidence maps to documented codes', async () => {
    const { conditionId } = await conditions.createCondition(coldChain())
    const expect = async (messages: Uint8Array[], code: Parameters<typeof isVeriotError>[1]) =>
      assert.rejects(conditions.submitBreach(conditionId, messages), (err) => {
        assert.ok(isVeriotError(err, code), `expected ${code}, got ${String(err)}`)
        return true
      })
    // Signed by sensor B's key in the name of sensor A.
    const forged = encodeTelemetry(
      await signTelemetry(
        {
          version: 1,
          deviceId: hexToBytes(sensorA.deviceId),
          sequence: 10_000,
          timestamp: start + 1,
          type: 'temperature',
          readings: [{ name: 'temp', value: 5, unit: 'Cel' }],
          suite: Suite.p256,
        },
        createTelemetrySigner('p256', { p256: sensorB.key }),
      ),
    )
    await expect([forged], 'SIGNATURE_INVALID')
    await expect([await temp(sensorA, -5, end)], 'EVIDENCE_OUTSIDE_WINDOW')
    await expect([await temp(sensorA, -5, start - 1)], 'EVIDENCE_OUTSIDE_WINDOW')
    await expect([await temp(sensorA, 30, start, '[degF]')], 'EVIDENCE_UNIT_MISMATCH')
    await expect([await temp(outsider, -5)], 'EVIDENCE_DEVICE_MISMATCH')
    await expect(
      [
        await sensorA.message({
          timestamp: start,
          readings: [{ name: 'rh', value: 9, unit: '%' }],
        }),
      ],
      'EVIDENCE_METRIC_MISMATCH',
    )
    await expect([await temp(sensorA, -5), await temp(sensorA, -4)], 'EVIDENCE_INCOMPLETE')
    // Replay: once a reading is counted, another message signed with its sequence number is
    // refused (the same message again is a no-op, tested above).
    const reading = await temp(sensorA, -5)
    assert.equal((await conditions.submitBreach(conditionId, [reading])).status, 'recorded')
    const sequence = decodeTelemetry(reading).sequence
    await expect(
      [
        await sensorA.message({
          sequence,
          timestamp: start + 5,
          readings: [{ name: 'temp', value: -4, unit: 'Cel' }],
        }),
      ],
      'EVIDENCE_REPLAYED',
    )
    // Inactive device: suspended by the guardian (admin account 0 holds the role).
    const registry = await chain.registry(0)
    await registry.suspend(sensorB.deviceId, 'lockdown')
    await expect([await temp(sensorB, -5)], 'DEVICE_NOT_ACTIVE')
    await registry.activate(sensorB.deviceId)
  })

  test('error: malformed definitions fail with CONDITION_INVALID before sending', async () => {
    const conn = await chain.as(0)
    const nonce = await conn.publicClient.getTransactionCount({
      address: getAnvilAccount(0).address,
    })
    const bad: Partial<ConditionDefinition>[] = [
      { deviceIds: [] },
      { window: { start, end: start } },
      { window: { start, end: start - 1 } },
      { comparison: '==' as '<=' },
      { threshold: Number.NaN },
      { threshold: Number.POSITIVE_INFINITY },
      { threshold: Number.NEGATIVE_INFINITY },
      { threshold: '-20.0005' },
      { threshold: 'cold' },
      { decimals: 19 },
      { durationMs: 300_000 },
      { maxGapMs: 60_000 },
      { durationMs: HOUR, maxGapMs: 60_000 },
      { metric: { type: 'Temperature', name: 'temp', unit: 'Cel' } },
      { metric: { type: 'temperature', name: 'temp', unit: '' } },
      { shipmentId: 'x'.repeat(33) },
    ]
    for (const o of bad) {
      await assert.rejects(conditions.createCondition(coldChain(o)), (err) => {
        assert.ok(isVeriotError(err, 'CONDITION_INVALID'), `${JSON.stringify(o)}: ${String(err)}`)
        return true
      })
    }
    const after = await conn.publicClient.getTransactionCount({
      address: getAnvilAccount(0).address,
    })
    assert.equal(after, nonce, 'nothing was sent')
  })

  test('error: closing too early, by a stranger, or with an unanchored batch', async () => {
    const future = await conditions.createCondition(
      coldChain({ window: { start, end: Date.now() + HOUR } }),
    )
    const batch = await anchorBatch(3, [await temp(sensorA, -30)])
    await assert.rejects(conditions.closeWindow(future.conditionId, [batch]), (err) =>
      isVeriotError(err, 'CONDITION_NOT_CLOSABLE'),
    )
    const { conditionId } = await conditions.createCondition(coldChain())
    const stranger = createConditionsClient(await chain.as(5), chain.deployment)
    await assert.rejects(stranger.closeWindow(conditionId, [batch]), (err) =>
      isVeriotError(err, 'NOT_AUTHORIZED'),
    )
    await assert.rejects(
      conditions.closeWindow(conditionId, [{ ...batch, count: batch.count + 1 }]),
      (err) => isVeriotError(err, 'BATCH_REF_INVALID'),
    )
    await assert.rejects(conditions.closeWindow(conditionId, []), (err) =>
      isVeriotError(err, 'BATCH_REF_INVALID'),
    )
    // A party (the receiver) may close.
    const receiver = createConditionsClient(await chain.as(1), chain.deployment)
    assert.equal((await receiver.closeWindow(conditionId, [batch])).result, 'compliant')
    await assert.rejects(conditions.submitBreach(conditionId, [await temp(sensorA, 0)]), (err) =>
      isVeriotError(err, 'CONDITION_CLOSED'),
    )
  })

  test('behavior: the guardian pauses the contract, only the admin resumes', async () => {
    const { conditionId } = await conditions.createCondition(coldChain())
    const reading = await temp(sensorA, 1)
    await conditions.pause('compromised gateway')
    assert.equal(await conditions.isPaused(), true)
    await assert.rejects(conditions.submitBreach(conditionId, [reading]), (err) =>
      isVeriotError(err, 'CONDITIONS_PAUSED'),
    )
    const stranger = createConditionsClient(await chain.as(5), chain.deployment)
    await assert.rejects(stranger.unpause(), (err) => isVeriotError(err, 'ROLE_MISSING'))
    await conditions.unpause()
    await assert.rejects(conditions.unpause(), (err) => isVeriotError(err, 'CONDITIONS_NOT_PAUSED'))
    assert.equal((await conditions.submitBreach(conditionId, [reading])).status, 'recorded')
  })
})
