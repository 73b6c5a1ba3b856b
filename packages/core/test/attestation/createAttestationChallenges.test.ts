import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createAttestationChallenges, isVeriotError } from '../../src/index.ts'

const device = `0x${'ab'.repeat(32)}`
const other = `0x${'cd'.repeat(32)}`

function hasCode(code: string) {
  return (err: unknown) => {
    assert.ok(isVeriotError(err), `expected a VeriotError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    return true
  }
}

function setup(options: { ttlMs?: number; max?: number } = {}) {
  let clock = 1_000
  const challenges = createAttestationChallenges({
    ttlMs: options.ttlMs ?? 60_000,
    now: () => clock,
    ...(options.max === undefined ? {} : { max: options.max }),
  })
  return { challenges, advance: (ms: number) => (clock += ms) }
}

test('default: a nonce is 32 random bytes, redeemed once by its device', () => {
  const { challenges } = setup()
  const a = challenges.issue(device)
  const b = challenges.issue(device)
  assert.equal(a.length, 32)
  assert.notDeepEqual(a, b)
  challenges.redeem(device, a)
  challenges.redeem(device.toUpperCase().replace('0X', '0x'), b)
})

test('error: a nonce redeemed twice is ATTESTATION_REPLAYED', () => {
  const { challenges } = setup()
  const nonce = challenges.issue(device)
  challenges.redeem(device, nonce)
  assert.throws(() => challenges.redeem(device, nonce), hasCode('ATTESTATION_REPLAYED'))
})

test('error: a nonce never issued, or issued to another device, is ATTESTATION_NONCE_MISMATCH', () => {
  const { challenges } = setup()
  assert.throws(
    () => challenges.redeem(device, new Uint8Array(32)),
    hasCode('ATTESTATION_NONCE_MISMATCH'),
  )
  const nonce = challenges.issue(other)
  assert.throws(() => challenges.redeem(device, nonce), hasCode('ATTESTATION_NONCE_MISMATCH'))
  // The nonce is still good for the device it was issued to.
  challenges.redeem(other, nonce)
  assert.throws(
    () => challenges.redeem(device, 'x' as never),
    hasCode('ATTESTATION_NONCE_MISMATCH'),
  )
})

test('error: a nonce redeemed after ttlMs is ATTESTATION_EXPIRED, and cannot be retried', () => {
  const { challenges, advance } = setup({ ttlMs: 1_000 })
  const fresh = challenges.issue(device)
  const stale = challenges.issue(device)
  advance(1_000)
  challenges.redeem(device, fresh)
  advance(1)
  assert.throws(() => challenges.redeem(device, stale), hasCode('ATTESTATION_EXPIRED'))
  assert.throws(() => challenges.redeem(device, stale), hasCode('ATTESTATION_REPLAYED'))
})

test('behavior: at most max nonces are kept; the oldest is dropped', () => {
  const { challenges } = setup({ max: 2 })
  const first = challenges.issue(device)
  const second = challenges.issue(device)
  const third = challenges.issue(device)
  assert.throws(() => challenges.redeem(device, first), hasCode('ATTESTATION_NONCE_MISMATCH'))
  challenges.redeem(device, second)
  challenges.redeem(device, third)
})

test('error: bad options are INVALID_ARGUMENT', () => {
  for (const ttlMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1.5]) {
    assert.throws(
      () => createAttestationChallenges({ ttlMs, now: Date.now }),
      hasCode('INVALID_ARGUMENT'),
    )
  }
  assert.throws(
    () => createAttestationChallenges({ ttlMs: 1, now: Date.now, max: 0 }),
    hasCode('INVALID_ARGUMENT'),
  )
})
