// `veriot up`: starts the stack. Embedded: anvil from node_modules with its state in the data
// directory; contracts deployed once and found again on restart. Remote (--rpc-url): deploys
// once to that network and records it.

import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { VeriotError } from '@veriot/core'
import {
  type AuthorityNode,
  type ChainConnection,
  connectChain,
  createRegistryClient,
  type Deployment,
  deployContracts,
  deployMissingContracts,
  type Gateway,
  isDeployed,
  loadAccount,
  readDeploymentFile,
  redactUrl,
  writeDeploymentFile,
} from '@veriot/node'
import { getAnvilAccount, startAnvil } from '@veriot/node/anvil'
import type { Account } from 'viem'
import type { CommandContext, GlobalOptions } from '../context/createContext.ts'
import {
  ensureDataDir,
  readRunInfo,
  removeRunInfo,
  writeNetworkConfig,
  writeRunInfo,
} from '../context/dataDir.ts'
import { formatFields } from '../context/output.ts'
import { parseIntegerOption } from '../context/parseIntegerOption.ts'
import { startEmbeddedAuthorities } from './authority.ts'
import { type GatewayCliOptions, startGatewayFromCli } from './gateway.ts'

export type UpOptions = GlobalOptions &
  GatewayCliOptions & {
    port?: string
    gateway?: boolean
    authorities?: string
    detach?: boolean
    redeploy?: boolean
    p256Verifier?: `0x${string}`
  }

export async function upCommand(ctx: CommandContext, options: UpOptions): Promise<void> {
  ensureDataDir(ctx.dataDir)
  const running = readRunInfo(ctx.dataDir)
  if (running) {
    throw new VeriotError(
      'ALREADY_RUNNING',
      `a Veriot stack already runs from ${ctx.dataDir} (pid ${running.pid}, ${running.rpcUrl}); stop it with \`veriot down\``,
      { context: { pid: running.pid } },
    )
  }
  if (options.detach) return detach(ctx)
  const rpcUrl = options.rpcUrl ?? process.env.VERIOT_RPC_URL
  if (rpcUrl) return upRemote(ctx, options, rpcUrl)
  return upEmbedded(ctx, options)
}

async function upEmbedded(ctx: CommandContext, options: UpOptions): Promise<void> {
  const port = parseIntegerOption('--port', options.port ?? '8545', 0, 65535)
  ctx.out.progress(`starting anvil on 127.0.0.1:${port} (state in ${join(ctx.dataDir, 'chain')})`)
  const anvil = await startAnvil({ port, stateFile: join(ctx.dataDir, 'chain', 'state.json') })
  let stopping = false
  let gateway: Gateway | undefined
  let authorities: AuthorityNode[] = []
  const stop = async (code: number) => {
    if (stopping) return
    stopping = true
    removeRunInfo(ctx.dataDir)
    for (const a of authorities) await a.stop()
    await gateway?.stop()
    await anvil.stop()
    process.exit(code)
  }
  try {
    const conn = await connectChain({ rpcUrl: anvil.rpcUrl, account: getAnvilAccount(0) })
    writeNetworkConfig(ctx.dataDir, { mode: 'embedded' })
    const { deployment, fresh } = await ensureDeployment(ctx, conn, options)
    if (options.gateway !== false) {
      // The gateway anchors with its own development account, so its transactions never
      // race the operator's nonces.
      const gatewayConn = await connectChain({
        rpcUrl: anvil.rpcUrl,
        account: getAnvilAccount(GATEWAY_ACCOUNT_INDEX),
      })
      // Its lockdowns suspend devices on chain: the gateway is a guardian (suspend only).
      const registry = createRegistryClient(conn, deployment)
      const gatewayAddress = getAnvilAccount(GATEWAY_ACCOUNT_INDEX).address
      if (!(await registry.hasRole('guardian', gatewayAddress))) {
        await registry.grantRole('guardian', gatewayAddress)
      }
      gateway = await startGatewayFromCli(ctx, gatewayConn, deployment, options)
    }
    if (options.authorities !== undefined) {
      authorities = await startEmbeddedAuthorities(anvil.rpcUrl, deployment, options.authorities)
    }
    writeRunInfo(ctx.dataDir, {
      pid: process.pid,
      rpcUrl: anvil.rpcUrl,
      startedAt: new Date().toISOString(),
      ...(gateway ? { mqttUrl: gateway.mqttUrl, httpUrl: gateway.httpUrl } : {}),
      ...(authorities.length > 0
        ? { authorities: authorities.map((a) => ({ url: a.url, signer: a.signer })) }
        : {}),
    })
    report(ctx, conn, deployment, fresh, true, gateway, authorities)
  } catch (err) {
    removeRunInfo(ctx.dataDir)
    for (const a of authorities) await a.stop()
    await gateway?.stop()
    await anvil.stop()
    throw err
  }
  process.on('SIGINT', () => void stop(0))
  process.on('SIGTERM', () => void stop(0))
  anvil.process.once('exit', (code) => {
    if (stopping) return
    process.stderr.write(`anvil exited unexpectedly (code ${code})\n`)
    void stop(5)
  })
  // Run until a signal arrives.
  await new Promise(() => {})
}

async function upRemote(ctx: CommandContext, options: UpOptions, rpcUrl: string): Promise<void> {
  const account = await remoteAccount(options)
  const expectedChainId = readDeploymentFile(ctx.dataDir)?.chainId
  const conn = await connectChain({ rpcUrl, account, expectedChainId })
  const { deployment, fresh } = await ensureDeployment(ctx, conn, options)
  writeNetworkConfig(ctx.dataDir, { mode: 'remote', rpcUrl })
  report(ctx, conn, deployment, fresh, false)
}

