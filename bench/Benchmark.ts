// The shape every benchmark has: a name for `npm run bench -- <name>`, and a run that returns
// the JSON result (written to bench/results/<name>.json) and a readable summary.

export type BenchmarkOutcome = {
  /** Written as bench/results/<name>.json. */
  result: Record<string, unknown>
  /** Lines printed to stdout. */
  summary: string[]
}

export type Benchmark = {
  name: string
  description: string
  run(): Promise<BenchmarkOutcome>
}
