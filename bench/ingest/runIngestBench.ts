// Benchmark a (ingest): end-to-end ingest of signed P-256 readings over MQTT (persisted, then
// anchored) beside the raw P-256 verify rate of the same suite on two worker threads, measured
// in the same run. Target from the issue: ingest ≥ 70 % of that raw rate.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Hex } from 'viem'
import type { Benchmark } from '../Benchmark.ts'
import { type BenchKey, createBenchKey } from '../chain/createBenchKey.ts'
import { startBenchChain } from '../chain/startBenchChain.ts'
import { getMachine } from '../report/getMachine.ts'
import { roundTo } from '../report/roundTo.ts'
import { measureCheckPipeline } from './measureCheckPipeline.ts'
import { measureInlineVerifyRate } from './measureInlineVerifyRate.ts'
import { measureMqttIngest } from './measureMqttIngest.ts'
import { measureWorkerVerifyRate } from './measureWorkerVerifyRate.ts'
import { presignTelemetry } from './presignTelemetry.ts'

const DEVICES = 8
const PER_DEVICE = 400
const WINDOW = 16
const VERIFY_SAMPLE = 1600
const INLINE_SAMPLE = 600
const PIPELINE_PER_DEVICE = 100
const STORE_APPENDS = 400
const TARGET = 0.7

const rate = (n: number) => Math.round(n)
const us = (perSecond: number) => 1e6 / perSecond

