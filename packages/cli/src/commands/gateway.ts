// `veriot gateway`: runs a telemetry gateway (MQTT + HTTP ingest, SQLite store, anchoring)
// against the chain of this data directory. `veriot up` starts one itself.

import { join } from 'node:path'
import { type ChainConnection, type Deployment, type Gateway, startGateway } from '@veriot/node'
import type { CommandContext } from '../context/createContext.ts'
import { formatFields } from '../context/output.ts'
import { parseIntegerOption } from '../context/parseIntegerOption.ts'

export type GatewayCliOptions = {
  mqttPort?: string
  httpPort?: string
  mqttUrl?: string
  host?: string
  batchSize?: string
  batchAge?: string
  maxSkew?: string
  maxAge?: string
  store?: string
}

const int = (name: string, value: string | undefined, min: number, max: number) =>
  value === undefined ? undefined : parseIntegerOption(name, value, min, max)

/** Starts a gateway with the CLI's options. */
export async function startGatewayFromCli(
  ctx: CommandContext,
  conn: ChainConnection,
  deployment: Deployment,
  o: GatewayCliOptions,
): Promise<Gateway> {
  const mqttPort = int('--mqtt-port', o.mqttPort, 0, 65535)
  const httpPort = int('--http-port', o.httpPort, 0, 65535)
  const batchSize = int('--batch-size', o.batchSize, 1, 65536)
  const batchAge = int('--batch-age', o.batchAge, 1, 86_400_000)
  const maxSkew = int('--max-skew', o.maxSkew, 0, 86_400_000)
  const maxAge = int('--max-age', o.maxAge, 0, 365 * 86_400_000)
  return startGateway({
    conn,
    deployment,
    store: o.store ?? join(ctx.dataDir, 'gateway.sqlite'),
    ...(o.host ? { host: o.host } : {}),
    ...(mqttPort !== undefined ? { mqttPort } : {}),
    ...(httpPort !== undefined ? { httpPort } : {}),
    ...(o.mqttUrl ? { mqttUrl: o.mqttUrl } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(batchAge !== undefined ? { maxBatchAgeMs: batchAge } : {}),
    ...(maxSkew !== undefined ? { maxSkewMs: maxSkew } : {}),
    ...(maxAge !== undefined ? { maxAgeMs: maxAge } : {}),
    onAnchorEvent: (e) => {
      if (e.kind === 'anchored')
        ctx.out.progress(`batch ${e.batchId} anchored in block ${e.blockNumber} (tx ${e.txHash})`)
      if (e.kind === 'error')
        ctx.out.progress(`anchoring: ${e.error.code}: ${e.error.message} (will retry)`)
    },
  })
}

export async function gatewayCommand(ctx: CommandContext, o: GatewayCliOptions): Promise<void> {
  const conn = await ctx.connect({ needsAccount: true })
  const gateway = await startGatewayFromCli(ctx, conn, ctx.deployment(), o)
  ctx.out.result(
    {
      status: 'ready',
      mqttUrl: gateway.mqttUrl,
      httpUrl: gateway.httpUrl,
      gateway: conn.account?.address,
    },
    () =>
      formatFields([
        ['status', 'ready (Ctrl-C stops it)'],
        ['MQTT', gateway.mqttUrl],
        ['HTTP', gateway.httpUrl],
        ['anchoring as', conn.account?.address],
      ]),
  )
  const stop = async () => {
    await gateway.stop()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
  await new Promise(() => {})
}
