// Test support: like startTestChain, but anvil keeps its state in a file, so a test can stop
// the chain (an outage) and start it again on the same port with the same contracts and devices.

import { join } from 'node:path'
import { type Anvil, getAnvilAccount, startAnvil } from '../../src/anvil/index.ts'
import { connectChain } from '../../src/chain/connectChain.ts'
import { deployContracts } from '../../src/deployment/deployContracts.ts'
import { createRegistryClient } from '../../src/registry/createRegistryClient.ts'
import type { TestChain } from '../testChain.ts'

export type RestartableChain = TestChain & {
  /** Stops anvil (it writes its state to the file first). */
  pause(): Promise<void>
  /** Starts anvil again on the same port from the state file. */
  resume(): Promise<void>
}

export async function startRestartableChain(dir: string): Promise<RestartableChain> {
  const stateFile = join(dir, 'chain', 'state.json')
  let anvil: Anvil = await startAnvil({ stateFile })
  const { rpcUrl, port } = anvil
  const as = (index: number) => connectChain({ rpcUrl, account: getAnvilAccount(index) })
  try {
    const deployment = await deployContracts(await as(0), { grantOperatorRoles: true })
    return {
      get anvil() {
        return anvil
      },
      deployment,
      as,
      registry: async (index) => createRegistryClient(await as(index), deployment),
      pause: () => anvil.stop(),
      async resume() {
        anvil = await startAnvil({ port, stateFile })
      },
      stop: () => anvil.stop(),
    }
  } catch (err) {
    await anvil.stop()
    throw err
  }
}
