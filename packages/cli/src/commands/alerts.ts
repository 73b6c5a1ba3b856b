// `veriot alerts`: the gateway's anomaly scores with the reasons behind them, and its
// lockdowns. Read from the running gateway's HTTP API (`veriot up`'s, or --gateway-url).

import { VeriotError } from '@veriot/core'
import type { CommandContext } from '../context/createContext.ts'
import { readRunInfo } from '../context/dataDir.ts'
import { formatFields } from '../context/output.ts'

type Reason = { reason: string; points: number; count: number; lastAt: number; detail: string }
type Report = { deviceId: string; score: number; threshold: number; reasons: Reason[] }
type Lock = { deviceId: string; scope: string; state: string; lockedAt: number; error?: string }
type Alerts = { enabled: boolean; devices: Report[]; lockdowns: Lock[] }

export type AlertsOptions = { gatewayUrl?: string; min?: string; device?: string }

/** The gateway's HTTP base URL: --gateway-url, else the one `veriot up` recorded. */
export function resolveGatewayUrl(ctx: CommandContext, explicit: string | undefined): string {
  const url = explicit ?? readRunInfo(ctx.dataDir)?.httpUrl
  if (!url) {
    throw new VeriotError(
      'NOT_INITIALIZED',
      `no running gateway recorded in ${ctx.dataDir}; start one with \`veriot up\` or pass --gateway-url`,
    )
  }
  return url.replace(/\/+$/, '')
}

async function getJson<T>(url: string): Promise<T> {
  let response: Response
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(10_000) })
  } catch (cause) {
    throw new VeriotError('GATEWAY_UNREACHABLE', `the gateway did not answer at ${url}`, { cause })
  }
  const body = (await response.json().catch(() => undefined)) as
    | (T & { error?: { code: string; message: string } })
    | undefined
  if (!response.ok || body === undefined) {
    const error = body?.error
    throw new VeriotError(
      error?.code === 'INVALID_DEVICE_ID' ? 'INVALID_DEVICE_ID' : 'INVALID_ARGUMENT',
      error?.message ?? `the gateway answered HTTP ${response.status}`,
    )
  }
  return body
}

export async function alertsCommand(ctx: CommandContext, o: AlertsOptions): Promise<void> {
  const base = resolveGatewayUrl(ctx, o.gatewayUrl)
  if (o.device !== undefined) {
    const view = await getJson<{
      enabled: boolean
      report: Report | null
      lockdown: Lock | null
      history: Lock[]
    }>(`${base}/v1/devices/${encodeURIComponent(o.device)}/anomaly`)
    ctx.out.result(view, () =>
      view.enabled
        ? [
            formatFields([
              ['device', o.device],
              [
                'score',
                view.report ? `${view.report.score.toFixed(1)} / ${view.report.threshold}` : '0',
              ],
              [
                'lockdown',
                view.lockdown
                  ? `${view.lockdown.state} since ${new Date(view.lockdown.lockedAt).toISOString()}`
                  : 'none',
              ],
              ['past lockdowns', String(view.history.length)],
            ]),
            ...formatReasons(view.report?.reasons ?? []),
          ].join('\n')
        : 'anomaly scoring is off on this gateway (--no-anomaly)',
    )
    return
  }
  const min = o.min === undefined ? 0 : Number(o.min)
  if (!Number.isFinite(min) || min < 0) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"--min" expected a number ≥ 0, got ${JSON.stringify(o.min)}`,
    )
  }
  const alerts = await getJson<Alerts>(`${base}/v1/alerts?min=${min}`)
  ctx.out.result(alerts, () => {
    if (!alerts.enabled) return 'anomaly scoring is off on this gateway (--no-anomaly)'
    if (alerts.devices.length === 0 && alerts.lockdowns.length === 0) return 'no alerts'
    const lines: string[] = []
    for (const lock of alerts.lockdowns) {
      lines.push(
        `LOCKED ${lock.deviceId} (${lock.scope}, ${lock.state} since ${new Date(lock.lockedAt).toISOString()})${lock.error ? ` — ${lock.error}` : ''}`,
      )
    }
    for (const report of alerts.devices) {
      lines.push(`${report.deviceId}  score ${report.score.toFixed(1)} / ${report.threshold}`)
      lines.push(...formatReasons(report.reasons))
    }
    return lines.join('\n')
  })
}

function formatReasons(reasons: Reason[]): string[] {
  return reasons.map(
    (r) =>
      `  ${r.reason.padEnd(20)} ${r.points.toFixed(1).padStart(6)} pts  ×${r.count}  ${r.detail}`,
  )
}
