#!/usr/bin/env bash
# Streaming anomaly detector throughput on one core and memory per series, beside floors
# measured in the same run (summing the samples; a one-EWMA detector).
#   bench/anomaly/run.sh [BUILD_DIR] [MILLION_SAMPLES] [SERIES]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
bin="$build/bench/anomaly/anomaly_bench"
# Benchmarks are not part of the default build: bring this one up to date with the tree, so a
# run never measures an old binary.
cmake --build "$build" --target anomaly_bench > /dev/null
[ -x "$bin" ] || { echo "missing $bin (build first: cmake --build $build)" >&2; exit 1; }
pin=()
command -v taskset >/dev/null 2>&1 && pin=(taskset -c 0)
"${pin[@]}" "$bin" "${2:-20}" "${3:-1000}"
