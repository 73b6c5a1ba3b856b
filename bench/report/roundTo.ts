// Rounding for reported numbers: results are committed, so noise below the shown precision
// should not show up as a diff.

/** `value` rounded to `digits` decimal places. */
export function roundTo(value: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
