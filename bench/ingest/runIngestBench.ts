// Benchmark a (ingest): end-to-end ingest of signed P-256 readings over MQTT (persisted, then
// anchored) beside the raw P-256 verify rate of the same suite on two worker threads, measured
// in the same run. Target from the issue: ingest ≥ 70 % of that raw rate.

import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Hex } from 'viem'
import type { Benchmark } from '../Benchmark.ts'
import { type BenchKey, createBenchKey } from '../chain/createBenchKey.ts'
import { startBenchChain } from '../chain/startBenchChain.ts'
import { getMachine } from '../report/getMachine.ts'
import { roundTo } from '../report/roundTo.ts'
import { type CheckPipelineRate, measureCheckPipeline } from './measureCheckPipeline.ts'
import { measureInlineVerifyRate } from './measureInlineVerifyRate.ts'
import { type MqttIngestRun, measureMqttIngest } from './measureMqttIngest.ts'
import { measurePipelineParts } from './measurePipelineParts.ts'
import { measureWorkerVerifyRate, type VerifyRate } from './measureWorkerVerifyRate.ts'
import { presignTelemetry } from './presignTelemetry.ts'

const DEVICES = 8
const PER_DEVICE = 200
const PROFILED_PER_DEVICE = 80
const WINDOW = 16
const VERIFY_SAMPLE = 800
const INLINE_SAMPLE = 400
const PIPELINE_PER_DEVICE = 60
const TARGET = 0.7
/** Cores the target is about: the baseline verifies on this many threads. */
const CORES = 2
/** Below this mean CPU ÷ wall of the baseline threads, the machine counts as busy. */
const BUSY_BELOW = 0.9

const int = (n: number) => Math.round(n)
const ratio = (a: number, b: number) => roundTo(a / b, 3)
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

type Mode = 'FULL' | 'NORMAL'
/** A gateway configuration under test: store durability and verifier worker threads. */
type Config = { label: string; synchronous: Mode; verifyThreads: number }
/** startGateway's defaults on a 2-core machine: FULL, signatures checked on the event loop. */
const DEFAULT: Config = { label: 'default', synchronous: 'FULL', verifyThreads: 0 }
const CONFIGS: readonly Config[] = [
  DEFAULT,
  { label: 'verifierThread', synchronous: 'FULL', verifyThreads: 1 },
  { label: 'normal', synchronous: 'NORMAL', verifyThreads: 0 },
]

