// `veriot condition …`: conditions on device data in ConditionRegistry — create one (e.g. a
// shipment's sensors stay at or below −20 °C over a window), show it with its breaches, and
// close its window with the anchored batches of this data directory's gateway.

import { VeriotError } from '@veriot/core'
import {
  type Batch,
  batchToRef,
  type Comparison,
  type ConditionDefinition,
  createConditionsClient,
} from '@veriot/node'
import { type Address, getAddress, type Hex, isAddress } from 'viem'
import type { CommandContext } from '../context/createContext.ts'
import { formatFields } from '../context/output.ts'
import { parseIntegerOption } from '../context/parseIntegerOption.ts'
import { resolveGatewayUrl } from './alerts.ts'
import { openStore } from './proof.ts'

export type ConditionCreateOptions = {
  shipment: string
  device: string[]
  metric: string
  comparison: string
  threshold: string
  from: string
  to: string
  decimals?: string
  duration?: string
  maxGap?: string
  grace?: string
  party?: string[]
}

const COMPARISONS: readonly Comparison[] = ['<=', '<', '>=', '>']

function assertConditionId(id: string): asserts id is Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(id)) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"condition id" expected 0x and 64 hex digits, got ${JSON.stringify(id.slice(0, 80))}`,
    )
  }
}

/** An ISO 8601 date or milliseconds since the epoch. */
function parseTime(name: string, text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text)
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"${name}" expected an ISO 8601 time or milliseconds since the epoch, got ${JSON.stringify(text.slice(0, 40))}`,
    )
  }
  return ms
}

export async function conditionCreateCommand(
  ctx: CommandContext,
  o: ConditionCreateOptions,
): Promise<void> {
  const [type, name, unit, ...rest] = o.metric.split('/')
  if (!type || !name || !unit || rest.length > 0) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"--metric" expected type/name/unit (e.g. temperature/temp/Cel), got ${JSON.stringify(o.metric.slice(0, 80))}`,
    )
  }
  const comparison = COMPARISONS.find((c) => c === o.comparison)
  if (!comparison) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"--comparison" expected one of ${COMPARISONS.join(' ')}, got ${JSON.stringify(o.comparison)}`,
    )
  }
  const parties = (o.party ?? []).map((p) => {
    const [account, role] = p.split(':')
    if (!account || !role || !isAddress(account, { strict: false })) {
      throw new VeriotError(
        'INVALID_ARGUMENT',
        `"--party" expected <address>:<role>, got ${JSON.stringify(p.slice(0, 80))}`,
      )
    }
    return { account: getAddress(account) as Address, role }
  })
  const duration = o.duration ? parseIntegerOption('--duration', o.duration, 1, 2 ** 52) : 0
  const definition: ConditionDefinition = {
    shipmentId: o.shipment,
    deviceIds: o.device as Hex[],
    metric: { type, name, unit },
    comparison,
    threshold: o.threshold,
    window: { start: parseTime('--from', o.from), end: parseTime('--to', o.to) },
    ...(o.decimals ? { decimals: parseIntegerOption('--decimals', o.decimals, 0, 18) } : {}),
    ...(duration > 0 ? { durationMs: duration } : {}),
    ...(o.maxGap ? { maxGapMs: parseIntegerOption('--max-gap', o.maxGap, 1, 2 ** 52) } : {}),
    ...(o.grace ? { graceMs: parseIntegerOption('--grace', o.grace, 0, 2 ** 52) } : {}),
    ...(parties.length > 0 ? { parties } : {}),
  }
  const conditions = createConditionsClient(
    await ctx.connect({ needsAccount: true }),
    ctx.deployment(),
  )
  const created = await conditions.createCondition(definition)
  ctx.out.result(
    created,
    () =>
      `condition ${created.conditionId} (watch it with \`veriot gateway --condition ${created.conditionId}\`)`,
  )
}

