// `veriot gateway`: runs a telemetry gateway (MQTT + HTTP ingest, SQLite store, anchoring)
// against the chain of this data directory. `veriot up` starts one itself.

import { join } from 'node:path'
import { VeriotError } from '@veriot/core'
import { type ChainConnection, type Deployment, type Gateway, startGateway } from '@veriot/node'
import type { Hex } from 'viem'
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
  anomaly?: boolean
  attestation?: boolean
  attestationMaxAge?: string
  anomalyThreshold?: string
  declaredRange?: string[]
  webhookUrl?: string
  condition?: string[]
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
  const attestationMaxAge = int(
    '--attestation-max-age',
    o.attestationMaxAge,
    1_000,
    365 * 86_400_000,
  )
  const threshold = int('--anomaly-threshold', o.anomalyThreshold, 1, 1_000_000)
  const declaredRanges = (o.declaredRange ?? []).map(parseDeclaredRange)
  const secret = process.env.VERIOT_WEBHOOK_SECRET
  if (o.webhookUrl && !secret) {
    throw new VeriotError(
      'CONFIG_INVALID',
      '"--webhook-url" needs the shared secret in env VERIOT_WEBHOOK_SECRET (16+ characters)',
    )
  }
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
    attestation:
      o.attestation === false
        ? false
        : attestationMaxAge !== undefined
          ? { maxAgeMs: attestationMaxAge }
          : {},
    anomaly:
      o.anomaly === false
        ? false
        : { ...(threshold !== undefined ? { threshold } : {}), declaredRanges },
    ...(o.webhookUrl && secret ? { webhook: { url: o.webhookUrl, secret } } : {}),
    ...(o.condition ? { policy: { conditionIds: o.condition.map(parseConditionId) } } : {}),
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

/** `name:unit:min:max`, e.g. `temp:Cel:-80:60`. */
function parseDeclaredRange(text: string): {
  name: string
  unit: string
  min: number
  max: number
} {
  const parts = text.split(':')
  const [name, unit, min, max] = [parts[0], parts[1], Number(parts[2]), Number(parts[3])]
  if (
    parts.length !== 4 ||
    !name ||
    !unit ||
    !Number.isFinite(min) ||
    !Number.isFinite(max) ||
    min > max
  ) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"--declared-range" expected name:unit:min:max with finite min ≤ max, got ${JSON.stringify(text.slice(0, 80))}`,
    )
  }
  return { name, unit, min, max }
}

function parseConditionId(text: string): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(text)) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"--condition" expected a condition id (0x and 64 hex digits), got ${JSON.stringify(text.slice(0, 80))}`,
    )
  }
  return text.toLowerCase() as Hex
}
