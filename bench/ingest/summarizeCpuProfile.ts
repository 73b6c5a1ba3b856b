// Turns a V8 CPU profile of the gateway's thread into shares of wall time by component, each
// sample charged to the nearest frame with a source file (native calls such as SQLite's
// statement.run, fsync included, are charged to the JavaScript that called them).

import type { Profiler } from 'node:inspector'

const CATEGORIES: ReadonlyArray<[string, RegExp]> = [
  ['P-256 verify (@noble/curves)', /\/@noble\/curves\//],
  ['SHA-256 / keccak (@noble/hashes)', /\/@noble\/hashes\//],
  ['SQLite (better-sqlite3, fsync included)', /\/better-sqlite3\/|\/store\/createSqliteStore\.ts/],
  [
    'MQTT broker (aedes, mqtt-packet)',
    /\/(aedes|aedes-packet|aedes-persistence|mqtt-packet|mqemitter|qlobber|bl|fastparallel|reusify|end-of-stream|readable-stream|process-nextick-args|uuid)\//,
  ],
  [
    'chain access (viem: anchoring, device cache)',
    /\/(viem|ox|abitype|@adraffy|@scure|isows|ws)\//,
  ],
  ['CBOR (cborg)', /\/cborg\//],
  ['schemas (zod)', /\/zod\//],
  ['Veriot core (decode, checks)', /\/packages\/core\//],
  ['Veriot gateway (ingest, broker hooks, anchorer)', /\/packages\/(node|device)\//],
  ['Node.js internals (net, streams, timers)', /^node:/],
]
const SPECIAL: Record<string, string> = {
  '(idle)': 'idle',
  '(garbage collector)': 'garbage collection',
  '(program)': 'V8 / native (unattributed)',
}

/** Share of the profiled wall time per component (0..1, rounded to 0.001), largest first. */
export function summarizeCpuProfile(profile: Profiler.Profile): Record<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const categoryOf = new Map<number, string>()
  const classify = (id: number): string => {
    const known = categoryOf.get(id)
    if (known) return known
    const node = byId.get(id)
    let category = 'other'
    if (node) {
      const { functionName, url } = node.callFrame
      if (SPECIAL[functionName]) category = SPECIAL[functionName] as string
      else if (url) category = CATEGORIES.find(([, re]) => re.test(url))?.[0] ?? 'other JavaScript'
      else {
        const up = parent.get(id)
        category = up === undefined ? 'other' : classify(up)
      }
    }
    categoryOf.set(id, category)
    return category
  }
  const totals = new Map<string, number>()
  let all = 0
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  samples.forEach((id, i) => {
    // timeDeltas[i] is the time before sample i; charge the interval to the next sample.
    const dt = deltas[i + 1] ?? 0
    const category = classify(id)
    totals.set(category, (totals.get(category) ?? 0) + dt)
    all += dt
  })
  return Object.fromEntries(
    [...totals]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, Math.round((v / all) * 1000) / 1000]),
  )
}
