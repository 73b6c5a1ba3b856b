// The gateway's signature checks on worker threads: the same answers as
// verifyTelemetrySignature inline (valid, tampered, wrong key, malformed), in call order also
// when two threads answer, and nothing is answered after close.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Suite, type TelemetryMessage, verifyTelemetrySignature } from '@veriot/core'
import { createTelemetrySigner, signTelemetry } from '@veriot/device'
import { hexToBytes, keccak256 } from 'viem'
import { createSignatureVerifierPool } from '../src/gateway/createSignatureVerifierPool.ts'
import { createMemoryKey } from './testChain.ts'

async function signedMessages(count: number) {
  const key = createMemoryKey()
  const deviceId = hexToBytes(keccak256(key.publicKey.subarray(1)))
  const signer = createTelemetrySigner('p256', { p256: key })
  const messages: TelemetryMessage[] = []
  for (let sequence = 1; sequence <= count; sequence++) {
    messages.push(
      await signTelemetry(
        {
          version: 1,
          deviceId,
          sequence,
          timestamp: 1_700_000_000_000 + sequence,
          type: 'temperature',
          readings: [{ name: 'temp', value: sequence / 10, unit: 'Cel' }],
          suite: Suite.p256,
        },
        signer,
      ),
    )
  }
  return { publicKey: key.publicKey, messages }
}

const withSignature = (m: TelemetryMessage, signature: Uint8Array): TelemetryMessage => ({
  ...m,
  signature,
})
const flipped = (bytes: Uint8Array, at: number) => {
  const copy = bytes.slice()
  copy[at] = (copy[at] as number) ^ 1
  return copy
}

test('behavior: answers as verifyTelemetrySignature inline, in call order, over two threads', async () => {
  const { publicKey, messages } = await signedMessages(60)
  const other = await signedMessages(1)
  const cases: Array<[TelemetryMessage, Uint8Array]> = messages.flatMap((m, i) => {
    switch (i % 6) {
      case 1:
        return [[withSignature(m, flipped(m.signature, 63)), publicKey]]
      case 2:
        return [[{ ...m, sequence: m.sequence + 1000 }, publicKey]] // signed bytes changed
      case 3:
        return [[m, other.publicKey]] // another device's key
      case 4:
        return [[withSignature(m, m.signature.subarray(0, 63)), publicKey]] // checked inline
      default:
        return [[m, publicKey]]
    }
  })
  const expected = cases.map(([m, k]) => verifyTelemetrySignature(m, { p256PublicKey: k }))
  assert.ok(expected.includes(true) && expected.includes(false))
  const pool = createSignatureVerifierPool(2)
  try {
    const answeredInOrder: number[] = []
    const answers = await Promise.all(
      cases.map(([m, k], i) =>
        pool.verify(m, { p256PublicKey: k }).then((valid) => {
          answeredInOrder.push(i)
          return valid
        }),
      ),
    )
    assert.deepEqual(answers, expected)
    assert.deepEqual(
      answeredInOrder,
      cases.map((_, i) => i),
    )
    // A second wave, after the threads are warm, one call at a time.
    for (const [i, [m, k]] of cases.slice(0, 12).entries()) {
      assert.equal(await pool.verify(m, { p256PublicKey: k }), expected[i])
    }
  } finally {
    await pool.close()
  }
})

test('error: calls pending at close are refused with INTERNAL, never answered valid', async () => {
  const { publicKey, messages } = await signedMessages(8)
  const pool = createSignatureVerifierPool(1)
  const pending = messages.map((m) => pool.verify(m, { p256PublicKey: publicKey }))
  await pool.close()
  for (const result of await Promise.allSettled(pending)) {
    assert.equal(result.status, 'rejected')
    assert.equal((result as PromiseRejectedResult).reason.code, 'INTERNAL')
  }
})

test('args: threads must be an integer ≥ 1', () => {
  for (const threads of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => createSignatureVerifierPool(threads), { code: 'INVALID_ARGUMENT' })
  }
})
