// `veriot simulate`: a fleet of simulated devices, each with its own key, registered and
// activated on chain, sending signed readings to the gateway over MQTT or HTTP, with a
// progress bar and a summary (sent, accepted, rejected by code, anchored).

import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import {
  auxKeyHashOf,
  firmwareVersionToUint64,
  isVeriotError,
  PCR_RESET_VALUE,
  pcrExtend,
  type SuiteName,
  VeriotError,
} from '@veriot/core'
import {
  type Attester,
  type AuxKey,
  createEd25519Key,
  createHttpPublisher,
  createMemoryKey,
  createMlDsa44Key,
  createMqttPublisher,
  createSoftwareAttester,
  createTelemetryDevice,
  type MqttPublisher,
  type TelemetryDevice,
} from '@veriot/device'
import cliProgress from 'cli-progress'
import { bytesToHex } from 'viem'
import type { CommandContext } from '../context/createContext.ts'
import { readRunInfo } from '../context/dataDir.ts'
import { formatFields } from '../context/output.ts'

/** What simulated devices register as, and the firmware image they claim to run. */
const SIMULATED_MODEL = 'simulated-sensor'
const SIMULATED_VERSION = '1.0.0'
const SIMULATED_IMAGE = utf8ToBytes(`veriot ${SIMULATED_MODEL} ${SIMULATED_VERSION}`)
/** The PCR value the simulated boot leaves: one extend with the image's SHA-256. */
const SIMULATED_MEASUREMENT = pcrExtend(PCR_RESET_VALUE, sha256(SIMULATED_IMAGE))

export type SimulateOptions = {
  devices?: string
  rate?: string
  duration?: string
  suite?: string
  transport?: string
  mqttUrl?: string
  httpUrl?: string
  anchorTimeout?: string
}