export async function conditionShowCommand(ctx: CommandContext, id: string): Promise<void> {
  assertConditionId(id)
  const conditions = createConditionsClient(await ctx.connect(), ctx.deployment())
  const [condition, breaches, compliance] = await Promise.all([
    conditions.getCondition(id),
    conditions.getBreaches(id),
    conditions.getCompliance(id),
  ])
  ctx.out.result({ condition, breaches, compliance }, () =>
    [
      formatFields([
        ['condition', id],
        [
          'rule',
          `${condition.metric.type}/${condition.metric.name} ${condition.comparison} ${Number(condition.threshold) / 10 ** condition.decimals} ${condition.metric.unit}${condition.durationMs > 0n ? ` (breach after ${condition.durationMs} ms)` : ''}`,
        ],
        [
          'window',
          `${new Date(Number(condition.window.start)).toISOString()} → ${new Date(Number(condition.window.end)).toISOString()}`,
        ],
        ['devices', condition.deviceIds.join(', ')],
        ['result', compliance.result],
        ['breaches', String(breaches.length)],
      ]),
      ...breaches.map(
        (b) =>
          `  breach ${b.index}: device ${b.deviceId}, readings ${b.firstReadingId}…${b.lastReadingId}`,
      ),
    ].join('\n'),
  )
}

export async function conditionCloseCommand(
  ctx: CommandContext,
  id: string,
  o: { store?: string; gateway?: string; gatewayUrl?: string },
): Promise<void> {
  assertConditionId(id)
  const conditions = createConditionsClient(
    await ctx.connect({ needsAccount: true }),
    ctx.deployment(),
  )
  const condition = await conditions.getCondition(id)
  const gateway = o.gateway ?? (await gatewayAddressOf(resolveGatewayUrl(ctx, o.gatewayUrl)))
  if (!isAddress(gateway, { strict: false })) {
    throw new VeriotError('INVALID_ADDRESS', `"--gateway" expected an address, got ${gateway}`)
  }
  const store = openStore(ctx, o.store)
  const batches: Batch[] = []
  try {
    for (let batchId = 1; ; batchId++) {
      const batch = await store.getBatch(batchId)
      if (!batch) break
      const overlaps =
        BigInt(batch.firstTimestamp) < condition.window.end &&
        BigInt(batch.lastTimestamp) >= condition.window.start
      if (batch.status === 'anchored' && overlaps) batches.push(batch)
    }
  } finally {
    await store.close()
  }
  const tx = await conditions.closeWindow(
    id,
    batches.map((b) => batchToRef(getAddress(gateway), b)),
  )
  const compliance = await conditions.getCompliance(id)
  ctx.out.result(
    { tx, compliance },
    () => `condition ${id} closed: ${compliance.result} (${batches.length} anchored batches named)`,
  )
}

async function gatewayAddressOf(url: string): Promise<string> {
  try {
    const stats = (await (await fetch(`${url}/v1/stats`)).json()) as { gateway?: string }
    if (stats.gateway) return stats.gateway
  } catch {
    // fall through to the error below
  }
  throw new VeriotError(
    'GATEWAY_UNREACHABLE',
    `cannot learn the gateway's address from ${url}; pass --gateway <address>`,
  )
}

/** The contract-wide breaker of ConditionRegistry: a guardian or admin pauses, an admin resumes. */
export async function conditionPauseCommand(
  ctx: CommandContext,
  action: 'pause' | 'unpause' | 'status',
  o: { reason?: string },
): Promise<void> {
  const conditions = createConditionsClient(
    await ctx.connect({ needsAccount: action !== 'status' }),
    ctx.deployment(),
  )
  const tx =
    action === 'pause'
      ? await conditions.pause(o.reason ?? '')
      : action === 'unpause'
        ? await conditions.unpause()
        : undefined
  const paused = await conditions.isPaused()
  ctx.out.result(
    { paused, ...(tx ? { tx } : {}) },
    () =>
      `ConditionRegistry is ${paused ? 'PAUSED: no condition created, no evidence recorded, no window closed' : 'running'}${tx ? ` (tx ${tx.txHash})` : ''}`,
  )
}
