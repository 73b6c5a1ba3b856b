// Per-device anomaly scoring for the gateway, explainable by construction: every point of a
// score comes from a named reason with the observation that produced it. Pure and O(1) per
// observation (no I/O, the clock is passed in), so it runs inline on every reading.

import type { ErrorCode } from '@veriot/core'
import type { Hex } from 'viem'
import { AnomalyReason, type AnomalyReasonEntry, type AnomalyReport } from './AnomalyReport.ts'

/** A declared range for one metric: readings named `name` in `unit` must lie in [min, max]. */
export type DeclaredRange = {
  readonly name: string
  readonly unit: string
  readonly min: number
  readonly max: number
}

export type AnomalyDetectorOptions = {
  /** Score at which a device should be locked down. Default 100. */
  threshold?: number
  /** Half-life of points, in ms: old evidence fades. Default 10 minutes. */
  halfLifeMs?: number
  /** Points per observation, by reason (defaults in DEFAULT_WEIGHTS). */
  weights?: Partial<Record<AnomalyReason, number>>
  /** Declared ranges of metrics (impossible values). */
  declaredRanges?: readonly DeclaredRange[]
  /** A rate counts as a spike above `rateFactor` × max(baseline, 1 msg/s). Default 5. */
  rateFactor?: number
  /** Before a device has a baseline, any rate above this is a spike. Default 200 msg/s. */
  maxRatePerSecond?: number
  /** |z| above which a value is an outlier of the device's own history. Default 8. */
  outlierSigmas?: number
  /** Samples of a metric before outliers are judged. Default 30. */
  minSamples?: number
  now?: () => number
}

/** Points per observation. Chosen so that a flood or a few impossible values lock a device
 *  within seconds, while the odd gap or late message does not. */
export const DEFAULT_WEIGHTS: Readonly<Record<AnomalyReason, number>> = {
  [AnomalyReason.rateSpike]: 40,
  [AnomalyReason.valueOutOfRange]: 60,
  [AnomalyReason.valueOutlier]: 20,
  [AnomalyReason.signatureFailure]: 15,
  [AnomalyReason.replay]: 10,
  [AnomalyReason.sequenceGap]: 2,
  [AnomalyReason.unauthorized]: 20,
  [AnomalyReason.rejected]: 5,
}

export type AcceptedObservation = {
  readonly deviceId: Hex
  readonly sequence: number
  readonly readings: readonly { name: string; value: number; unit: string }[]
}

export type AnomalyDetector = {
  /** Scores an accepted reading (rate, ranges, outliers, gaps). */
  observeAccepted(observation: AcceptedObservation): AnomalyReport
  /**
   * Scores a rejection by the gateway's check pipeline, by its code. `attributable` says the
   * device itself sent it (the transport authenticated it, or its signature verified): anyone
   * can post a forged or replayed message naming a device, so an unattributable rejection is
   * listed among the reasons with zero points — visible, but it cannot lock a device out.
   */
  observeRejected(
    deviceId: Hex,
    code: ErrorCode | string,
    detail?: string,
    attributable?: boolean,
  ): AnomalyReport
  /** Scores a refused connection or publish under this identity (see `attributable` above). */
  observeUnauthorized(deviceId: Hex, detail: string, attributable?: boolean): AnomalyReport
  /** The device's current report (decayed to now), or undefined if never seen. */
  get(deviceId: Hex): AnomalyReport | undefined
  /** Every device with a score above `minScore` (default 0), highest first. */
  list(minScore?: number): AnomalyReport[]
  /** Forgets a device's points and learned baseline (after an owner reactivates it). */
  reset(deviceId: Hex): void
}

type ReasonState = { points: number; count: number; lastAt: number; detail: string }
type Moments = { n: number; mean: number; m2: number }
type DeviceState = {
  reasons: Map<AnomalyReason, ReasonState>
  updatedAt: number
  lastSequence: number
  /** Messages in the current one-second bucket, and the bucket's start. */
  bucketStart: number
  bucketCount: number
  /** Exponentially weighted messages per second over past normal buckets; NaN until learned. */
  baseline: number
  baselineBuckets: number
  /** The last second a rate spike was scored (one spike score per second at most). */
  lastSpikeBucket: number
  values: Map<string, Moments>
}

const BUCKET_MS = 1000
const BASELINE_ALPHA = 0.05
const BASELINE_MIN_BUCKETS = 10

