// Requests per second of one kind of request at a fixed concurrency: `count` requests, at most
// `concurrency` in flight, timed from the first start to the last answer.

import { roundTo } from '../report/roundTo.ts'
import { type SampleSummary, summarizeSamples } from '../report/summarizeSamples.ts'

export type Throughput = {
  requests: number
  concurrency: number
  seconds: number
  perSecond: number
  latency: SampleSummary
}

/** Runs `request` `count` times, `concurrency` at a time; every request must succeed. */
export async function measureThroughput(
  request: () => Promise<void>,
  options: { count: number; concurrency: number },
): Promise<Throughput> {
  const latencies: number[] = []
  let next = 0
  const started = performance.now()
  const lane = async () => {
    while (next < options.count) {
      next++
      const t = performance.now()
      await request()
      latencies.push(performance.now() - t)
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, lane))
  const seconds = (performance.now() - started) / 1000
  return {
    requests: options.count,
    concurrency: options.concurrency,
    seconds: roundTo(seconds, 3),
    perSecond: roundTo(options.count / seconds, 3),
    latency: summarizeSamples(latencies),
  }
}
