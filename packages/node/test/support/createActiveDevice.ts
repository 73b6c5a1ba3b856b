// Test support: a P-256 device registered, provisioned, activated and allowed to send
// `telemetry:<type>` on the test chain, with a signer of encoded messages at chosen sequences.

import { encodeTelemetry, firmwareVersionToUint64, type Reading, Suite } from '@veriot/core'
import { createTelemetrySigner, signTelemetry } from '@veriot/device'
import { type Hex, hexToBytes } from 'viem'
import { getAnvilAccount } from '../../src/anvil/index.ts'
import { createMemoryKey, type TestChain } from '../testChain.ts'

export type ActiveDevice = {
  readonly deviceId: Hex
  readonly key: ReturnType<typeof createMemoryKey>
  /** An encoded, signed message; the sequence defaults to one above the last one made. */
  message(overrides?: {
    sequence?: number
    timestamp?: number
    type?: string
    readings?: Reading[]
  }): Promise<Uint8Array>
}

export async function createActiveDevice(
  chain: TestChain,
  types: string[] = ['temperature'],
): Promise<ActiveDevice> {
  const key = createMemoryKey()
  const admin = await chain.registry(0)
  const { id } = await admin.register(key, {
    model: 'test-sensor',
    firmwareVersion: firmwareVersionToUint64('1.0.0'),
  })
  await admin.provision(id, getAnvilAccount(0).address)
  await admin.activate(id)
  for (const type of types) await admin.grantCapability(id, `telemetry:${type}`)
  const signer = createTelemetrySigner('p256', { p256: key })
  let last = 0
  return {
    deviceId: id,
    key,
    async message(o = {}) {
      const sequence = o.sequence ?? last + 1
      last = Math.max(last, sequence)
      const signed = await signTelemetry(
        {
          version: 1,
          deviceId: hexToBytes(id),
          sequence,
          timestamp: o.timestamp ?? Date.now(),
          type: o.type ?? types[0] ?? 'temperature',
          readings: o.readings ?? [{ name: 'temp', value: -20 - sequence / 100, unit: 'Cel' }],
          suite: Suite.p256,
        },
        signer,
      )
      return encodeTelemetry(signed)
    },
  }
}
