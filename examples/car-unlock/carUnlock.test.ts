// Runs the car-unlock example: honest and with a lying authority node.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runCarUnlockScenario } from './carUnlock.ts'

test('example: car unlock through 2-of-3 verified reads; replay and revoked grant refused', async () => {
  const r = await runCarUnlockScenario({ lying: false })
  assert.equal(r.firstUnlock.unlocked, true, r.firstUnlock.reason)
  assert.equal(r.replay.unlocked, false)
  assert.equal(r.replay.reason, 'replayed command')
  assert.equal(r.afterRevoke.unlocked, false)
  assert.equal(r.afterRevoke.reason, 'no unlock grant for this key', r.afterRevoke.detail)
  assert.equal(r.evidence.length, 0)
})

test('example: a lying authority never opens the car, is convicted and loses its deposit', async () => {
  const r = await runCarUnlockScenario({ lying: true })
  // The liar was asked first; the car refused its answer and succeeded through the honest two.
  assert.equal(r.firstUnlock.unlocked, true, r.firstUnlock.reason)
  assert.ok(r.evidence.length >= 1)
  assert.ok(r.conviction)
  assert.equal(r.conviction.status, 4) // Convicted
  assert.equal(r.conviction.reward, r.conviction.depositBefore / 2n) // 50 % to the watchdog
  assert.equal(r.afterRevoke.unlocked, false)
})
