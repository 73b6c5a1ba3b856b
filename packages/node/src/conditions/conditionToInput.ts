// A condition as people write it ("temperature.temp <= -20 Cel from … to …") turned into
// ConditionRegistry's input, checked here first with the contract's rules so a malformed
// definition fails with CONDITION_INVALID before anything is sent.

import { VeriotError } from '@veriot/core'
import { type Address, type Hex, isAddress, isHex, stringToHex } from 'viem'

/** What must hold for every reading; a reading for which it fails is a violation. */
export type Comparison = '<=' | '<' | '>=' | '>'

export const comparisonCodes: Record<Comparison, number> = { '<=': 1, '<': 2, '>=': 3, '>': 4 }

export type ConditionDefinition = {
  /** The creator's reference: a 0x bytes32, or text of at most 32 bytes (stored left-aligned). */
  shipmentId: string
  /** 1–64 device ids (0x + 64 hex digits). */
  deviceIds: readonly Hex[]
  /** Telemetry message type `y`, reading name `k` and unit `u` (compared byte for byte). */
  metric: { type: string; name: string; unit: string }
  comparison: Comparison
  /**
   * Threshold in the metric's unit, as a decimal string ('-20', '-20.5', '1e-3') or a finite
   * number; it must fit `decimals` fractional digits exactly.
   */
  threshold: string | number
  /** Fixed-point decimals of the threshold on chain (0–18; default 3, milli-units). */
  decimals?: number
  /** Violation must last more than this (ms); 0 or absent: one violating reading is a breach. */
  durationMs?: number
  /** With a duration: most time between two readings of a run (ms). */
  maxGapMs?: number
  /** [start, end) in ms since the Unix epoch (the unit of telemetry timestamps). */
  window: { start: number; end: number }
  /** Time after `end` during which evidence is still accepted before closing (ms; default 0). */
  graceMs?: number
  /** Parties and their roles ('shipper', 'receiver', 'auditor'): they may close the window. */
  parties?: readonly { account: Address; role: string }[]
}

/** ConditionRegistry.ConditionInput as viem takes it. */
export type ConditionInput = {
  shipmentId: Hex
  deviceIds: readonly Hex[]
  messageType: string
  metricName: string
  unit: string
  comparison: number
  threshold: bigint
  decimals: number
  durationMs: bigint
  maxGapMs: bigint
  start: bigint
  end: bigint
  graceMs: bigint
  parties: readonly { account: Address; role: Hex }[]
}

const TYPE = /^[a-z0-9][a-z0-9_.-]{0,21}$/
const READING_NAME = /^[a-z0-9_.-]{1,32}$/
const UNIT = /^[\x20-\x7e]{1,16}$/
const BYTES32 = /^0x[0-9a-fA-F]{64}$/
const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/
const INT128_MAX = 2n ** 127n - 1n
const UINT64_MAX = 2n ** 64n - 1n

/**
 * Checks `definition` with the contract's rules and converts it.
 *
 * @throws CONDITION_INVALID naming the field (NaN/±Infinity thresholds included);
 *   INVALID_DEVICE_ID / INVALID_ADDRESS for malformed ids and accounts.
 * @example
 * conditionToInput({ shipmentId: 'shipment-42', deviceIds: [id], comparison: '<=',
 *   metric: { type: 'temperature', name: 'temp', unit: 'Cel' }, threshold: '-20',
 *   window: { start, end } }).threshold // -20000n (decimals 3)
 */