export const ingestBench: Benchmark = {
  name: 'ingest',
  description: 'MQTT ingest (persisted, anchored) vs raw 2-thread P-256 verify',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'veriot-bench-ingest-'))
    const chain = await startBenchChain()
    try {
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
        Array.from({ length: perDevice }, (_, s) => devices.map((d) => d.messages[s] as Uint8Array)).flat()
      const sample = interleaved(PER_DEVICE).slice(0, VERIFY_SAMPLE)

      const baselineBefore = await measureWorkerVerifyRate(sample, publicKeys, 2)
      const inline = measureInlineVerifyRate(sample.slice(0, INLINE_SAMPLE), publicKeys)
      const pipelines = []
      for (const synchronous of ['FULL', 'NORMAL'] as const) {
        pipelines.push(
          await measureCheckPipeline({
            chain,
            synchronous,
            messages: interleaved(PIPELINE_PER_DEVICE),
            storeAppends: STORE_APPENDS,
            dir,
          }),
        )
      }
      const runs = []
      let account = 9
      for (const synchronous of ['FULL', 'NORMAL'] as const) {
        runs.push(
          await measureMqttIngest({
            chain,
            gatewayAccount: account--,
            synchronous,
            devices,
            window: WINDOW,
            dir,
          }),
        )
      }
      const baselineAfter = await measureWorkerVerifyRate(sample, publicKeys, 2)
      const baseline = (baselineBefore.perSecond + baselineAfter.perSecond) / 2

      const [full, normal] = runs as [(typeof runs)[0], (typeof runs)[0]]
      const pipeline = Object.fromEntries(pipelines.map((p) => [p.synchronous, p]))
      const verifyUs = us(inline.noblePerSecond)
      const profileOf = (run: typeof full) => {
        const p = pipeline[run.synchronous] as (typeof pipelines)[0]
        const total = us(run.persisted.perSecond)
        const append = us(p.storeAppendPerSecond)
        const checks = us(p.pipelinePerSecond) - verifyUs - append
        const transport = total - us(p.pipelinePerSecond)
        const share = (x: number) => roundTo(x / total, 3)
        return {
          endToEndUsPerReading: roundTo(total, 1),
          signatureVerifyUs: roundTo(verifyUs, 1),
          storeAppendUs: roundTo(append, 1),
          otherChecksUs: roundTo(checks, 1),
          mqttAnchoringAndRestUs: roundTo(transport, 1),
          shares: {
            signatureVerify: share(verifyUs),
            storeAppend: share(append),
            otherChecks: share(checks),
            mqttAnchoringAndRest: share(transport),
          },
        }
      }
      const ratio = (perSecond: number) => roundTo(perSecond / baseline, 3)
      const runResult = (run: typeof full) => ({
        sent: run.sent,
        accepted: run.accepted,
        rejected: run.rejected,
        anchored: run.anchored,
        batchesAnchored: run.batchesAnchored,
        persisted: {
          seconds: roundTo(run.persisted.seconds, 2),
          perSecond: rate(run.persisted.perSecond),
          ratioToBaseline: ratio(run.persisted.perSecond),
        },
        allAnchored: {
          seconds: roundTo(run.anchoredAll.seconds, 2),
          perSecond: rate(run.anchoredAll.perSecond),
          ratioToBaseline: ratio(run.anchoredAll.perSecond),
        },
        checkPipelineWithoutMqtt: {
          perSecond: rate((pipeline[run.synchronous] as (typeof pipelines)[0]).pipelinePerSecond),
          readings: (pipeline[run.synchronous] as (typeof pipelines)[0]).pipelineReadings,
        },
        storeAppendAlone: {
          perSecond: rate((pipeline[run.synchronous] as (typeof pipelines)[0]).storeAppendPerSecond),
          appends: (pipeline[run.synchronous] as (typeof pipelines)[0]).storeAppends,
        },
        profile: profileOf(run),
      })
      const value = ratio(full.persisted.perSecond)
      const result = {
        benchmark: 'ingest',
        date: new Date().toISOString(),
        machine: getMachine(),
        method: [
          `${DEVICES} registered P-256 devices on anvil, ${PER_DEVICE} pre-signed readings each (${DEVICES * PER_DEVICE} in all, one reading per message), signed before timing on worker threads.`,
          `One mqtt.js client per device on a separate worker thread, connect token from createMqttConnectToken, QoS 1, ${WINDOW} unacknowledged messages in flight per client, at full speed.`,
          'Gateway: startGateway with the embedded aedes broker, a fresh on-disk SQLite store per run (WAL), default anchoring (batches of 256, TelemetryAnchor on anvil, automine), a fresh gateway account per run.',
          'persisted = first publish to last PUBACK (the gateway acknowledges only what is stored); allAnchored = first publish until flushAnchors has anchored every stored reading.',
          'baseline = verifyTelemetrySignature on 2 worker threads over pre-made signatures (decoded before timing), measured before and after the MQTT runs; the mean is the baseline.',
          'profile: per-reading costs from the same run: signature verify on one thread, appendReading alone, createIngest called directly (no transport); the rest of the end-to-end time is MQTT, aedes, anchoring on the same thread and the load generator sharing the 2 cores.',
        ],
        parameters: {
          devices: DEVICES,
          readingsPerDevice: PER_DEVICE,
          windowPerClient: WINDOW,
          verifySample: VERIFY_SAMPLE,
          messageBytes: (devices[0]?.messages[0] as Uint8Array).length,
        },
        baseline: {
          description: 'verifyTelemetrySignature (P-256, noble) on 2 worker threads',
          perSecond: rate(baseline),
          before: { perSecond: rate(baselineBefore.perSecond), verified: baselineBefore.verified },
          after: { perSecond: rate(baselineAfter.perSecond), verified: baselineAfter.verified },
        },
        oneThread: {
          verifyTelemetrySignaturePerSecond: rate(inline.noblePerSecond),
          verified: inline.verified,
          reference: {
            description:
              'not used by the gateway: node:crypto (OpenSSL) verify of the same signing bytes and signatures on one thread',
            opensslPerSecond: rate(inline.opensslPerSecond),
          },
        },
        runs: { synchronousFull: runResult(full), synchronousNormal: runResult(normal) },
        target: {
          metric: 'persisted readings/s (synchronous=FULL, the default) ÷ baseline',
          threshold: TARGET,
          value,
          met: value >= TARGET,
        },
      }
      const line = (name: string, run: typeof full) =>
        `  ${name}: ${rate(run.persisted.perSecond)} readings/s persisted (${ratio(run.persisted.perSecond)}× baseline), ${rate(run.anchoredAll.perSecond)}/s all anchored; accepted ${run.accepted}/${run.sent}`
      const prof = profileOf(full)
      const summary = [
        `machine: ${result.machine.cpuModel}, ${result.machine.nproc} cores`,
        `  baseline: ${rate(baseline)} verifies/s on 2 threads (before ${rate(baselineBefore.perSecond)}, after ${rate(baselineAfter.perSecond)}); 1 thread ${rate(inline.noblePerSecond)}/s; OpenSSL 1 thread ${rate(inline.opensslPerSecond)}/s (reference)`,
        line('MQTT ingest, synchronous=FULL  ', full),
        line('MQTT ingest, synchronous=NORMAL', normal),
        `  per reading (FULL): ${prof.endToEndUsPerReading} µs = verify ${prof.signatureVerifyUs} + SQLite append ${prof.storeAppendUs} + other checks ${prof.otherChecksUs} + MQTT/anchoring/rest ${prof.mqttAnchoringAndRestUs}`,
        `  target: ingest ≥ ${TARGET} × baseline: ${value} → ${value >= TARGET ? 'MET' : 'MISSED'}`,
      ]
      return { result, summary }
    } finally {
      await chain.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
