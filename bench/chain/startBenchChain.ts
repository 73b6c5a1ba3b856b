// A fresh anvil on loopback with Veriot's contracts deployed, and a way to register active
// devices allowed to send temperature telemetry.

import { firmwareVersionToUint64 } from '@veriot/core'
import {
  type ChainConnection,
  connectChain,
  createRegistryClient,
  type Deployment,
  deployContracts,
} from '@veriot/node'
import { type Anvil, getAnvilAccount, startAnvil } from '@veriot/node/anvil'
import type { Hex } from 'viem'
import type { BenchKey } from './createBenchKey.ts'

export type BenchChain = {
  anvil: Anvil
  deployment: Deployment
  /** Connection as anvil account `index` (0 = admin, manufacturer and guardian). */
  as(index: number): Promise<ChainConnection>
  /** Registers, provisions and activates each key's device with `telemetry:temperature`. */
  registerDevices(keys: readonly BenchKey[]): Promise<Hex[]>
  stop(): Promise<void>
}

export async function startBenchChain(): Promise<BenchChain> {
  const anvil = await startAnvil()
  try {
    const as = (index: number) =>
      connectChain({ rpcUrl: anvil.rpcUrl, account: getAnvilAccount(index) })
    const admin = await as(0)
    const deployment = await deployContracts(admin, { grantOperatorRoles: true })
    const registry = createRegistryClient(admin, deployment)
    return {
      anvil,
      deployment,
      as,
      async registerDevices(keys) {
        const ids: Hex[] = []
        for (const key of keys) {
          const { id } = await registry.register(key, {
            model: 'bench-sensor',
            firmwareVersion: firmwareVersionToUint64('1.0.0'),
          })
          await registry.provision(id, getAnvilAccount(0).address)
          await registry.activate(id)
          await registry.grantCapability(id, 'telemetry:temperature')
          ids.push(id)
        }
        return ids
      },
      stop: () => anvil.stop(),
    }
  } catch (err) {
    await anvil.stop()
    throw err
  }
}