export function conditionToInput(definition: ConditionDefinition): ConditionInput {
  const d = definition
  const decimals = d.decimals ?? 3
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 18) {
    throw invalid('decimals', 'an integer 0–18', decimals)
  }
  if (!Array.isArray(d.deviceIds) || d.deviceIds.length === 0 || d.deviceIds.length > 64) {
    throw invalid('deviceIds', '1–64 device ids', d.deviceIds?.length ?? d.deviceIds)
  }
  const seen = new Set<string>()
  for (const id of d.deviceIds) {
    if (typeof id !== 'string' || !BYTES32.test(id)) {
      throw new VeriotError(
        'INVALID_DEVICE_ID',
        `"deviceIds" expected 0x + 64 hex digits, got ${String(id)}`,
      )
    }
    const key = id.toLowerCase()
    if (seen.has(key) || BigInt(id) === 0n) throw invalid('deviceIds', 'distinct nonzero ids', id)
    seen.add(key)
  }
  const start = uint64('window.start', d.window?.start)
  const end = uint64('window.end', d.window?.end)
  if (end <= start) throw invalid('window', 'end > start', `[${start}, ${end})`)
  const durationMs = uint64('durationMs', d.durationMs ?? 0)
  const maxGapMs = uint64('maxGapMs', d.maxGapMs ?? 0)
  if (durationMs === 0n ? maxGapMs !== 0n : maxGapMs === 0n || durationMs >= end - start) {
    throw invalid(
      'durationMs',
      'no maxGapMs without a duration; with one, maxGapMs > 0 and a duration shorter than the window',
      `${durationMs}/${maxGapMs}`,
    )
  }
  const comparison = comparisonCodes[d.comparison]
  if (comparison === undefined || !Object.hasOwn(comparisonCodes, d.comparison)) {
    throw invalid('comparison', "'<=', '<', '>=' or '>'", d.comparison)
  }
  const m = d.metric ?? ({} as ConditionDefinition['metric'])
  if (typeof m.type !== 'string' || !TYPE.test(m.type))
    throw invalid('metric.type', 'a telemetry type', m.type)
  if (typeof m.name !== 'string' || !READING_NAME.test(m.name)) {
    throw invalid('metric.name', '1–32 characters of [a-z0-9_.-]', m.name)
  }
  if (typeof m.unit !== 'string' || !UNIT.test(m.unit)) {
    throw invalid('metric.unit', '1–16 printable ASCII characters', m.unit)
  }
  const parties = (d.parties ?? []).map((p) => {
    if (!isAddress(p?.account ?? '')) {
      throw new VeriotError(
        'INVALID_ADDRESS',
        `"parties" expected an address, got ${String(p?.account)}`,
      )
    }
    return { account: p.account, role: bytes32Text('parties.role', p.role) }
  })
  if (parties.length > 16) throw invalid('parties', 'at most 16', parties.length)
  const accounts = new Set(parties.map((p) => p.account.toLowerCase()))
  if (accounts.size !== parties.length)
    throw invalid('parties', 'distinct accounts', 'a repeated account')
  return {
    shipmentId: bytes32Text('shipmentId', d.shipmentId, true),
    deviceIds: [...d.deviceIds],
    messageType: m.type,
    metricName: m.name,
    unit: m.unit,
    comparison,
    threshold: thresholdToFixedPoint(d.threshold, decimals),
    decimals,
    durationMs,
    maxGapMs,
    start,
    end,
    graceMs: uint64('graceMs', d.graceMs ?? 0),
    parties,
  }
}

/**
 * `threshold` × 10^decimals as an exact integer: a decimal string or a finite number (written
 * by JavaScript in its shortest round-trip form, so 0.1 is 0.1, not 0.1000000000000000055).
 * @throws CONDITION_INVALID for NaN, ±Infinity, other text, more fractional digits than
 *   `decimals`, or a result outside int128.
 */
export function thresholdToFixedPoint(threshold: string | number, decimals: number): bigint {
  if (typeof threshold === 'number' && !Number.isFinite(threshold)) {
    throw invalid('threshold', 'a finite number', threshold)
  }
  const text = typeof threshold === 'number' ? String(threshold) : threshold
  const match = typeof text === 'string' ? DECIMAL.exec(text.trim()) : null
  if (match === null) throw invalid('threshold', 'a decimal number', threshold)
  const [, sign, whole, fraction = '', exponent = '0'] = match
  const exp = Number(exponent)
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 100) {
    throw invalid('threshold', 'a decimal number of reasonable size', threshold)
  }
  // digits × 10^(exp − fraction.length) × 10^decimals, exactly
  const digits = BigInt(`${whole}${fraction}`)
  const shift = exp - fraction.length + decimals
  let scaled: bigint
  if (shift >= 0) scaled = digits * 10n ** BigInt(shift)
  else {
    const divisor = 10n ** BigInt(-shift)
    if (digits % divisor !== 0n) {
      throw invalid('threshold', `at most ${decimals} decimals (raise "decimals")`, threshold)
    }
    scaled = digits / divisor
  }
  if (sign === '-') scaled = -scaled
  if (scaled > INT128_MAX || scaled < -INT128_MAX - 1n) {
    throw invalid('threshold', 'a value that fits int128 after scaling', threshold)
  }
  return scaled
}

function uint64(field: string, value: unknown): bigint {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(field, 'a whole number of milliseconds ≥ 0', value)
  }
  const v = BigInt(value)
  if (v > UINT64_MAX) throw invalid(field, 'a uint64', value)
  return v
}

function bytes32Text(field: string, value: unknown, allowHex = false): Hex {
  if (typeof value !== 'string' || value.length === 0)
    throw invalid(field, 'text or a 0x bytes32', value)
  if (allowHex && isHex(value) && BYTES32.test(value)) return value
  const bytes = new TextEncoder().encode(value)
  if (bytes.length > 32 || bytes.every((b) => b === 0))
    throw invalid(field, 'text of 1–32 bytes', value)
  return stringToHex(value, { size: 32 })
}

function invalid(field: string, expected: string, got: unknown): VeriotError {
  return new VeriotError(
    'CONDITION_INVALID',
    `"${field}" expected ${expected}, got ${String(got)}`,
    {
      context: { field },
    },
  )
}
