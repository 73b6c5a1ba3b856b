// `veriot device …`: provision, inspect and move devices through their lifecycle.

import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import {
  assertDeviceId,
  type DeviceStatus,
  deviceStatuses,
  firmwareVersionToUint64,
  VeriotError,
} from '@veriot/core'
import { createDeviceKey, openDeviceKey } from '@veriot/device'
import type { DeviceRecord, HistoryEntry, TxResult } from '@veriot/node'
import { type Address, getAddress, type Hex, isAddress, isHex } from 'viem'
import type { CommandContext } from '../context/createContext.ts'
import { readRunInfo } from '../context/dataDir.ts'
import { keySecretsFromEnv } from '../context/keySecrets.ts'
import { formatFields, formatTable } from '../context/output.ts'

export type ProvisionOptions = {
  key: string
  createKey?: boolean
  model: string
  firmware: string
  metadata?: string
  metadataHash?: string
  owner?: string | false
  activate?: boolean
}

export async function provisionCommand(ctx: CommandContext, o: ProvisionOptions): Promise<void> {
  const firmwareVersion = firmwareVersionToUint64(o.firmware)
  const metadataHash = readMetadataHash(o)
  const registry = await ctx.registry({ needsAccount: true })
  const conn = await ctx.connect({ needsAccount: true })
  const owner =
    o.owner === false ? undefined : parseAddress('--owner', o.owner ?? conn.account?.address ?? '')
  const secrets = keySecretsFromEnv()
  const key = o.createKey
    ? await createDeviceKey(o.key, secrets)
    : await openDeviceKey(o.key, secrets)
  const txs: Record<string, TxResult> = {}
  let id: Hex
  try {
    ctx.out.progress(
      `registering device (key ${key.kind}, model ${o.model}, firmware ${o.firmware})`,
    )
    const registered = await registry.register(key, {
      model: o.model,
      firmwareVersion,
      ...(metadataHash ? { metadataHash } : {}),
    })
    id = registered.id
    txs.register = { txHash: registered.txHash, blockNumber: registered.blockNumber }
  } finally {
    await key.close()
  }
  if (owner) {
    ctx.out.progress(`provisioning to owner ${owner}`)
    txs.provision = await registry.provision(id, owner)
    if (o.activate) {
      ctx.out.progress('activating')
      txs.activate = await registry.activate(id)
    }
  }
  const device = await registry.getDevice(id)
  ctx.out.result({ device, txs }, () =>
    [
      `provisioned device ${id}`,
      formatDevice(device),
      ...Object.entries(txs).map(
        ([k, t]) => `${k.padEnd(9)} tx ${t.txHash} (block ${t.blockNumber})`,
      ),
    ].join('\n'),
  )
}

export async function showCommand(ctx: CommandContext, id: string): Promise<void> {
  assertDeviceId(id)
  const device = await (await ctx.registry()).getDevice(id)
  const [release, attestation, anomaly] = await Promise.all([
    releaseOf(ctx, device),
    lastAttestationOf(ctx, device.id),
    anomalyOf(ctx, device.id),
  ])
  ctx.out.result({ ...device, release, attestation, anomaly }, () =>
    formatDevice(device, [
      [
        'release',
        release ? `${release.verdict} on FirmwareRegistry` : '(no FirmwareRegistry deployed)',
      ],
      [
        'attestation',
        attestation === undefined
          ? '(gateway not running)'
          : attestation === null
            ? 'none'
            : `${attestation.level}, verified ${new Date(attestation.verifiedAt).toISOString()}, ${attestation.fresh ? 'valid' : 'expired or no longer admitted'} until ${new Date(attestation.expiresAt).toISOString()}`,
      ],
      [
        'anomaly',
        anomaly === undefined
          ? '(gateway not running)'
          : `score ${(anomaly.report?.score ?? 0).toFixed(1)}${anomaly.report ? ` / ${anomaly.report.threshold}` : ''}${anomaly.report?.reasons[0] ? ` (mostly ${anomaly.report.reasons[0].reason}: ${anomaly.report.reasons[0].detail})` : ''}`,
      ],
      [
        'lockdown',
        anomaly === undefined
          ? '(gateway not running)'
          : anomaly.lockdown
            ? `${anomaly.lockdown.state} since ${new Date(anomaly.lockdown.lockedAt).toISOString()} (${anomaly.history.length} in its history; \`veriot alerts --device ${device.id}\`)`
            : `none (${anomaly.history.length} in its history)`,
      ],
    ]),
  )
}