/**
 * Creates a detector that keeps a score per device. Points decay with a half-life; reasons
 * stay listed with their counts and last observation.
 * @example
 * const detector = createAnomalyDetector({ declaredRanges: [{ name: 'temp', unit: 'Cel', min: -80, max: 60 }] })
 * const report = detector.observeAccepted({ deviceId, sequence: 7, readings })
 * if (report.score >= report.threshold) lockdown(deviceId, report)
 */
export function createAnomalyDetector(options: AnomalyDetectorOptions = {}): AnomalyDetector {
  const threshold = options.threshold ?? 100
  const halfLife = options.halfLifeMs ?? 10 * 60_000
  const weights = { ...DEFAULT_WEIGHTS, ...options.weights }
  const rateFactor = options.rateFactor ?? 5
  const maxRate = options.maxRatePerSecond ?? 200
  const outlierSigmas = options.outlierSigmas ?? 8
  const minSamples = options.minSamples ?? 30
  const now = options.now ?? Date.now
  const ranges = new Map<string, DeclaredRange>()
  for (const range of options.declaredRanges ?? []) {
    if (!(range.min <= range.max) || !Number.isFinite(range.min + range.max)) {
      throw new RangeError(`declared range of "${range.name}" expected min ≤ max, both finite`)
    }
    ranges.set(range.name, range)
  }
  const devices = new Map<Hex, DeviceState>()

  function stateOf(deviceId: Hex, t: number): DeviceState {
    const key = deviceId.toLowerCase() as Hex
    let state = devices.get(key)
    if (!state) {
      state = {
        reasons: new Map(),
        updatedAt: t,
        lastSequence: 0,
        bucketStart: t - (t % BUCKET_MS),
        bucketCount: 0,
        baseline: Number.NaN,
        baselineBuckets: 0,
        lastSpikeBucket: -1,
        values: new Map(),
      }
      devices.set(key, state)
    }
    return state
  }

  function decay(state: DeviceState, t: number): void {
    const dt = t - state.updatedAt
    if (dt <= 0) return
    const factor = 0.5 ** (dt / halfLife)
    for (const entry of state.reasons.values()) entry.points *= factor
    state.updatedAt = t
  }

  function add(
    state: DeviceState,
    reason: AnomalyReason,
    t: number,
    detail: string,
    attributable = true,
  ): void {
    const entry = state.reasons.get(reason)
    const points = attributable ? weights[reason] : 0
    if (entry) {
      entry.points += points
      entry.count += 1
      entry.lastAt = t
      entry.detail = detail
    } else {
      state.reasons.set(reason, { points, count: 1, lastAt: t, detail })
    }
  }

  function report(deviceId: Hex, state: DeviceState): AnomalyReport {
    const reasons: AnomalyReasonEntry[] = []
    let score = 0
    for (const [reason, entry] of state.reasons) {
      score += entry.points
      reasons.push({ reason, ...entry })
    }
    reasons.sort((a, b) => b.points - a.points)
    return Object.freeze({
      deviceId: deviceId.toLowerCase() as Hex,
      score,
      threshold,
      reasons,
      updatedAt: state.updatedAt,
    })
  }

  // Rolls the one-second buckets forward; a finished bucket teaches the baseline only if it
  // was not itself a spike, so a flood does not become the new normal.
  function roll(state: DeviceState, t: number): void {
    const bucket = t - (t % BUCKET_MS)
    if (bucket === state.bucketStart) return
    const spiked = state.lastSpikeBucket === state.bucketStart
    if (!spiked) {
      const idle = Math.max(0, Math.round((bucket - state.bucketStart) / BUCKET_MS) - 1)
      learnRate(state, state.bucketCount)
      // Idle seconds count as zero-rate seconds (bounded, so a long silence costs O(1)).
      for (let i = 0; i < Math.min(idle, 60); i++) learnRate(state, 0)
    }
    state.bucketStart = bucket
    state.bucketCount = 0
  }

  function learnRate(state: DeviceState, count: number): void {
    state.baseline = Number.isNaN(state.baseline)
      ? count
      : state.baseline + BASELINE_ALPHA * (count - state.baseline)
    state.baselineBuckets += 1
  }

  function scoreRate(state: DeviceState, t: number): void {
    state.bucketCount += 1
    const learned = state.baselineBuckets >= BASELINE_MIN_BUCKETS
    const limit = learned ? rateFactor * Math.max(state.baseline, 1) : maxRate
    if (state.bucketCount > limit && state.lastSpikeBucket !== state.bucketStart) {
      state.lastSpikeBucket = state.bucketStart
      const against = learned
        ? `a baseline of ${state.baseline.toFixed(2)} msg/s`
        : `a ceiling of ${maxRate} msg/s (no baseline yet)`
      add(state, AnomalyReason.rateSpike, t, `over ${Math.floor(limit)} msg/s against ${against}`)
    }
  }

  function scoreValues(state: DeviceState, observation: AcceptedObservation, t: number): void {
    for (const reading of observation.readings) {
      const declared = ranges.get(reading.name)
      if (declared) {
        if (declared.unit !== reading.unit) {
          add(
            state,
            AnomalyReason.valueOutOfRange,
            t,
            `"${reading.name}" expected unit ${declared.unit}, got ${reading.unit}`,
          )
          continue
        }
        if (!(reading.value >= declared.min && reading.value <= declared.max)) {
          add(
            state,
            AnomalyReason.valueOutOfRange,
            t,
            `"${reading.name}" expected ${declared.min}..${declared.max} ${declared.unit}, got ${reading.value}`,
          )
          continue
        }
      }
      const key = `${reading.name}\u0000${reading.unit}`
      let moments = state.values.get(key)
      if (!moments) {
        moments = { n: 0, mean: 0, m2: 0 }
        state.values.set(key, moments)
      }
      if (moments.n >= minSamples) {
        const sigma = Math.sqrt(moments.m2 / (moments.n - 1))
        // A constant metric (σ = 0) has no spread to judge against: any change is allowed.
        if (sigma > 0 && Math.abs(reading.value - moments.mean) > outlierSigmas * sigma) {
          add(
            state,
            AnomalyReason.valueOutlier,
            t,
            `"${reading.name}" ${reading.value} ${reading.unit} is ${(
              Math.abs(reading.value - moments.mean) / sigma
            ).toFixed(1)}σ from this device's mean ${moments.mean.toFixed(2)}`,
          )
          continue // outliers do not teach the model
        }
      }
      // Welford's online mean and variance.
      moments.n += 1
      const delta = reading.value - moments.mean
      moments.mean += delta / moments.n
      moments.m2 += delta * (reading.value - moments.mean)
    }
  }

  return {
    observeAccepted(observation) {
      const t = now()
      const state = stateOf(observation.deviceId, t)
      decay(state, t)
      roll(state, t)
      scoreRate(state, t)
      if (state.lastSequence > 0 && observation.sequence > state.lastSequence + 1) {
        add(
          state,
          AnomalyReason.sequenceGap,
          t,
          `sequence jumped from ${state.lastSequence} to ${observation.sequence}`,
        )
      }
      state.lastSequence = Math.max(state.lastSequence, observation.sequence)
      scoreValues(state, observation, t)
      return report(observation.deviceId, state)
    },
    observeRejected(deviceId, code, detail, attributable = true) {
      const t = now()
      const state = stateOf(deviceId, t)
      decay(state, t)
      if (attributable) {
        roll(state, t)
        scoreRate(state, t)
      }
      const reason =
        code === 'SIGNATURE_INVALID'
          ? AnomalyReason.signatureFailure
          : code === 'SEQUENCE_REPLAYED'
            ? AnomalyReason.replay
            : code === 'TOPIC_FORBIDDEN'
              ? AnomalyReason.unauthorized
              : AnomalyReason.rejected
      const text = detail ? `${code}: ${detail}` : code
      add(
        state,
        reason,
        t,
        attributable ? text : `${text} (not attributable: 0 points)`,
        attributable,
      )
      return report(deviceId, state)
    },
    observeUnauthorized(deviceId, detail, attributable = true) {
      const t = now()
      const state = stateOf(deviceId, t)
      decay(state, t)
      add(
        state,
        AnomalyReason.unauthorized,
        t,
        attributable ? detail : `${detail} (not attributable: 0 points)`,
        attributable,
      )
      return report(deviceId, state)
    },
    get(deviceId) {
      const state = devices.get(deviceId.toLowerCase() as Hex)
      if (!state) return undefined
      decay(state, now())
      return report(deviceId, state)
    },
    list(minScore = 0) {
      const t = now()
      const reports: AnomalyReport[] = []
      for (const [deviceId, state] of devices) {
        decay(state, t)
        const r = report(deviceId, state)
        if (r.score > minScore) reports.push(r)
      }
      return reports.sort((a, b) => b.score - a.score)
    },
    reset(deviceId) {
      devices.delete(deviceId.toLowerCase() as Hex)
    },
  }
}