function int(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"${name}" expected a number ${min}..${max}, got ${JSON.stringify(value)}`,
    )
  }
  return n
}

export async function simulateCommand(ctx: CommandContext, o: SimulateOptions): Promise<void> {
  const count = int('--devices', o.devices, 5, 1, 10_000)
  const rate = int('--rate', o.rate, 10, 0.1, 100_000)
  const duration = int('--duration', o.duration, 10, 1, 86_400)
  const anchorTimeout = int('--anchor-timeout', o.anchorTimeout, 60, 0, 3600)
  const suite = (o.suite ?? 'p256') as SuiteName
  if (!['p256', 'ed25519', 'mldsa44P256'].includes(suite)) {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"--suite" expected p256, ed25519 or mldsa44P256, got ${JSON.stringify(o.suite)}`,
    )
  }
  const transport = o.transport ?? 'mqtt'
  if (transport !== 'mqtt' && transport !== 'http') {
    throw new VeriotError(
      'INVALID_ARGUMENT',
      `"--transport" expected mqtt or http, got ${JSON.stringify(transport)}`,
    )
  }
  const run = readRunInfo(ctx.dataDir)
  const mqttUrl = o.mqttUrl ?? run?.mqttUrl
  const httpUrl = o.httpUrl ?? run?.httpUrl
  if ((transport === 'mqtt' && !mqttUrl) || (transport === 'http' && !httpUrl)) {
    throw new VeriotError(
      'NOT_INITIALIZED',
      `no gateway ${transport.toUpperCase()} URL: start the stack with \`veriot up\` or pass --${transport}-url`,
    )
  }
  const registry = await ctx.registry({ needsAccount: true })
  const conn = await ctx.connect({ needsAccount: true })
  const operator = conn.account?.address
  if (!operator)
    throw new VeriotError('ACCOUNT_MISSING', 'simulate registers devices and needs an account')

  // 0. The release simulated devices run must be approved, or the gateway refuses their readings.
  const attest = ctx.deployment().contracts.FirmwareRegistry !== undefined
  if (attest) await ensureSimulatedRelease(ctx)

  // 1. Devices with their own keys, registered, activated and allowed to send temperature.
  const bar = new cliProgress.SingleBar(
    {
      format: '{phase} [{bar}] {value}/{total} {extra}',
      hideCursor: true,
      noTTYOutput: false,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  )
  const showBar = !ctx.out.json && process.stderr.isTTY
  if (showBar) bar.start(count, 0, { phase: 'registering', extra: '' })
  const devices: TelemetryDevice[] = []
  const attesters: Attester[] = []
  const runDir = join(ctx.dataDir, 'simulate', String(Date.now()))
  for (let i = 0; i < count; i++) {
    const key = createMemoryKey()
    const auxKey: AuxKey | undefined =
      suite === 'ed25519'
        ? createEd25519Key()
        : suite === 'mldsa44P256'
          ? createMlDsa44Key()
          : undefined
    const { id } = await registry.register(key, {
      model: SIMULATED_MODEL,
      firmwareVersion: firmwareVersionToUint64(SIMULATED_VERSION),
      suite,
      ...(auxKey ? { auxKeyHash: auxKeyHashOf(auxKey.publicKey) } : {}),
    })
    await registry.provision(id, operator)
    await registry.activate(id)
    await registry.grantCapability(id, 'telemetry:temperature')
    attesters.push(createSoftwareAttester({ key, measurement: SIMULATED_MEASUREMENT }))
    devices.push(
      await createTelemetryDevice({
        key,
        suite,
        ...(auxKey ? { auxKey } : {}),
        dataDir: join(runDir, id),
      }),
    )
    if (showBar) bar.update(i + 1)
    else ctx.out.progress(`registered device ${i + 1}/${count}: ${id}`)
  }
  if (showBar) bar.stop()

  // 2. Readings at the requested total rate.
  const rejected: Record<string, number> = {}
  let sent = 0
  let accepted = 0
  const reject = (code: string) => {
    rejected[code] = (rejected[code] ?? 0) + 1
  }
  const publishers: MqttPublisher[] = []
  if (transport === 'mqtt' && mqttUrl) {
    for (const [i, device] of devices.entries()) {
      const p = await createMqttPublisher({
        url: mqttUrl,
        device,
        dataDir: join(runDir, device.deviceId),
        reconnectPeriodMs: 500,
        ...(attest && httpUrl
          ? { attester: attesters[i] as Attester, attestationUrl: httpUrl }
          : {}),
      })
      p.onError((r) => reject(r.code))
      publishers.push(p)
    }
  }
  const http = httpUrl
    ? devices.map((device, i) =>
        createHttpPublisher({
          baseUrl: httpUrl,
          device,
          ...(attest ? { attester: attesters[i] as Attester } : {}),
        }),
      )
    : []
  // Every device attests before it sends (the gateway refuses readings otherwise); a refusal
  // here (e.g. a revoked release) ends the run with its code instead of a hung outbox.
  for (const p of [...publishers, ...http]) await p.attestation?.ensure()
  const total = Math.max(1, Math.round(rate * duration))
  if (showBar) bar.start(total, 0, { phase: 'sending', extra: '' })
  const started = Date.now()
  const inflight = new Set<Promise<void>>()
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / rate
    const wait = due - Date.now()
    if (wait > 0) await sleep(wait)
    const i = n % devices.length
    const value = Math.round((-22 + Math.sin(n / 10) * 2 + Math.random() * 0.2) * 100) / 100
    const values = [{ name: 'temp', value, unit: 'Cel' }]
    const job =
      transport === 'mqtt'
        ? (publishers[i] as MqttPublisher).publish('temperature', values).then(() => {
            sent++
          })
        : (http[i] as ReturnType<typeof createHttpPublisher>).send('temperature', values).then(
            (r) => {
              sent++
              if (r.status === 'accepted') accepted++
            },
            (err) => {
              sent++
              reject(err instanceof VeriotError ? err.code : 'INTERNAL')
            },
          )
    const tracked = job
      .catch((err) => reject(err instanceof VeriotError ? err.code : 'INTERNAL'))
      .finally(() => {
        inflight.delete(tracked)
        if (showBar)
          bar.update(sent, {
            extra: `${Object.values(rejected).reduce((a, b) => a + b, 0)} rejected`,
          })
      })
    inflight.add(tracked)
    if (inflight.size >= 256) await Promise.race(inflight)
  }
  await Promise.all(inflight)
  if (transport === 'mqtt') {
    await Promise.all(publishers.map((p) => p.flush()))
    accepted = sent - Object.values(rejected).reduce((a, b) => a + b, 0)
  }
  if (showBar) bar.stop()
  const elapsed = (Date.now() - started) / 1000

  // 3. Wait until the gateway has anchored what it accepted.
  let stats = httpUrl ? await fetchStats(httpUrl) : undefined
  const deadline = Date.now() + anchorTimeout * 1000
  while (stats && stats.anchored < stats.readings && Date.now() < deadline) {
    ctx.out.progress(`waiting for anchoring: ${stats.anchored}/${stats.readings} readings anchored`)
    await sleep(1000)
    stats = await fetchStats(httpUrl as string)
  }
  for (const p of publishers) await p.close()
  for (const d of devices) await d.close()

  const summary = {
    devices: count,
    suite,
    transport,
    attestation: attest ? 'software' : 'none',
    seconds: Math.round(elapsed * 10) / 10,
    sent,
    accepted,
    rejected,
    gateway: stats
      ? { readings: stats.readings, anchored: stats.anchored, batches: stats.batches }
      : undefined,
  }
  ctx.out.result(summary, () =>
    formatFields([
      ['devices', `${count} (${suite}, over ${transport})`],
      ['sent', `${sent} in ${summary.seconds} s (${Math.round(sent / elapsed)}/s)`],
      ['accepted', accepted],
      [
        'rejected',
        Object.entries(rejected)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || 0,
      ],
      [
        'anchored',
        stats
          ? `${stats.anchored} of ${stats.readings} stored readings, ${stats.batches.anchored} batches`
          : 'unknown',
      ],
    ]),
  )
}

