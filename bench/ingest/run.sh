#!/usr/bin/env bash
# Ingestion throughput and latency: Firebreak (every 2xx durable: SQLite synchronous=FULL) against
# a real Prometheus Alertmanager receiving the same alerts on its own POST /api/v2/alerts, in one
# run on this machine. Reports accepted alerts/s, p50/p99 and the ratio; then Firebreak's p99 at
# half of its peak rate.
#   bench/ingest/run.sh BUILD_DIR      (BENCH_SECONDS=10 per phase by default)
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
# The do-nothing server (the physical limit) is not part of the default build.
cmake --build "$build" --target ingest_null_server > /dev/null
exec /usr/bin/python3 "$root/bench/ingest/bench.py" "$build"