/** FirmwareRegistry's verdict on the device's registered (model, firmware version). */
async function releaseOf(
  ctx: CommandContext,
  device: DeviceRecord,
): Promise<{ model: string; version: string; verdict: string } | null> {
  if (ctx.deployment().contracts.FirmwareRegistry === undefined) return null
  const firmware = await ctx.firmware()
  const verdict = await firmware.readVerdict(
    device.model,
    firmwareVersionToUint64(device.firmwareVersion),
  )
  return { model: device.model, version: device.firmwareVersion, verdict }
}

type LastAttestation = {
  level: string
  measurement: string
  verifiedAt: number
  expiresAt: number
  fresh: boolean
}

/**
 * The device's last attestation as the running gateway holds it (GET
 * /v1/devices/:id/attestation); null when it has none, undefined without a reachable gateway.
 */
async function lastAttestationOf(
  ctx: CommandContext,
  id: string,
): Promise<LastAttestation | null | undefined> {
  const url = readRunInfo(ctx.dataDir)?.httpUrl
  if (!url) return undefined
  try {
    const r = await fetch(`${url}/v1/devices/${id}/attestation`, {
      signal: AbortSignal.timeout(3_000),
    })
    const body = (await r.json()) as {
      enabled?: boolean
      fresh?: boolean
      attestation?: Omit<LastAttestation, 'fresh'> | null
    }
    if (!r.ok || body.enabled !== true) return undefined
    return body.attestation ? { ...body.attestation, fresh: body.fresh === true } : null
  } catch {
    return undefined
  }
}

type AnomalyView = {
  report: {
    score: number
    threshold: number
    reasons: Array<{ reason: string; detail: string }>
  } | null
  lockdown: { state: string; lockedAt: number } | null
  history: unknown[]
}

/** The device's anomaly score and lockdowns as the running gateway holds them (GET
 *  /v1/devices/:id/anomaly); undefined without a reachable gateway or with scoring off. */
async function anomalyOf(ctx: CommandContext, id: string): Promise<AnomalyView | undefined> {
  const url = readRunInfo(ctx.dataDir)?.httpUrl
  if (!url) return undefined
  try {
    const r = await fetch(`${url}/v1/devices/${id}/anomaly`, {
      signal: AbortSignal.timeout(3_000),
    })
    const body = (await r.json()) as AnomalyView & { enabled?: boolean }
    if (!r.ok || body.enabled !== true) return undefined
    return { report: body.report, lockdown: body.lockdown, history: body.history }
  } catch {
    return undefined
  }
}

export async function listCommand(ctx: CommandContext, o: { status?: string }): Promise<void> {
  const status = o.status === undefined ? undefined : parseStatus(o.status)
  const devices = await (await ctx.registry()).listDevices(status ? { status } : {})
  ctx.out.result(devices, () =>
    devices.length === 0
      ? 'no devices'
      : formatTable(
          ['id', 'status', 'model', 'firmware', 'owner'],
          devices.map((d) => [d.id, d.status, d.model, d.firmwareVersion, d.owner ?? '-']),
        ),
  )
}

type Transition = 'activate' | 'suspend' | 'decommission'

export async function transitionCommand(
  ctx: CommandContext,
  action: Transition,
  id: string,
  o: { reason?: string },
): Promise<void> {
  assertDeviceId(id)
  const registry = await ctx.registry({ needsAccount: true })
  const tx =
    action === 'activate'
      ? await registry.activate(id, o.reason ?? '')
      : action === 'suspend'
        ? await registry.suspend(id, o.reason ?? '')
        : await registry.decommission(id, o.reason ?? '')
  const device = await registry.getDevice(id)
  ctx.out.result(
    { device, tx },
    () => `device ${id} is now ${device.status} (tx ${tx.txHash}, block ${tx.blockNumber})`,
  )
}

