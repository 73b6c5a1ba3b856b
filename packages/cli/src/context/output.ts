// Writes command results: aligned text for people, one JSON document for scripts (--json).

const replacer = (_k: string, v: unknown) =>
  typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : v

/** JSON.stringify that writes bigints as decimal strings and dates as ISO strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, replacer, 2)
}

/** toJson on one line (a JSON line per event, for a command that runs as a service). */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value, replacer)
}

export type Output = {
  readonly json: boolean
  /** Prints the command's result: `text()` for people, `value` as JSON with --json. */
  result(value: unknown, text: () => string): void
  /** Progress for people, on stderr; silent with --json. */
  progress(message: string): void
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result(value, text) {
      process.stdout.write(json ? `${toJson(value)}\n` : `${text()}\n`)
    },
    progress(message) {
      if (!json) process.stderr.write(`${message}\n`)
    },
  }
}

/** Formats key/value pairs as aligned lines. */
export function formatFields(fields: Array<[string, unknown]>): string {
  const width = Math.max(...fields.map(([k]) => k.length))
  return fields
    .map(
      ([k, v]) => `${k.padEnd(width)}  ${v instanceof Date ? v.toISOString() : String(v ?? '-')}`,
    )
    .join('\n')
}

/** Formats rows as an aligned table with a header. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}
