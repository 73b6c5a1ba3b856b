// `veriot readings`, `veriot proof <reading-id>` and `veriot verify <bundle>`: list stored
// readings, write a reading's self-contained proof bundle, and check one (offline, then on chain).

import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeTelemetry, VeriotError } from '@veriot/core'
import {
  createProofBundle,
  createSqliteStore,
  type TelemetryStore,
  verifyProofBundle,
} from '@veriot/node'
import { bytesToHex, type Hex } from 'viem'
import type { CommandContext } from '../context/createContext.ts'
import { formatTable, toJson } from '../context/output.ts'
import { parseIntegerOption } from '../context/parseIntegerOption.ts'

export function openStore(ctx: CommandContext, path: string | undefined): TelemetryStore {
  const file = path ?? join(ctx.dataDir, 'gateway.sqlite')
  if (!existsSync(file)) {
    throw new VeriotError(
      'NOT_INITIALIZED',
      `no gateway store at ${file}; start a gateway with \`veriot up\``,
    )
  }
  return createSqliteStore(file)
}

function assertReadingId(value: string): asserts value is Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"reading id" expected 0x followed by 64 hex digits, got ${JSON.stringify(value.slice(0, 80))}`,
    )
  }
}

export async function readingsCommand(
  ctx: CommandContext,
  o: { device?: string; limit?: string; store?: string },
): Promise<void> {
  const limit = parseIntegerOption('--limit', o.limit ?? '20', 1, 10_000)
  if (o.device !== undefined) assertReadingId(o.device)
  const store = openStore(ctx, o.store)
  try {
    const rows = await store.listReadings({
      ...(o.device ? { deviceId: o.device as Hex } : {}),
      limit,
    })
    const view = rows.map((r) => {
      const m = decodeTelemetry(r.message)
      return {
        id: r.id,
        deviceId: r.deviceId,
        sequence: r.seq,
        timestamp: new Date(r.timestamp),
        type: r.type,
        readings: m.readings.map((x) => ({ name: x.name, value: x.value, unit: x.unit })),
        batchId: r.batchId,
        leafIndex: r.leafIndex,
        /** The device's attestation level when the gateway admitted it (null: rule off). */
        assuranceLevel: r.assuranceLevel ?? null,
      }
    })
    ctx.out.result(view, () =>
      view.length === 0
        ? 'no readings'
        : formatTable(
            ['id', 'device', 'seq', 'time', 'values', 'level', 'batch'],
            view.map((r) => [
              r.id,
              `${r.deviceId.slice(0, 10)}…`,
              String(r.sequence),
              r.timestamp.toISOString(),
              r.readings.map((x) => `${x.name}=${x.value}${x.unit}`).join(' '),
              r.assuranceLevel ?? '-',
              r.batchId === undefined ? '-' : String(r.batchId),
            ]),
          ),
    )
  } finally {
    await store.close()
  }
}

export async function proofCommand(
  ctx: CommandContext,
  id: string,
  o: { out?: string; store?: string },
): Promise<void> {
  assertReadingId(id)
  const store = openStore(ctx, o.store)
  try {
    const conn = await ctx.connect()
    const reading = await store.getReading(id.toLowerCase() as Hex)
    const batch = reading?.batchId !== undefined ? await store.getBatch(reading.batchId) : undefined
    const gateway = batch?.txHash
      ? (await conn.publicClient.getTransaction({ hash: batch.txHash })).from
      : undefined
    const bundle = await createProofBundle(
      store,
      conn,
      ctx.deployment(),
      id as Hex,
      (gateway ?? '0x0000000000000000000000000000000000000000') as Hex,
    )
    const out = o.out ?? `${id.slice(0, 18)}.proof.json`
    writeFileSync(out, `${toJson(bundle)}\n`)
    ctx.out.result(
      { file: out, readingId: id, batch: bundle.batch.id, anchorTx: bundle.anchor.txHash },
      () =>
        `wrote ${out} (reading ${id}, batch ${bundle.batch.id}, anchored in block ${bundle.anchor.blockNumber}, tx ${bundle.anchor.txHash})`,
    )
  } finally {
    await store.close()
  }
}

export async function verifyCommand(
  ctx: CommandContext,
  file: string,
  o: { offline?: boolean },
): Promise<void> {
  if (!existsSync(file))
    throw new VeriotError('INVALID_ARGUMENT', `bundle file ${file} does not exist`)
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, 'utf8'))
  } catch (cause) {
    throw new VeriotError('BUNDLE_MALFORMED', `${file} is not JSON`, { cause })
  }
  const conn = o.offline ? undefined : await ctx.connect()
  const result = await verifyProofBundle(json, conn)
  const m = result.message
  const value = {
    valid: true,
    onChain: result.onChain,
    checks: result.checks,
    reading: {
      id: result.bundle.reading.id,
      deviceId: bytesToHex(m.deviceId),
      sequence: m.sequence,
      timestamp: new Date(m.timestamp),
      type: m.type,
      readings: m.readings,
    },
    anchor: result.bundle.anchor,
  }
  ctx.out.result(value, () =>
    [
      `VALID${result.onChain ? '' : ' (offline checks only: pass an endpoint to check the chain)'}`,
      ...result.checks.map((c) => `  ✓ ${c.name}`),
      `reading ${value.reading.id}: device ${value.reading.deviceId} seq ${m.sequence} at ${value.reading.timestamp.toISOString()}`,
      `  ${m.readings.map((r) => `${r.name}=${r.value} ${r.unit}`).join(', ')}`,
      `anchored in block ${result.bundle.anchor.blockNumber} (tx ${result.bundle.anchor.txHash}) on chain ${result.bundle.anchor.chainId}`,
    ].join('\n'),
  )
}