async function fetchStats(
  httpUrl: string,
): Promise<{ readings: number; anchored: number; batches: { anchored: number } }> {
  const r = await fetch(`${httpUrl}/v1/stats`)
  return (await r.json()) as never
}

/**
 * Makes sure FirmwareRegistry approves the simulated release with the simulated measurement.
 * Embedded stack: the operator account (a vendor there) claims the model with a one-off
 * development release key (k = 1) and publishes the release approved. Elsewhere only checks.
 */
async function ensureSimulatedRelease(ctx: CommandContext): Promise<void> {
  const firmware = await ctx.firmware({ needsAccount: true })
  const version = firmwareVersionToUint64(SIMULATED_VERSION)
  const measurement = bytesToHex(SIMULATED_MEASUREMENT)
  const verdict = await firmware.readVerdict(SIMULATED_MODEL, version)
  if (verdict === 'approved') {
    const release = await firmware.readRelease(SIMULATED_MODEL, version)
    if (release.measurement.toLowerCase() === measurement) return
    throw new VeriotError(
      'FIRMWARE_RELEASE_INVALID',
      `release ${SIMULATED_MODEL} ${SIMULATED_VERSION} on chain expects measurement ${release.measurement}, not the simulator's ${measurement}`,
    )
  }
  if (verdict !== 'unknown' || !ctx.endpoint().embedded) {
    throw new VeriotError(
      verdict === 'unknown' ? 'FIRMWARE_RELEASE_UNKNOWN' : 'FIRMWARE_RELEASE_NOT_APPROVED',
      `release ${SIMULATED_MODEL} ${SIMULATED_VERSION} is ${verdict} on FirmwareRegistry: publish and approve it with measurement ${measurement} (veriot firmware publish), or run the gateway with --no-attestation`,
    )
  }
  ctx.out.progress(
    `publishing ${SIMULATED_MODEL} ${SIMULATED_VERSION} on FirmwareRegistry with a development release key (1 of 1)`,
  )
  const releaseKey = createMemoryKey()
  try {
    try {
      await firmware.readModel(SIMULATED_MODEL)
      throw new VeriotError(
        'FIRMWARE_RELEASE_UNKNOWN',
        `model ${SIMULATED_MODEL} already has release keys but no release ${SIMULATED_VERSION}: publish it with measurement ${measurement}`,
      )
    } catch (err) {
      if (!isVeriotError(err, 'FIRMWARE_MODEL_UNKNOWN')) throw err
    }
    await firmware.setReleaseKeys(SIMULATED_MODEL, [releaseKey.publicKey], 1)
    await firmware.publishRelease(
      {
        model: SIMULATED_MODEL,
        version,
        imageHash: bytesToHex(sha256(SIMULATED_IMAGE)),
        imageSize: BigInt(SIMULATED_IMAGE.length),
        measurement,
      },
      [releaseKey],
    )
  } finally {
    await releaseKey.close()
  }
}