export const ingestBench: Benchmark = {
  name: 'ingest',
  description: 'MQTT ingest (persisted, anchored) vs raw 2-thread P-256 verify',
  async run() {
    const loadAtStart = loadavg()[0] as number
    const dir = mkdtempSync(join(tmpdir(), 'veriot-bench-ingest-'))
    const chain = await startBenchChain()
    try {
      // Devices, registered and active; every message signed before anything is timed.
      const keys: BenchKey[] = Array.from({ length: DEVICES }, () => createBenchKey())
      const ids = await chain.registerDevices(keys)
      const publicKeys: Record<Hex, Uint8Array> = Object.fromEntries(
        ids.map((id, i) => [id, (keys[i] as BenchKey).publicKey]),
      )
      const signed = await presignTelemetry(
        ids.map((deviceId, i) => ({ deviceId, key: keys[i] as BenchKey })),
        PER_DEVICE,
        2,
      )
      const devices = ids.map((deviceId, i) => ({
        deviceId,
        key: keys[i] as BenchKey,
        messages: signed.get(deviceId) ?? [],
      }))
      // Round-robin over devices keeps each device's messages in sequence order.
      const interleaved = (perDevice: number) =>
        Array.from({ length: perDevice }, (_, s) =>
          devices.map((d) => d.messages[s] as Uint8Array),
        ).flat()
      const sample = interleaved(PER_DEVICE).slice(0, VERIFY_SAMPLE)
      const baseline = () => measureWorkerVerifyRate(sample, publicKeys, 2)

      // Side measurements on the main thread: verify alone, the check pipeline without MQTT.
      const oneThread = measureInlineVerifyRate(sample.slice(0, INLINE_SAMPLE), publicKeys)
      const partsUs = measurePipelineParts(sample.slice(0, INLINE_SAMPLE), publicKeys)
      const pipeline: Partial<Record<Mode, CheckPipelineRate>> = {}
      for (const synchronous of ['FULL', 'NORMAL'] as const) {
        pipeline[synchronous] = await measureCheckPipeline({
          chain,
          synchronous,
          messages: interleaved(PIPELINE_PER_DEVICE),
          dir,
        })
      }
      const rateOf = (r: { perSecond: number; uncontendedPerSecond: number } | undefined) => ({
        perSecond: int(r?.perSecond ?? Number.NaN),
        uncontendedPerSecond: int(r?.uncontendedPerSecond ?? Number.NaN),
      })

      // The machine is noisy (and may be shared): FULL and NORMAL alternate twice, with a
      // baseline right before and after each timed run; a run is compared with the mean of its
      // two neighbouring baselines, and each mode's ratio is the mean over its two runs.
      const run = (config: Config, gatewayAccount: number, profile = false) =>
        measureMqttIngest({
          chain,
          gatewayAccount,
          synchronous: config.synchronous,
          verifyThreads: config.verifyThreads,
          devices: profile
            ? devices.map((d) => ({ ...d, messages: d.messages.slice(0, PROFILED_PER_DEVICE) }))
            : devices,
          window: WINDOW,
          dir,
          profile,
        })
      const baselines: VerifyRate[] = [await baseline()]
      // The same verify on one worker, right after: the ceiling of a gateway that verifies on
      // its one JavaScript thread, as a share of the 2-thread baseline.
      const oneWorker = await measureWorkerVerifyRate(
        sample.slice(0, VERIFY_SAMPLE / 2),
        publicKeys,
        1,
      )
      const timed: Array<{
        config: Config
        run: MqttIngestRun
        before: VerifyRate
        after: VerifyRate
      }> = []
      let account = 9
      for (const config of [...CONFIGS, ...CONFIGS]) {
        const r = await run(config, account--)
        const before = baselines.at(-1) as VerifyRate
        const after = await baseline()
        baselines.push(after)
        timed.push({ config, run: r, before, after })
      }
      // A separate, shorter run under the V8 profiler: where the gateway's thread spends time.
      const profiled = await run(DEFAULT, account--, true)

      const uncontended = (b: VerifyRate) => b.uncontendedPerSecond ?? b.perSecond
      const runs = timed.map(({ config, run: r, before, after }) => {
        const base = mean([before.perSecond, after.perSecond])
        const baseU = mean([uncontended(before), uncontended(after)])
        // Rate on the gateway thread's own clock, with its wait for a core taken out.
        const uncontendedRate = (
          phase: 'persisted' | 'anchored',
          count: number,
          wallRate: number,
        ) => {
          const s = r.gatewaySched?.[phase]
          return s ? (count * 1000) / (s.wallMs - s.runQueueWaitMs) : wallRate
        }
        const persistedU = uncontendedRate('persisted', r.accepted, r.persisted.perSecond)
        const anchoredU = uncontendedRate('anchored', r.anchored, r.anchoredAll.perSecond)
        const sp = r.gatewaySched?.persisted
        // CPU bound on 2 dedicated cores: every gateway thread's CPU shared over the cores,
        // and the main thread's alone on one core; the slower of the two.
        const cpu = r.cpuMs
        const perReadingCpuUs = cpu
          ? {
              gatewayMain: (cpu.gatewayMain * 1000) / r.accepted,
              gatewayAll: (cpu.gatewayAll * 1000) / r.accepted,
              publisher: (cpu.publisher * 1000) / r.accepted,
            }
          : undefined
        const capacity = perReadingCpuUs
          ? Math.min((CORES * 1e6) / perReadingCpuUs.gatewayAll, 1e6 / perReadingCpuUs.gatewayMain)
          : Number.NaN
        const uncontendedRatio = ratio(persistedU, baseU)
        const capacityRatio = ratio(capacity, baseU)
        return {
          config: config.label,
          synchronous: r.synchronous,
          verifyThreads: r.verifyThreads,
          sent: r.sent,
          accepted: r.accepted,
          rejected: r.rejected,
          anchored: r.anchored,
          batchesAnchored: r.batchesAnchored,
          baseline: { perSecond: int(base), uncontendedPerSecond: int(baseU) },
          persisted: {
            seconds: roundTo(r.persisted.seconds, 2),
            perSecond: int(r.persisted.perSecond),
            uncontendedPerSecond: int(persistedU),
            ratio: ratio(r.persisted.perSecond, base),
            uncontendedRatio,
            capacityPerSecond: int(capacity),
            capacityRatio,
            judgedRatio: Math.min(uncontendedRatio, capacityRatio),
          },
          allAnchored: {
            seconds: roundTo(r.anchoredAll.seconds, 2),
            perSecond: int(r.anchoredAll.perSecond),
            uncontendedPerSecond: int(anchoredU),
            ratio: ratio(r.anchoredAll.perSecond, base),
            uncontendedRatio: ratio(anchoredU, baseU),
          },
          gatewayThread: {
            busy: roundTo(r.gatewayThreadBusy, 3),
            cpuOfWall: sp ? ratio(sp.cpuMs, sp.wallMs) : null,
            runQueueWaitOfWall: sp ? ratio(sp.runQueueWaitMs, sp.wallMs) : null,
          },
          perReadingUs: {
            endToEnd: roundTo(1e6 / r.persisted.perSecond, 1),
            // Time inside the group-commit transactions (fsync included) per reading; the
            // appendReading call itself only queues.
            sqliteAppend: roundTo((r.groups.ms * 1000) / Math.max(1, r.groups.readings), 1),
            sqliteOther: roundTo((r.store.other.ms * 1000) / Math.max(1, r.accepted), 1),
          },
          cpuPerReadingUs: perReadingCpuUs
            ? {
                gatewayMain: roundTo(perReadingCpuUs.gatewayMain, 1),
                gatewayAll: roundTo(perReadingCpuUs.gatewayAll, 1),
                publisher: roundTo(perReadingCpuUs.publisher, 1),
              }
            : null,
          groupCommit: {
            commits: r.groups.commits,
            meanSize: roundTo(r.groups.readings / Math.max(1, r.groups.commits), 1),
            largest: r.groups.largest,
            msPerCommit: roundTo(r.groups.ms / Math.max(1, r.groups.commits), 2),
          },
        }
      })
      type RunResult = (typeof runs)[number]
      const configMean = (label: string) => {
        const of = runs.filter((r) => r.config === label)
        const m = (f: (r: RunResult) => number) => mean(of.map(f))
        return {
          runs: of.length,
          persistedPerSecond: int(m((r) => r.persisted.perSecond)),
          persistedRatio: roundTo(
            m((r) => r.persisted.ratio),
            3,
          ),
          persistedUncontendedRatio: roundTo(
            m((r) => r.persisted.uncontendedRatio),
            3,
          ),
          persistedCapacityRatio: roundTo(
            m((r) => r.persisted.capacityRatio),
            3,
          ),
          judgedRatio: roundTo(
            m((r) => r.persisted.judgedRatio),
            3,
          ),
          cpuPerReadingUs: {
            gatewayMain: roundTo(
              m((r) => r.cpuPerReadingUs?.gatewayMain ?? Number.NaN),
              1,
            ),
            gatewayAll: roundTo(
              m((r) => r.cpuPerReadingUs?.gatewayAll ?? Number.NaN),
              1,
            ),
          },
          allAnchoredPerSecond: int(m((r) => r.allAnchored.perSecond)),
          allAnchoredRatio: roundTo(
            m((r) => r.allAnchored.ratio),
            3,
          ),
          allAnchoredUncontendedRatio: roundTo(
            m((r) => r.allAnchored.uncontendedRatio),
            3,
          ),
          sqliteAppendUs: roundTo(
            m((r) => r.perReadingUs.sqliteAppend),
            1,
          ),
        }
      }
      const full = configMean(DEFAULT.label)
      const threaded = configMean('verifierThread')
      const normal = configMean('normal')
      const baselineCpu = baselines.map((b) => b.cpuOfWall).filter((c) => c !== undefined)
      const busy = baselineCpu.length > 0 && mean(baselineCpu) < BUSY_BELOW
      const ceiling = {
        perSecond: int(oneWorker.perSecond),
        ratio: ratio(oneWorker.perSecond, (baselines[0] as VerifyRate).perSecond),
        uncontendedRatio: ratio(uncontended(oneWorker), uncontended(baselines[0] as VerifyRate)),
      }
      const shares = profiled.cpuProfile ?? {}
      const value = full.judgedRatio
      const result = {
        benchmark: 'ingest',
        date: new Date().toISOString(),
        machine: {
          ...getMachine(),
          loadAverage1mAtStart: roundTo(loadAtStart, 2),
          busyDuringRun: busy,
        },
        method: [
          `${DEVICES} registered P-256 devices on anvil, ${PER_DEVICE} readings each (${DEVICES * PER_DEVICE} per run, one reading per message), signed before timing on worker threads.`,
          `One mqtt.js client per device on a separate worker thread, connect token from createMqttConnectToken, QoS 1, ${WINDOW} unacknowledged messages in flight per client, at full speed.`,
          'Gateway: startGateway with the embedded aedes broker, a fresh on-disk SQLite store per run (WAL, group commit: the appends of one event-loop turn in one transaction, each PUBACK after its commit), default anchoring (batches of 256 on TelemetryAnchor, anvil automine), a fresh gateway account per run.',
          `Configurations, run in this order twice: ${CONFIGS.map((c) => `${c.label} (synchronous=${c.synchronous}, ${c.verifyThreads} verifier thread${c.verifyThreads === 1 ? '' : 's'})`).join(', ')}. "default" is what startGateway does on this 2-core machine.`,
          'persisted = first publish to last PUBACK (the gateway acknowledges only what is stored); allAnchored = first publish until flushAnchors has anchored every stored reading.',
          'baseline = verifyTelemetrySignature on 2 worker threads over pre-made signatures (decoded before timing), measured before the first and after every timed run; a run is compared with the mean of its two neighbours.',
          'ratio = wall-clock rates. uncontendedRatio = both rates with the time each thread spent runnable but waiting for a core (Linux schedstat run-queue delay) taken out of its wall time: what a 2-core machine with nothing else running would show. The target is judged on uncontendedRatio; both are reported.',
          'capacityRatio = the CPU bound on 2 dedicated cores: min(2 cores ÷ CPU per reading of all gateway threads, 1 core ÷ CPU per reading of its main thread) ÷ the uncontended baseline. All gateway threads = process CPU (process.cpuUsage) less the publisher thread (schedstat), so V8 helper threads count against the gateway. uncontendedRatio alone would credit CPU spent on the verifier thread for free; capacityRatio alone assumes perfect scheduling. judgedRatio = the lower of the two; the target is judged on it.',
          'singleThreadCeiling = the same verify on 1 worker right after the first baseline: a gateway that checks signatures on its one JavaScript thread cannot exceed this share of the baseline.',
          `mainThread.checkPipeline = createIngest called directly (no transport), one message after another, ${DEVICES * PIPELINE_PER_DEVICE} readings. profile = a separate FULL run of ${DEVICES * PROFILED_PER_DEVICE} readings under the V8 sampling profiler: the gateway thread's wall time by component. perReadingUs.sqlite* are timed inside the store during the timed runs.`,
        ],
        parameters: {
          devices: DEVICES,
          readingsPerDevice: PER_DEVICE,
          windowPerClient: WINDOW,
          verifySample: VERIFY_SAMPLE,
          messageBytes: sample[0]?.length ?? 0,
        },
        baseline: {
          description:
            'verifyTelemetrySignature (P-256 through verifyP256: OpenSSL via node:crypto) on 2 worker threads, per second, in the order measured; cpuOfWall = mean worker CPU time ÷ wall time',
          measurements: baselines.map((b) => ({
            perSecond: int(b.perSecond),
            uncontendedPerSecond: int(uncontended(b)),
            cpuOfWall: b.cpuOfWall === undefined ? null : roundTo(b.cpuOfWall, 3),
          })),
        },
        singleThreadCeiling: ceiling,
        mainThread: {
          verifyTelemetrySignature: rateOf(oneThread.noble),
          partsUs: {
            description:
              'µs per call on the main thread, contention removed: the pure steps of one reading',
            ...partsUs,
          },
          opensslReference: {
            description:
              'node:crypto (OpenSSL) verify of the same signing bytes and signatures on one thread, called directly (no range checks, no key cache): the engine under verifyP256',
            ...rateOf(oneThread.openssl),
          },
          checkPipeline: {
            readings: pipeline.FULL?.readings ?? 0,
            FULL: rateOf(pipeline.FULL),
            NORMAL: rateOf(pipeline.NORMAL),
          },
        },
        runs,
        means: { default: full, verifierThread: threaded, synchronousNormal: normal },
        profile: {
          synchronous: 'FULL',
          readings: profiled.accepted,
          persistedPerSecond: int(profiled.persisted.perSecond),
          gatewayThreadBusy: roundTo(profiled.gatewayThreadBusy, 3),
          shareOfWallTime: shares,
        },
        target: {
          metric:
            'persisted readings/s of the default gateway (synchronous=FULL, group commit, verify on the event loop) ÷ 2-thread verify baseline: the lower of uncontendedRatio and capacityRatio (judgedRatio), mean of its runs',
          threshold: TARGET,
          value,
          wallClockValue: full.persistedRatio,
          uncontendedValue: full.persistedUncontendedRatio,
          capacityValue: full.persistedCapacityRatio,
          met: value >= TARGET,
        },
      }

      const pct = (x: number | null) => (x === null ? '?' : `${int(x * 100)}%`)
      const summary = [
        `  machine: ${result.machine.cpuModel}, ${result.machine.nproc} cores; load average ${result.machine.loadAverage1mAtStart} at start${busy ? ' — BUSY: other work took CPU from the benchmark threads; see uncontended figures' : ''}`,
        `  baseline, 2 threads (verifies/s wall | uncontended | CPU of wall): ${baselines
          .map((b) => `${int(b.perSecond)} | ${int(uncontended(b))} | ${pct(b.cpuOfWall ?? null)}`)
          .join('; ')}`,
        `  single-thread ceiling: 1 worker ${ceiling.perSecond}/s = ${ceiling.ratio}× (uncontended ${ceiling.uncontendedRatio}×) of the baseline`,
        `  main thread, uncontended: verify ${int(oneThread.noble.uncontendedPerSecond)}/s (OpenSSL reference ${int(oneThread.openssl.uncontendedPerSecond)}/s); check pipeline without MQTT: FULL ${rateOf(pipeline.FULL).uncontendedPerSecond}/s, NORMAL ${rateOf(pipeline.NORMAL).uncontendedPerSecond}/s`,
        `  main thread, µs per reading: ${Object.entries(partsUs)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
        '  MQTT ingest runs (persisted | all anchored):',
        ...runs.map(
          (r) =>
            `    ${r.config.padEnd(14)} ${r.persisted.perSecond}/s (${r.persisted.ratio}×, uncontended ${r.persisted.uncontendedPerSecond}/s = ${r.persisted.uncontendedRatio}×, CPU bound ${r.persisted.capacityPerSecond}/s = ${r.persisted.capacityRatio}×) | ${r.allAnchored.perSecond}/s (${r.allAnchored.uncontendedRatio}×); accepted ${r.accepted}/${r.sent}; CPU µs/reading main ${r.cpuPerReadingUs?.gatewayMain ?? '?'}, all gateway ${r.cpuPerReadingUs?.gatewayAll ?? '?'}, publisher ${r.cpuPerReadingUs?.publisher ?? '?'}; main busy ${pct(r.gatewayThread.busy)}, waited for a core ${pct(r.gatewayThread.runQueueWaitOfWall)}; ${r.groupCommit.commits} commits of ${r.groupCommit.meanSize} (max ${r.groupCommit.largest}), SQLite ${r.perReadingUs.sqliteAppend} µs/reading`,
        ),
        ...(
          [
            ['default', full],
            ['verifierThread', threaded],
            ['normal', normal],
          ] as const
        ).map(
          ([label, m]) =>
            `  mean ${label.padEnd(14)} ${m.persistedPerSecond}/s persisted; ratio ${m.persistedRatio}× wall-clock, ${m.persistedUncontendedRatio}× uncontended, ${m.persistedCapacityRatio}× CPU bound → judged ${m.judgedRatio}×; all anchored ${m.allAnchoredUncontendedRatio}× uncontended; CPU µs/reading main ${m.cpuPerReadingUs.gatewayMain}, all ${m.cpuPerReadingUs.gatewayAll}`,
        ),
        `  profile (FULL, ${int(profiled.persisted.perSecond)}/s): ${Object.entries(shares)
          .slice(0, 7)
          .map(([k, v]) => `${k} ${int(v * 100)}%`)
          .join(', ')}`,
        `  target: ingest ≥ ${TARGET} × baseline (default gateway, judged = min(uncontended, CPU bound)): ${value} → ${value >= TARGET ? 'MET' : 'MISSED'}`,
      ]
      return { result, summary }
    } finally {
      await chain.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
