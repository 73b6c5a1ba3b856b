// Benchmark entry: `npm run bench` runs every benchmark, `npm run bench -- <name> …` only
// those. Each prints a summary and writes bench/results/<name>.json; each reports a ratio
// against a baseline measured in the same run, since machines are noisy.

import { parseArgs } from 'node:util'
import { anomalyBench } from './anomaly/runAnomalyBench.ts'
import type { Benchmark } from './Benchmark.ts'
import { gasBench } from './gas/runGasBench.ts'
import { ingestBench } from './ingest/runIngestBench.ts'
import { proofBench } from './proof/runProofBench.ts'
import { writeResult } from './report/writeResult.ts'
import { verifiedBench } from './verified/runVerifiedBench.ts'

const benchmarks: Benchmark[] = [ingestBench, gasBench, proofBench, verifiedBench, anomalyBench]

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { help: { type: 'boolean', short: 'h' } },
})
if (values.help) {
  console.log('usage: npm run bench [-- <name> …]\n')
  for (const b of benchmarks) console.log(`  ${b.name.padEnd(8)} ${b.description}`)
  process.exit(0)
}
const unknown = positionals.filter((p) => !benchmarks.some((b) => b.name === p))
if (unknown.length > 0) {
  console.error(
    `unknown benchmark ${unknown.map((u) => JSON.stringify(u)).join(', ')}; expected one of ${benchmarks.map((b) => b.name).join(', ')}`,
  )
  process.exit(2)
}
const selected =
  positionals.length === 0 ? benchmarks : benchmarks.filter((b) => positionals.includes(b.name))

const started = performance.now()
for (const bench of selected) {
  const t = performance.now()
  console.log(`\n== ${bench.name}: ${bench.description}`)
  const { result, summary } = await bench.run()
  for (const line of summary) console.log(line)
  const path = writeResult(bench.name, result)
  console.log(`  (${((performance.now() - t) / 1000).toFixed(1)} s; wrote ${path})`)
}
console.log(`\nall done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
