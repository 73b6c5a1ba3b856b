// Benchmark entry (`npm run bench`). No landed feature has a speed or memory target yet; the
// telemetry pipeline adds the first benchmarks (results under bench/results/).
console.log('no benchmarks yet: see README.md § Benchmarks')
