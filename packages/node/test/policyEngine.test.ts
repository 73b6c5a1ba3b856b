// The policy engine on a real chain: a violating reading becomes a breach on chain once; a
// submission that could not reach the chain survives a restart and is sent by the next run;
// duration rules wait for a run of violating readings longer than the duration.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { decodeTelemetry, readingIdOf } from '@veriot/core'
import type { Hex } from 'viem'
import { createConditionsClient } from '../src/conditions/createConditionsClient.ts'
import { createPolicyEngine } from '../src/policy/createPolicyEngine.ts'
import { createSqliteStore } from '../src/store/createSqliteStore.ts'
import type { TelemetryStore } from '../src/store/TelemetryStore.ts'
import { type ActiveDevice, createActiveDevice } from './support/createActiveDevice.ts'
import { startRestartableChain } from './support/startRestartableChain.ts'
import { startTestChain, type TestChain } from './testChain.ts'

describe('policy engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'veriot-policy-'))
  let chain: TestChain
  let store: TelemetryStore
  let conditions: ReturnType<typeof createConditionsClient>

  before(async () => {
    chain = await startTestChain()
    store = createSqliteStore(join(dir, 'store.sqlite'))
    conditions = createConditionsClient(await chain.as(0), chain.deployment)
  })
  after(async () => {
    await store?.close()
    await chain?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  const temp = (value: number) => [{ name: 'temp', value, unit: 'Cel' }]
  async function storeReading(device: ActiveDevice, value: number, timestamp = Date.now()) {
    const bytes = await device.message({ readings: temp(value), timestamp })
    const msg = decodeTelemetry(bytes)
    const id = readingIdOf(bytes)
    await store.appendReading({
      id,
      deviceId: device.deviceId,
      seq: msg.sequence,
      timestamp: msg.timestamp,
      type: msg.type,
      message: bytes,
      receivedAt: Date.now(),
    })
    return { msg, id }
  }
  const newCondition = async (shipmentId: string, devices: ActiveDevice[], durationMs = 0) =>
    (
      await conditions.createCondition({
        shipmentId,
        deviceIds: devices.map((d) => d.deviceId),
        metric: { type: 'temperature', name: 'temp', unit: 'Cel' },
        comparison: '<=',
        threshold: '-20',
        window: { start: Date.now() - 60_000, end: Date.now() + 600_000 },
        ...(durationMs > 0 ? { durationMs, maxGapMs: 60_000 } : {}),
      })
    ).conditionId

  test('default: a violating reading is recorded on chain once; compliant ones are not', async () => {
    const device = await createActiveDevice(chain)
    const conditionId = await newCondition('policy-1', [device])
    const engine = await createPolicyEngine({
      conditions,
      store,
      journal: ':memory:',
      conditionIds: [conditionId],
    })
    try {
      const cold = await storeReading(device, -20) // exactly −20: compliant
      engine.evaluate(cold.msg, cold.id)
      const warm = await storeReading(device, -12)
      engine.evaluate(warm.msg, warm.id)
      const warmer = await storeReading(device, -5) // same device: already proven
      engine.evaluate(warmer.msg, warmer.id)
      await engine.settled()
      const jobs = engine.jobs()
      assert.equal(jobs.length, 1)
      assert.equal(jobs[0]?.state, 'recorded')
      assert.deepEqual(jobs[0]?.readingIds, [warm.id])
      const breaches = await conditions.getBreaches(conditionId)
      assert.equal(breaches.length, 1)
      assert.equal(breaches[0]?.firstReadingId, warm.id)
    } finally {
      await engine.close()
    }
  })

  test('behavior: a submission made while the chain was down is sent after a restart', async () => {
    // A chain of its own that this test stops (an outage) and starts again from its state file.
    const outage = await startRestartableChain(mkdtempSync(join(dir, 'outage-')))
    const outageStore = createSqliteStore(join(dir, 'outage-store.sqlite'))
    const client = createConditionsClient(await outage.as(0), outage.deployment)
    try {
      const device = await createActiveDevice(outage)
      const conditionId = (
        await client.createCondition({
          shipmentId: 'policy-2',
          deviceIds: [device.deviceId],
          metric: { type: 'temperature', name: 'temp', unit: 'Cel' },
          comparison: '<=',
          threshold: '-20',
          window: { start: Date.now() - 60_000, end: Date.now() + 600_000 },
        })
      ).conditionId
      const journal = join(dir, 'breaches.sqlite')
      const first = await createPolicyEngine({
        conditions: client,
        store: outageStore,
        journal,
        conditionIds: [conditionId],
        retryMs: 60_000,
      })
      await outage.pause()
      const bytes = await device.message({ readings: temp(-3) })
      const msg = decodeTelemetry(bytes)
      const id = readingIdOf(bytes)
      await outageStore.appendReading({
        id,
        deviceId: device.deviceId,
        seq: msg.sequence,
        timestamp: msg.timestamp,
        type: msg.type,
        message: bytes,
        receivedAt: Date.now(),
      })
      first.evaluate(msg, id)
      for (let i = 0; i < 200 && first.jobs()[0]?.attempts === 0; i++) {
        await new Promise((r) => setTimeout(r, 50))
      }
      assert.equal(first.jobs()[0]?.state, 'pending')
      assert.match(first.jobs()[0]?.lastError ?? '', /^RPC_UNREACHABLE/)
      await first.close()

      await outage.resume()
      const second = await createPolicyEngine({
        conditions: client,
        store: outageStore,
        journal,
        retryMs: 10,
        now: () => Date.now() + 120_000, // its retry is due
      })
      try {
        await second.settled()
        assert.equal(second.jobs()[0]?.state, 'recorded', second.jobs()[0]?.lastError)
        assert.equal((await client.getBreaches(conditionId)).length, 1)
        // The watched condition came back from the journal; the device's breach is proven, so
        // a new violation sends nothing more.
        const again = await device.message({ readings: temp(-2) })
        second.evaluate(decodeTelemetry(again), readingIdOf(again))
        await second.settled()
        assert.equal(second.jobs().length, 1)
      } finally {
        await second.close()
      }
    } finally {
      await outageStore.close()
      await outage.stop()
    }
  })

  test('behavior: a duration rule waits for a run longer than the duration', async () => {
    const device = await createActiveDevice(chain)
    const conditionId = await newCondition('policy-3', [device], 2_000)
    const engine = await createPolicyEngine({
      conditions,
      store,
      journal: ':memory:',
      conditionIds: [conditionId],
    })
    try {
      const t0 = Date.now() - 30_000
      const ids: Hex[] = []
      // A run broken by a compliant reading starts over…
      for (const [value, dt] of [
        [-10, 0],
        [-10, 1_000],
        [-25, 2_000],
      ] as const) {
        const r = await storeReading(device, value, t0 + dt)
        engine.evaluate(r.msg, r.id)
      }
      assert.equal(engine.jobs().length, 0)
      // …and a run of 3 s of violating readings (more than 2 s) is a breach.
      for (const dt of [3_000, 4_000, 5_000, 6_500]) {
        const r = await storeReading(device, -15, t0 + dt)
        ids.push(r.id)
        engine.evaluate(r.msg, r.id)
      }
      await engine.settled()
      const [job] = engine.jobs()
      assert.equal(job?.state, 'recorded', job?.lastError)
      assert.deepEqual(job?.readingIds, ids)
      const [breach] = await conditions.getBreaches(conditionId)
      assert.equal(breach?.firstReadingId, ids[0])
      assert.equal(breach?.lastReadingId, ids[3])
    } finally {
      await engine.close()
    }
  })
})