export async function transferCommand(ctx: CommandContext, id: string, to: string): Promise<void> {
  assertDeviceId(id)
  const newOwner = parseAddress('new owner', to)
  const registry = await ctx.registry({ needsAccount: true })
  const tx = await registry.transfer(id, newOwner)
  const device = await registry.getDevice(id)
  ctx.out.result(
    { device, tx },
    () => `device ${id} now belongs to ${newOwner} (tx ${tx.txHash}, block ${tx.blockNumber})`,
  )
}

export async function capabilityCommand(
  ctx: CommandContext,
  action: 'grant' | 'revoke',
  id: string,
  capability: string,
): Promise<void> {
  assertDeviceId(id)
  const registry = await ctx.registry({ needsAccount: true })
  const tx =
    action === 'grant'
      ? await registry.grantCapability(id, capability)
      : await registry.revokeCapability(id, capability)
  const device = await registry.getDevice(id)
  ctx.out.result(
    { device, tx },
    () =>
      `device ${id} capabilities: ${device.capabilities.join(', ') || '(none)'} (tx ${tx.txHash})`,
  )
}

export async function historyCommand(ctx: CommandContext, id: string): Promise<void> {
  assertDeviceId(id)
  const history = await (await ctx.registry()).getHistory(id)
  ctx.out.result(history, () =>
    formatTable(
      ['block', 'time', 'event', 'by', 'details', 'tx'],
      history.map((h: HistoryEntry) => [
        String(h.blockNumber),
        h.timestamp.toISOString(),
        h.event,
        h.sender,
        Object.entries(h.details)
          .filter(([k]) => !['pubKeyX', 'pubKeyY', 'metadataHash', 'auxKeyHash'].includes(k))
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
        h.txHash,
      ]),
    ),
  )
}

function formatDevice(d: DeviceRecord, extra: Array<[string, string]> = []): string {
  return formatFields([
    ['id', d.id],
    ['status', d.status],
    ['owner', d.owner],
    ['manufacturer', d.manufacturer],
    ['model', d.modelPaused ? `${d.model} (PAUSED: model breaker tripped)` : d.model],
    ['firmware', d.firmwareVersion],
    ['suite', d.suite],
    ['public key', d.publicKey],
    ['metadata hash', d.metadataHash],
    ['registered', d.registeredAt],
    ['capabilities', d.capabilities.join(', ') || '(none)'],
    ...extra,
  ])
}

function parseAddress(field: string, value: string): Address {
  if (!isAddress(value, { strict: false })) {
    throw new VeriotError(
      'INVALID_ADDRESS',
      `"${field}" expected a 0x-prefixed 20-byte address, got ${JSON.stringify(value.slice(0, 60))}`,
    )
  }
  return getAddress(value)
}

function parseStatus(value: string): DeviceStatus {
  const status = deviceStatuses.find((s) => s === value && s !== 'none')
  if (!status) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"--status" expected one of ${deviceStatuses.slice(1).join(', ')}, got ${JSON.stringify(value)}`,
    )
  }
  return status
}

function readMetadataHash(o: ProvisionOptions): Hex | undefined {
  if (o.metadataHash !== undefined) {
    if (!isHex(o.metadataHash) || o.metadataHash.length !== 66) {
      throw new VeriotError(
        'INVALID_ARGUMENT',
        `"--metadata-hash" expected 0x followed by 64 hex digits, got ${JSON.stringify(o.metadataHash.slice(0, 80))}`,
      )
    }
    return o.metadataHash
  }
  if (o.metadata !== undefined) {
    if (!existsSync(o.metadata)) {
      throw new VeriotError('INVALID_ARGUMENT', `"--metadata" file ${o.metadata} does not exist`)
    }
    return `0x${createHash('sha256').update(readFileSync(o.metadata)).digest('hex')}`
  }
  return undefined
}

export { parseAddress }
