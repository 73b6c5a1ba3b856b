import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Hex } from 'viem'
import { createAnomalyDetector } from '../src/anomaly/createAnomalyDetector.ts'

const device = `0x${'ab'.repeat(32)}` as Hex
const other = `0x${'cd'.repeat(32)}` as Hex

function clock(start = 1_700_000_000_000) {
  let t = start
  return {
    now: () => t,
    advance(ms: number) {
      t += ms
    },
  }
}

const temp = (value: number, unit = 'Cel') => [{ name: 'temp', value, unit }]

describe('createAnomalyDetector', () => {
  test('default: a device at its usual rate and values scores zero', () => {
    const c = clock()
    const detector = createAnomalyDetector({ now: c.now })
    for (let seq = 1; seq <= 300; seq++) {
      const report = detector.observeAccepted({
        deviceId: device,
        sequence: seq,
        readings: temp(-21 + (seq % 5) * 0.1),
      })
      assert.equal(report.score, 0, `seq ${seq}: ${JSON.stringify(report.reasons)}`)
      c.advance(1000)
    }
    assert.deepEqual(detector.list(), [])
  })

  test('behavior: a flood against the learned baseline crosses the threshold within seconds', () => {
    const c = clock()
    const detector = createAnomalyDetector({ now: c.now })
    let seq = 0
    for (let i = 0; i < 60; i++) {
      detector.observeAccepted({ deviceId: device, sequence: ++seq, readings: temp(-21) })
      c.advance(1000)
    }
    let crossedAfterMs = -1
    for (let ms = 0; ms < 10_000 && crossedAfterMs < 0; ms += 10) {
      const report = detector.observeAccepted({
        deviceId: device,
        sequence: ++seq,
        readings: temp(-21),
      })
      if (report.score >= report.threshold) crossedAfterMs = ms
      c.advance(10)
    }
    assert.ok(crossedAfterMs >= 0, 'the flood never crossed the threshold')
    assert.ok(crossedAfterMs < 5000, `crossed after ${crossedAfterMs} ms`)
    const report = detector.get(device)
    assert.equal(report?.reasons[0]?.reason, 'rate_spike')
    assert.match(report?.reasons[0]?.detail ?? '', /baseline/)
  })

  test('behavior: a new device flooding before any baseline hits the absolute ceiling', () => {
    const c = clock()
    const detector = createAnomalyDetector({ now: c.now, maxRatePerSecond: 20 })
    let last = detector.observeAccepted({ deviceId: device, sequence: 1, readings: temp(1) })
    for (let seq = 2; seq <= 20; seq++) {
      last = detector.observeAccepted({ deviceId: device, sequence: seq, readings: temp(1) })
    }
    assert.equal(last.score, 0, '20 in one second is at the ceiling, not above')
    last = detector.observeAccepted({ deviceId: device, sequence: 21, readings: temp(1) })
    assert.equal(last.reasons[0]?.reason, 'rate_spike')
    assert.match(last.reasons[0]?.detail ?? '', /no baseline yet/)
  })

  test('behavior: impossible values and unit mismatches against a declared range', () => {
    const c = clock()
    const detector = createAnomalyDetector({
      now: c.now,
      declaredRanges: [{ name: 'temp', unit: 'Cel', min: -80, max: 60 }],
    })
    assert.equal(
      detector.observeAccepted({ deviceId: device, sequence: 1, readings: temp(-80) }).score,
      0,
    )
    assert.equal(
      detector.observeAccepted({ deviceId: device, sequence: 2, readings: temp(60) }).score,
      0,
    )
    const hot = detector.observeAccepted({ deviceId: device, sequence: 3, readings: temp(60.001) })
    assert.equal(hot.reasons[0]?.reason, 'value_out_of_range')
    assert.match(hot.reasons[0]?.detail ?? '', /expected -80\.\.60 Cel, got 60\.001/)
    const kelvin = detector.observeAccepted({
      deviceId: device,
      sequence: 4,
      readings: temp(250, 'K'),
    })
    assert.equal(kelvin.reasons[0]?.count, 2)
    assert.match(kelvin.reasons[0]?.detail ?? '', /expected unit Cel, got K/)
    assert.ok(kelvin.score >= kelvin.threshold, 'two impossible values lock the device')
  })

  test('behavior: a value far from the device’s own history is an outlier, and does not teach', () => {
    const c = clock()
    const detector = createAnomalyDetector({ now: c.now, minSamples: 30 })
    for (let seq = 1; seq <= 40; seq++) {
      detector.observeAccepted({ deviceId: device, sequence: seq, readings: temp(-20 + (seq % 3)) })
      c.advance(1000)
    }
    const odd = detector.observeAccepted({ deviceId: device, sequence: 41, readings: temp(35) })
    assert.equal(odd.reasons[0]?.reason, 'value_outlier')
    const again = detector.observeAccepted({ deviceId: device, sequence: 42, readings: temp(35) })
    assert.equal(again.reasons[0]?.count, 2, 'the outlier did not move the learned mean')
  })

  test('behavior: rejections are scored by code; other devices are untouched', () => {
    const c = clock()
    const detector = createAnomalyDetector({ now: c.now })
    detector.observeRejected(device, 'SIGNATURE_INVALID', 'seq 9')
    detector.observeRejected(device, 'SIGNATURE_INVALID')
    detector.observeRejected(device, 'SEQUENCE_REPLAYED')
    detector.observeRejected(device, 'TIMESTAMP_SKEW')
    detector.observeUnauthorized(device, 'publish to another device’s topic')
    const report = detector.get(device)
    assert.deepEqual(
      report?.reasons.map((r) => [r.reason, r.count, r.points]),
      [
        ['signature_failure', 2, 30],
        ['unauthorized', 1, 20],
        ['replay', 1, 10],
        ['rejected', 1, 5],
      ],
    )
    assert.equal(report?.score, 65)
    assert.equal(detector.get(other), undefined)
  })

  test('behavior: unattributable rejections are listed with zero points', () => {
    const c = clock()
    const detector = createAnomalyDetector({ now: c.now })
    for (let i = 0; i < 50; i++) {
      detector.observeRejected(device, 'SIGNATURE_INVALID', 'over HTTP', false)
      detector.observeUnauthorized(device, 'bad connect token', false)
    }
    const report = detector.get(device)
    assert.equal(report?.score, 0, 'a forger cannot lock a device out')
    assert.deepEqual(
      report?.reasons.map((r) => [r.reason, r.count]),
      [
        ['signature_failure', 50],
        ['unauthorized', 50],
      ],
    )
    assert.match(report?.reasons[0]?.detail ?? '', /not attributable/)
  })

  test('behavior: points decay with the half-life; reasons keep their counts', () => {
    const c = clock()
    const detector = createAnomalyDetector({ now: c.now, halfLifeMs: 60_000 })
    detector.observeRejected(device, 'SIGNATURE_INVALID')
    c.advance(60_000)
    const report = detector.get(device)
    assert.ok(Math.abs((report?.score ?? 0) - 7.5) < 1e-9)
    assert.equal(report?.reasons[0]?.count, 1)
  })

  test('behavior: a sequence gap is a small reason, a reset forgets the device', () => {
    const c = clock()
    const detector = createAnomalyDetector({ now: c.now })
    detector.observeAccepted({ deviceId: device, sequence: 1, readings: temp(1) })
    const gap = detector.observeAccepted({ deviceId: device, sequence: 10, readings: temp(1) })
    assert.equal(gap.reasons[0]?.reason, 'sequence_gap')
    assert.match(gap.reasons[0]?.detail ?? '', /from 1 to 10/)
    detector.reset(device)
    assert.equal(detector.get(device), undefined)
  })

  test('error: a declared range with min > max or a non-finite bound', () => {
    assert.throws(
      () => createAnomalyDetector({ declaredRanges: [{ name: 't', unit: 'Cel', min: 1, max: 0 }] }),
      /min ≤ max/,
    )
    assert.throws(
      () =>
        createAnomalyDetector({
          declaredRanges: [{ name: 't', unit: 'Cel', min: Number.NaN, max: 0 }],
        }),
      /min ≤ max/,
    )
    assert.throws(
      () =>
        createAnomalyDetector({
          declaredRanges: [{ name: 't', unit: 'Cel', min: 0, max: Number.POSITIVE_INFINITY }],
        }),
      /min ≤ max/,
    )
  })
})
