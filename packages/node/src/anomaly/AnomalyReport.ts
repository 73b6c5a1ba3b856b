// The shapes an anomaly detector reports: a per-device score and the reasons behind it, so an
// operator (and the device's history on chain) can tell why a device was locked down.

import type { Hex } from 'viem'

/** What raised a device's score. Each has a documented weight (docs/anomaly.md). */
export const AnomalyReason = {
  /** Message rate far above the device's own baseline (or an absolute ceiling before one). */
  rateSpike: 'rate_spike',
  /** A value outside the declared range of its metric, or in another unit than declared. */
  valueOutOfRange: 'value_out_of_range',
  /** A value far outside what this device has reported before (learned mean ± k·σ). */
  valueOutlier: 'value_outlier',
  /** Messages whose signature did not verify under the device's registered key. */
  signatureFailure: 'signature_failure',
  /** A sequence number at or below the last accepted one (a replay or a reorder). */
  replay: 'replay',
  /** Accepted sequence numbers skipped ahead (lost or withheld messages). */
  sequenceGap: 'sequence_gap',
  /** A connection or publish under this device's identity that the broker refused. */
  unauthorized: 'unauthorized',
  /** Other rejected messages: malformed, not canonical, out of time, capability missing. */
  rejected: 'rejected',
} as const
export type AnomalyReason = (typeof AnomalyReason)[keyof typeof AnomalyReason]

/** One reason's share of a score. */
export type AnomalyReasonEntry = {
  readonly reason: AnomalyReason
  /** Points this reason contributes now (decayed). */
  readonly points: number
  /** How often it was observed since the device was first seen. */
  readonly count: number
  /** When it was last observed (ms since the epoch, gateway clock). */
  readonly lastAt: number
  /** The last observation, in words ("52 msg/s against a baseline of 0.9 msg/s"). */
  readonly detail: string
}

/** A device's anomaly score with its reasons, largest first. */
export type AnomalyReport = {
  readonly deviceId: Hex
  /** Sum of the reasons' decayed points. */
  readonly score: number
  /** The threshold in force; `score >= threshold` means the device should be locked down. */
  readonly threshold: number
  readonly reasons: readonly AnomalyReasonEntry[]
  readonly updatedAt: number
}
