// Lockdown against a real chain: the lock holds at once (before the suspension is mined),
// the guardian's suspension lands on chain with its reason, the owner's reactivation releases
// it, a restart keeps a pending lock and sends it, and a gateway without the guardian role
// stays locked with a failed record.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Hex } from 'viem'
import { getAnvilAccount } from '../src/anvil/index.ts'
import { createLockdown, lockdownReasonOf } from '../src/lockdown/createLockdown.ts'
import { createSqliteLockdownJournal } from '../src/lockdown/createSqliteLockdownJournal.ts'
import type { RegistryClient } from '../src/registry/createRegistryClient.ts'
import { createActiveDevice } from './support/createActiveDevice.ts'
import { startTestChain, type TestChain } from './testChain.ts'

const reasons = [
  { reason: 'rate_spike' as const, points: 120, count: 3, lastAt: 1, detail: 'over 5 msg/s' },
]

describe('lockdown', () => {
  let chain: TestChain
  let admin: RegistryClient
  let guardian: RegistryClient
  let outsider: RegistryClient
  let dir: string

  before(async () => {
    chain = await startTestChain()
    admin = await chain.registry(0)
    guardian = await chain.registry(8)
    outsider = await chain.registry(7)
    await admin.grantRole('guardian', getAnvilAccount(8).address)
    dir = mkdtempSync(join(tmpdir(), 'veriot-lockdown-'))
  })
  after(async () => {
    await chain?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const statusOf = (registry: RegistryClient) => async (id: Hex) =>
    (await registry.getDevice(id)).status
  const suspendAs = (registry: RegistryClient) => async (id: Hex, reason: string) =>
    registry.suspend(id, reason)

  test('default: locked at once, suspended on chain with its reason, released by the owner', async () => {
    const device = await createActiveDevice(chain)
    const journal = createSqliteLockdownJournal(join(dir, 'a.sqlite'))
    const changes: string[] = []
    const lockdown = createLockdown({
      journal,
      suspend: suspendAs(guardian),
      getStatus: statusOf(guardian),
      onChange: (r) => changes.push(r.state),
    })
    try {
      const record = lockdown.lock(device.deviceId, { scope: 'anomaly', score: 120, reasons })
      assert.equal(record?.state, 'pending')
      assert.equal(lockdown.isLocked(device.deviceId), true, 'locked before the tx is mined')
      assert.equal(lockdown.noteActive(device.deviceId), undefined, 'a pending lock is kept')
      assert.equal(
        lockdown.lock(device.deviceId, { scope: 'anomaly', score: 200, reasons }),
        undefined,
      )
      await lockdown.settled()
      assert.equal(lockdown.get(device.deviceId)?.state, 'suspended')
      assert.match(lockdown.get(device.deviceId)?.txHash ?? '', /^0x[0-9a-f]{64}$/)
      assert.equal((await admin.getDevice(device.deviceId)).status, 'suspended')
      const history = await admin.getHistory(device.deviceId)
      const suspended = history.find((e) => e.event === 'DeviceSuspended')
      assert.equal(suspended?.details.reason, 'anomaly:rate_spike')
      assert.equal(suspended?.sender.toLowerCase(), getAnvilAccount(8).address.toLowerCase())

      // The owner (account 0) reactivates it, saying why: the history keeps both reasons.
      await admin.activate(device.deviceId, 'lockdown reviewed')
      const reactivated = (await admin.getHistory(device.deviceId)).at(-1)
      assert.equal(reactivated?.event, 'DeviceActivated')
      assert.equal(reactivated?.details.reason, 'lockdown reviewed')
      const released = lockdown.noteActive(device.deviceId)
      assert.equal(released?.state, 'released')
      assert.equal(lockdown.isLocked(device.deviceId), false)
      assert.deepEqual(changes, ['pending', 'suspended', 'released'])
      assert.equal(lockdown.history(device.deviceId).length, 1)
      // It can be locked again later: a new record, the old one kept in its history.
      lockdown.lock(device.deviceId, { scope: 'manual', score: 0, reasons: [] })
      await lockdown.settled()
      assert.equal(lockdown.history(device.deviceId).length, 2)
      assert.equal((await admin.getDevice(device.deviceId)).status, 'suspended')
    } finally {
      lockdown.close()
      journal.close()
    }
  })

  test('behavior: a lock journaled before a crash holds after restart and is sent on resume', async () => {
    const device = await createActiveDevice(chain)
    const path = join(dir, 'b.sqlite')
    const first = createSqliteLockdownJournal(path)
    // The "crashed" gateway journaled the lock but never reached the chain.
    const crashed = createLockdown({
      journal: first,
      suspend: () => new Promise(() => {}),
      getStatus: statusOf(guardian),
    })
    crashed.lock(device.deviceId, { scope: 'anomaly', score: 150, reasons })
    crashed.close()
    first.close()

    const journal = createSqliteLockdownJournal(path)
    const lockdown = createLockdown({
      journal,
      suspend: suspendAs(guardian),
      getStatus: statusOf(guardian),
    })
    try {
      assert.equal(lockdown.isLocked(device.deviceId), true, 'locked from the journal at start')
      assert.equal((await admin.getDevice(device.deviceId)).status, 'active')
      lockdown.resume()
      await lockdown.settled()
      assert.equal(lockdown.get(device.deviceId)?.state, 'suspended')
      assert.equal((await admin.getDevice(device.deviceId)).status, 'suspended')
      // Resuming again is a no-op: the device is not Active, nothing is sent.
      lockdown.resume()
      await lockdown.settled()
      const suspensions = (await admin.getHistory(device.deviceId)).filter(
        (e) => e.event === 'DeviceSuspended',
      )
      assert.equal(suspensions.length, 1)
    } finally {
      lockdown.close()
      journal.close()
    }
  })

  test('error: a gateway without the guardian role stays locked, the record says why', async () => {
    const device = await createActiveDevice(chain)
    const journal = createSqliteLockdownJournal(':memory:')
    const lockdown = createLockdown({
      journal,
      suspend: suspendAs(outsider),
      getStatus: statusOf(outsider),
    })
    try {
      lockdown.lock(device.deviceId, { scope: 'anomaly', score: 150, reasons })
      await lockdown.settled()
      const record = lockdown.get(device.deviceId)
      assert.equal(record?.state, 'failed')
      assert.match(record?.error ?? '', /^NOT_AUTHORIZED/)
      assert.equal(lockdown.isLocked(device.deviceId), true)
      assert.equal(lockdown.noteActive(device.deviceId), undefined, 'active on chain: still locked')
      assert.equal(lockdown.release(device.deviceId)?.state, 'released')
      assert.equal(lockdown.isLocked(device.deviceId), false)
    } finally {
      lockdown.close()
      journal.close()
    }
  })

  test('behavior: the on-chain reason is short and names scope and first reason', () => {
    assert.equal(lockdownReasonOf({ scope: 'anomaly', score: 1, reasons }), 'anomaly:rate_spike')
    assert.equal(lockdownReasonOf({ scope: 'model', score: 0, reasons: [] }), 'model')
    const long = [{ ...reasons[0], reason: 'value_out_of_range' as const }]
    assert.ok(lockdownReasonOf({ scope: 'anomaly', score: 1, reasons: long }).length <= 31)
  })
})
