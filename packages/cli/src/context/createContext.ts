// Resolves what a command works against: data directory, chain endpoint (an explicit
// --rpc-url, the recorded remote network, or the running embedded stack), account and deployment.

import { VeriotError } from '@veriot/core'
import {
  type ChainConnection,
  connectChain,
  createFirmwareClient,
  createRegistryClient,
  type Deployment,
  type FirmwareClient,
  loadAccount,
  type RegistryClient,
  readDeploymentFile,
} from '@veriot/node'
import { getAnvilAccount } from '@veriot/node/anvil'
import type { Account } from 'viem'
import { readNetworkConfig, readRunInfo, resolveDataDir } from './dataDir.ts'
import { createOutput, type Output } from './output.ts'

/** Options every command accepts (see main.ts). */
export type GlobalOptions = {
  dataDir?: string
  json?: boolean
  rpcUrl?: string
  keystore?: string
  account?: string
}

export type CommandContext = {
  dataDir: string
  out: Output
  /** Where the chain is; `embedded` when it is the anvil started by `veriot up`. */
  endpoint(): { rpcUrl: string; embedded: boolean }
  connect(options?: { needsAccount?: boolean }): Promise<ChainConnection>
  deployment(): Deployment
  registry(options?: { needsAccount?: boolean }): Promise<RegistryClient>
  firmware(options?: { needsAccount?: boolean }): Promise<FirmwareClient>
}

export function createContext(options: GlobalOptions): CommandContext {
  const dataDir = resolveDataDir(options.dataDir)
  const out = createOutput(options.json === true)

  function endpoint(): { rpcUrl: string; embedded: boolean } {
    const rpcUrl = options.rpcUrl ?? process.env.VERIOT_RPC_URL
    if (rpcUrl) return { rpcUrl, embedded: false }
    const network = readNetworkConfig(dataDir)
    if (network?.mode === 'remote') return { rpcUrl: network.rpcUrl, embedded: false }
    const run = readRunInfo(dataDir)
    if (run) return { rpcUrl: run.rpcUrl, embedded: true }
    throw new VeriotError(
      'NOT_INITIALIZED',
      `no running Veriot stack in ${dataDir}; start one with \`veriot up\` (or pass --rpc-url)`,
      { context: { dataDir } },
    )
  }

  async function account(embedded: boolean): Promise<Account | undefined> {
    const keystore = options.keystore ?? process.env.VERIOT_KEYSTORE
    if (keystore) {
      return loadAccount({ keystore, password: process.env.VERIOT_KEYSTORE_PASSWORD })
    }
    if (process.env.VERIOT_PRIVATE_KEY) {
      return loadAccount({ privateKey: process.env.VERIOT_PRIVATE_KEY })
    }
    if (embedded) return getAnvilAccount(parseAccountIndex(options.account))
    return undefined
  }

  function deployment(): Deployment {
    const d = readDeploymentFile(dataDir)
    if (!d) {
      throw new VeriotError(
        'NOT_INITIALIZED',
        `no deployment recorded in ${dataDir}; run \`veriot up\` first`,
        { context: { dataDir } },
      )
    }
    return d
  }

  // One account and one connection per command: a keystore is decrypted (scrypt) and the chain
  // id asked once, however many parts of the command need the chain.
  let accountOnce: Promise<Account | undefined> | undefined
  let connection: Promise<ChainConnection> | undefined
  const once = <T>(p: Promise<T>, reset: () => void): Promise<T> => {
    p.catch(reset)
    return p
  }
  async function connect(opts: { needsAccount?: boolean } = {}): Promise<ChainConnection> {
    const { rpcUrl, embedded } = endpoint()
    accountOnce ??= once(account(embedded), () => {
      accountOnce = undefined
    })
    const acct = await accountOnce
    if (opts.needsAccount && acct === undefined) {
      throw new VeriotError(
        'ACCOUNT_MISSING',
        'this command sends a transaction: pass --keystore <file> (password in VERIOT_KEYSTORE_PASSWORD) or set VERIOT_PRIVATE_KEY',
      )
    }
    const expectedChainId = readDeploymentFile(dataDir)?.chainId
    connection ??= once(connectChain({ rpcUrl, account: acct, expectedChainId }), () => {
      connection = undefined
    })
    return connection
  }

  return {
    dataDir,
    out,
    endpoint,
    connect,
    deployment,
    async registry(opts = {}) {
      const d = deployment()
      return createRegistryClient(await connect(opts), d)
    },
    async firmware(opts = {}) {
      const d = deployment()
      return createFirmwareClient(await connect(opts), d)
    },
  }
}

/** Parses --account: an anvil development account index 0..9 (embedded chain only). */
export function parseAccountIndex(value: string | undefined): number {
  if (value === undefined) return 0
  const n = Number(value)
  if (!/^\d$/.test(value) || n > 9) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"--account" expected an anvil development account index 0..9, got ${JSON.stringify(value)}`,
    )
  }
  return n
}