/** Anvil development account the embedded gateway anchors with. */
export const GATEWAY_ACCOUNT_INDEX = 9

async function remoteAccount(options: UpOptions): Promise<Account> {
  const keystore = options.keystore ?? process.env.VERIOT_KEYSTORE
  if (keystore) return loadAccount({ keystore, password: process.env.VERIOT_KEYSTORE_PASSWORD })
  if (process.env.VERIOT_PRIVATE_KEY) {
    return loadAccount({ privateKey: process.env.VERIOT_PRIVATE_KEY })
  }
  throw new VeriotError(
    'ACCOUNT_MISSING',
    'deploying to --rpc-url needs a funded account: --keystore <file> (password in VERIOT_KEYSTORE_PASSWORD) or VERIOT_PRIVATE_KEY',
  )
}

/** Reuses the recorded deployment when its code is on chain; deploys otherwise. */
async function ensureDeployment(
  ctx: CommandContext,
  conn: ChainConnection,
  options: UpOptions,
): Promise<{ deployment: Deployment; fresh: boolean }> {
  const recorded = readDeploymentFile(ctx.dataDir)
  if (recorded && !options.redeploy) {
    if (await isDeployed(conn, recorded)) {
      // A record from an older version: deploy what it lacks (FirmwareRegistry) and record it.
      const deployment = await deployMissingContracts(conn, recorded, {
        grantOperatorRoles: true,
        onProgress: (step) => ctx.out.progress(step),
      })
      if (deployment !== recorded) writeDeploymentFile(ctx.dataDir, deployment)
      return { deployment, fresh: false }
    }
    throw new VeriotError(
      'CONTRACT_NOT_DEPLOYED',
      `${join(ctx.dataDir, 'deployment.json')} names DeviceRegistry at ${recorded.contracts.DeviceRegistry.address}, but the chain has no code there (chain state lost?); pass --redeploy to deploy anew`,
      { context: { address: recorded.contracts.DeviceRegistry.address } },
    )
  }
  const deployment = await deployContracts(conn, {
    grantOperatorRoles: true,
    ...(options.p256Verifier ? { p256Verifier: options.p256Verifier } : {}),
    onProgress: (step) => ctx.out.progress(step),
  })
  writeDeploymentFile(ctx.dataDir, deployment)
  return { deployment, fresh: true }
}

function report(
  ctx: CommandContext,
  conn: ChainConnection,
  deployment: Deployment,
  fresh: boolean,
  embedded: boolean,
  gateway?: Gateway,
  authorities: AuthorityNode[] = [],
): void {
  const value = {
    status: 'ready',
    mode: embedded ? 'embedded' : 'remote',
    rpcUrl: redactUrl(conn.rpcUrl),
    chainId: conn.chainId,
    dataDir: ctx.dataDir,
    deployed: fresh,
    contracts: {
      DeviceRegistry: deployment.contracts.DeviceRegistry.address,
      TelemetryAnchor: deployment.contracts.TelemetryAnchor.address,
      FirmwareRegistry: deployment.contracts.FirmwareRegistry?.address,
    },
    gateway: gateway ? { mqttUrl: gateway.mqttUrl, httpUrl: gateway.httpUrl } : undefined,
    authorities: authorities.map((a) => ({ url: a.url, signer: a.signer })),
    operator: conn.account?.address,
    pid: embedded ? process.pid : undefined,
  }
  ctx.out.result(value, () =>
    formatFields([
      ['status', embedded ? 'ready (Ctrl-C or `veriot down` stops it)' : 'ready'],
      ['chain', `${value.chainId} at ${value.rpcUrl}${embedded ? ' (embedded anvil)' : ''}`],
      ['DeviceRegistry', `${value.contracts.DeviceRegistry}${fresh ? ' (deployed now)' : ''}`],
      ['TelemetryAnchor', value.contracts.TelemetryAnchor],
      ['FirmwareRegistry', value.contracts.FirmwareRegistry],
      ['gateway', gateway ? `MQTT ${gateway.mqttUrl}, HTTP ${gateway.httpUrl}` : 'not started'],
      [
        'authorities',
        authorities.length
          ? authorities.map((a) => `${a.signer} ${a.url}`).join('\n                 ')
          : 'none',
      ],
      ['operator', value.operator],
      ['data dir', ctx.dataDir],
    ]),
  )
}

/** Starts `veriot up` in the background, waits until it is ready, and returns. */
async function detach(ctx: CommandContext): Promise<void> {
  const logPath = join(ctx.dataDir, 'veriot.log')
  const log = openSync(logPath, 'a')
  const args = process.argv.slice(1).filter((a) => a !== '--detach' && a !== '-d')
  const child = spawn(process.execPath, [...process.execArgv, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: process.env,
  })
  closeSync(log)
  let exited: number | null = null
  child.once('exit', (code) => {
    exited = code ?? 1
  })
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const run = readRunInfo(ctx.dataDir)
    if (run && run.pid === child.pid) {
      child.unref()
      ctx.out.result({ status: 'ready', pid: run.pid, rpcUrl: run.rpcUrl, log: logPath }, () =>
        formatFields([
          ['status', 'ready (running in the background; `veriot down` stops it)'],
          ['pid', run.pid],
          ['chain', run.rpcUrl],
          ['log', logPath],
        ]),
      )
      return
    }
    if (exited !== null) break
    await sleep(200)
  }
  if (exited === null) child.kill('SIGTERM')
  const tail = readFileSync(logPath, 'utf8').split('\n').slice(-15).join('\n')
  throw new VeriotError(
    'ANVIL_START_FAILED',
    `the background stack did not become ready (see ${logPath}):\n${tail}`,
  )
}
