// The condition rule of ConditionRegistry, off chain: whether a decoded telemetry message
// violates a condition, with the contract's exact comparison, so a policy engine submits only
// evidence the contract accepts.

import type { TelemetryMessage } from '@veriot/core'
import { bytesToHex, type Hex } from 'viem'

/** The parts of a condition the rule needs (a ConditionRecord has them). */
export type ConditionRule = {
  deviceIds: readonly Hex[]
  metric: { type: string; name: string; unit: string }
  comparison: '<=' | '<' | '>=' | '>'
  threshold: bigint
  decimals: number
  window: { start: bigint; end: bigint }
}

export type ReadingVerdict =
  /** The message is evidence of a violation (alone, or as part of a duration run). */
  | { kind: 'violating'; value: number }
  | { kind: 'compliant'; value: number }
  /** Not about this condition: another device, type or metric, or outside the window. */
  | { kind: 'not-applicable'; reason: 'device' | 'type' | 'metric' | 'window' }
  /** The metric is there in another unit: the contract refuses it (EVIDENCE_UNIT_MISMATCH). */
  | { kind: 'unit-mismatch'; unit: string }

/**
 * Applies `rule` to `message` the way ConditionRegistry.submitBreach does (same order, same
 * exact fixed-point comparison, start inclusive and end exclusive). Pure.
 * @example
 * if (evaluateReading(condition, decodeTelemetry(payload)).kind === 'violating') submit()
 */
export function evaluateReading(rule: ConditionRule, message: TelemetryMessage): ReadingVerdict {
  const device = bytesToHex(message.deviceId).toLowerCase()
  if (!rule.deviceIds.some((d) => d.toLowerCase() === device)) {
    return { kind: 'not-applicable', reason: 'device' }
  }
  const t = BigInt(message.timestamp)
  if (t < rule.window.start || t >= rule.window.end)
    return { kind: 'not-applicable', reason: 'window' }
  if (message.type !== rule.metric.type) return { kind: 'not-applicable', reason: 'type' }
  const reading = message.readings.find((r) => r.name === rule.metric.name)
  if (reading === undefined) return { kind: 'not-applicable', reason: 'metric' }
  if (reading.unit !== rule.metric.unit) return { kind: 'unit-mismatch', unit: reading.unit }
  const cmp = compareToFixedPoint(reading.value, rule.threshold, rule.decimals)
  const holds =
    rule.comparison === '<='
      ? cmp <= 0
      : rule.comparison === '<'
        ? cmp < 0
        : rule.comparison === '>='
          ? cmp >= 0
          : cmp > 0
  return { kind: holds ? 'compliant' : 'violating', value: reading.value }
}

/**
 * sign(value − threshold / 10^decimals) computed exactly: the double is split into
 * ±mantissa · 2^exponent and compared in integers, as TelemetryCbor.compareValue does.
 * @throws RangeError for NaN or ±Infinity (a decoded message never holds them)
 */
export function compareToFixedPoint(
  value: number,
  threshold: bigint,
  decimals: number,
): -1 | 0 | 1 {
  if (!Number.isFinite(value)) throw new RangeError(`expected a finite number, got ${value}`)
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, value)
  const bits = view.getBigUint64(0)
  const negative = bits >> 63n === 1n
  const e = Number((bits >> 52n) & 0x7ffn)
  const f = bits & ((1n << 52n) - 1n)
  const mantissa = e === 0 ? f : f | (1n << 52n)
  const exponent = e === 0 ? -1074 : e - 1075
  // value · 10^d vs threshold ⇔ mantissa · 10^d · 2^exponent vs threshold
  let left = (negative ? -mantissa : mantissa) * 10n ** BigInt(decimals)
  let right = threshold
  if (exponent >= 0) left <<= BigInt(exponent)
  else right <<= BigInt(-exponent)
  return left > right ? 1 : left < right ? -1 : 0
}
