#!/usr/bin/env bash
# Dedup + correlation throughput on one core and memory for 1M open alerts (Google Benchmark).
#   bench/correlate/run.sh BUILD_DIR
# The physical comparison is the target itself: >= 1M alerts/s per core, <= 1 GiB per 1M alerts.
set -euo pipefail
build=${1:-build}
shift || true
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$build/bench/bench_correlate"
# Benchmarks are not part of the default build: bring this one up to date with the tree, so a
# run never measures an old binary.
cmake --build "$build" --target bench_correlate > /dev/null
[ -x "$bin" ] || { echo "bench/correlate: $bin not built (cmake --build $build --target bench_correlate)"; exit 1; }
FB_SOURCE_DIR="$root" taskset -c 0 "$bin" --benchmark_min_time=1 --benchmark_counters_tabular=true "$@" 2>&1 |
  grep -v '^\*\*\*'
