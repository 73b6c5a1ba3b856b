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
/** Below this mean CPU ÷ wall of the baseline threads, the machine counts as busy. */
const BUSY_BELOW = 0.9

const int = (n: number) => Math.round(n)
const ratio = (a: number, b: number) => roundTo(a / b, 3)
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

type Mode = 'FULL' | 'NORMAL'

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
      const run = (synchronous: Mode, gatewayAccount: number, profile = false) =>
        measureMqttIngest({
          chain,
          gatewayAccount,
          synchronous,
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
      const timed: Array<{ run: MqttIngestRun; before: VerifyRate; after: VerifyRate }> = []
      let account = 9
      for (const synchronous of ['FULL', 'NORMAL', 'FULL', 'NORMAL'] as const) {
        const r = await run(synchronous, account--)
        const before = baselines.at(-1) as VerifyRate
        const after = await baseline()
        baselines.push(after)
        timed.push({ run: r, before, after })
      }
      // A separate, shorter run under the V8 profiler: where the gateway's thread spends time.
      const profiled = await run('FULL', account--, true)

      const uncontended = (b: VerifyRate) => b.uncontendedPerSecond ?? b.perSecond
      const runs = timed.map(({ run: r, before, after }) => {
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
        return {
          synchronous: r.synchronous,
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
            uncontendedRatio: ratio(persistedU, baseU),
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
            sqliteAppend: roundTo(
              (r.store.append.ms * 1000) / Math.max(1, r.store.append.calls),
              1,
            ),
            sqliteOther: roundTo((r.store.other.ms * 1000) / Math.max(1, r.accepted), 1),
          },
        }
      })
      type RunResult = (typeof runs)[number]
      const modeMean = (mode: Mode) => {
        const of = runs.filter((r) => r.synchronous === mode)
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
      const full = modeMean('FULL')
      const normal = modeMean('NORMAL')
      const baselineCpu = baselines.map((b) => b.cpuOfWall).filter((c) => c !== undefined)
      const busy = baselineCpu.length > 0 && mean(baselineCpu) < BUSY_BELOW
      const ceiling = {
        perSecond: int(oneWorker.perSecond),
        ratio: ratio(oneWorker.perSecond, (baselines[0] as VerifyRate).perSecond),
        uncontendedRatio: ratio(uncontended(oneWorker), uncontended(baselines[0] as VerifyRate)),
      }
      const shares = profiled.cpuProfile ?? {}
      const value = full.persistedUncontendedRatio
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
          'Gateway: startGateway with the embedded aedes broker, a fresh on-disk SQLite store per run (WAL; synchronous FULL, the default, or NORMAL), default anchoring (batches of 256 on TelemetryAnchor, anvil automine), a fresh gateway account per run.',
          'persisted = first publish to last PUBACK (the gateway acknowledges only what is stored); allAnchored = first publish until flushAnchors has anchored every stored reading.',
          'baseline = verifyTelemetrySignature on 2 worker threads over pre-made signatures (decoded before timing), measured before the first and after every timed run (FULL, NORMAL, FULL, NORMAL); a run is compared with the mean of its two neighbours.',
          'ratio = wall-clock rates. uncontendedRatio = both rates with the time each thread spent runnable but waiting for a core (Linux schedstat run-queue delay) taken out of its wall time: what a 2-core machine with nothing else running would show. The target is judged on uncontendedRatio; both are reported.',
          'singleThreadCeiling = the same verify on 1 worker right after the first baseline: the gateway checks signatures on its one JavaScript thread, so ingest cannot exceed this share of the baseline.',
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
            'verifyTelemetrySignature (P-256, @noble/curves) on 2 worker threads, per second, in the order measured; cpuOfWall = mean worker CPU time ÷ wall time',
          measurements: baselines.map((b) => ({
            perSecond: int(b.perSecond),
            uncontendedPerSecond: int(uncontended(b)),
            cpuOfWall: b.cpuOfWall === undefined ? null : roundTo(b.cpuOfWall, 3),
          })),
        },
        singleThreadCeiling: ceiling,
        mainThread: {
          verifyTelemetrySignature: rateOf(oneThread.noble),
          opensslReference: {
            description:
              'not used by the gateway: node:crypto (OpenSSL) verify of the same signing bytes and signatures on one thread',
            ...rateOf(oneThread.openssl),
          },
          checkPipeline: {
            readings: pipeline.FULL?.readings ?? 0,
            FULL: rateOf(pipeline.FULL),
            NORMAL: rateOf(pipeline.NORMAL),
          },
        },
        runs,
        means: { synchronousFull: full, synchronousNormal: normal },
        profile: {
          synchronous: 'FULL',
          readings: profiled.accepted,
          persistedPerSecond: int(profiled.persisted.perSecond),
          gatewayThreadBusy: roundTo(profiled.gatewayThreadBusy, 3),
          shareOfWallTime: shares,
        },
        target: {
          metric:
            'persisted readings/s with synchronous=FULL (the default) ÷ 2-thread verify baseline, contention-corrected (uncontendedRatio)',
          threshold: TARGET,
          value,
          wallClockValue: full.persistedRatio,
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
        '  MQTT ingest runs (persisted | all anchored):',
        ...runs.map(
          (r) =>
            `    ${r.synchronous.padEnd(6)} ${r.persisted.perSecond}/s (${r.persisted.ratio}×, uncontended ${r.persisted.uncontendedPerSecond}/s = ${r.persisted.uncontendedRatio}×) | ${r.allAnchored.perSecond}/s (${r.allAnchored.uncontendedRatio}×); accepted ${r.accepted}/${r.sent}; gateway thread busy ${pct(r.gatewayThread.busy)}, waited for a core ${pct(r.gatewayThread.runQueueWaitOfWall)}; SQLite append ${int(r.perReadingUs.sqliteAppend)} µs`,
        ),
        `  mean FULL:   ${full.persistedPerSecond}/s persisted; ratio ${full.persistedRatio}× wall-clock, ${full.persistedUncontendedRatio}× uncontended; all anchored ${full.allAnchoredUncontendedRatio}× uncontended`,
        `  mean NORMAL: ${normal.persistedPerSecond}/s persisted; ratio ${normal.persistedRatio}× wall-clock, ${normal.persistedUncontendedRatio}× uncontended; all anchored ${normal.allAnchoredUncontendedRatio}× uncontended`,
        `  profile (FULL, ${int(profiled.persisted.perSecond)}/s): ${Object.entries(shares)
          .slice(0, 7)
          .map(([k, v]) => `${k} ${int(v * 100)}%`)
          .join(', ')}`,
        `  target: ingest ≥ ${TARGET} × baseline (FULL, uncontended): ${value} → ${value >= TARGET ? 'MET' : 'MISSED'}`,
      ]
      return { result, summary }
    } finally {
      await chain.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
