// Test fixture: a fresh anvil on loopback with Veriot's contracts deployed, and helpers to
// make P-256 device keys in memory.

import { p256 } from '@noble/curves/nist.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { type Anvil, getAnvilAccount, startAnvil } from '../src/anvil/index.ts'
import { type ChainConnection, connectChain } from '../src/chain/connectChain.ts'
import { type Deployment, deployContracts } from '../src/deployment/deployContracts.ts'
import {
  createRegistryClient,
  type RegistrationSigner,
} from '../src/registry/createRegistryClient.ts'

export type TestChain = {
  anvil: Anvil
  deployment: Deployment
  /** Connection as anvil account `index` (0 = admin + manufacturer + guardian). */
  as(index: number): Promise<ChainConnection>
  registry(index: number): Promise<ReturnType<typeof createRegistryClient>>
  stop(): Promise<void>
}

export async function startTestChain(): Promise<TestChain> {
  const anvil = await startAnvil()
  try {
    const admin = await connectChain({ rpcUrl: anvil.rpcUrl, account: getAnvilAccount(0) })
    const deployment = await deployContracts(admin, { grantOperatorRoles: true })
    const as = (index: number) =>
      connectChain({ rpcUrl: anvil.rpcUrl, account: getAnvilAccount(index) })
    return {
      anvil,
      deployment,
      as,
      registry: async (index) => createRegistryClient(await as(index), deployment),
      stop: () => anvil.stop(),
    }
  } catch (err) {
    await anvil.stop()
    throw err
  }
}

/** An in-memory P-256 key for tests (the real key stores live in @veriot/device). */
export function createMemoryKey(): RegistrationSigner & { secretKey: Uint8Array } {
  const secretKey = p256.utils.randomSecretKey()
  return {
    secretKey,
    publicKey: p256.getPublicKey(secretKey, false),
    sign: async (message) =>
      p256.sign(sha256(message), secretKey, { prehash: false, lowS: false, format: 'compact' }),
  }
}
