#!/usr/bin/env bash
# bench/escalation BUILD_DIR: 100k open incidents with pending tiers; timer lateness and
# alert-to-webhook latency under HTTP ingest load, beside a loopback HTTP round trip and an fsync'd
# commit measured in the same run. Knobs (environment): INCIDENTS, RATE, DURATION, TIER2.
set -euo pipefail
build=${1:-build}
# Benchmarks are not part of the default build: bring this one up to date with the tree, so a
# run never measures an old binary.
cmake --build "$build" --target fb_escalation_bench > /dev/null
exec "$build/bench/fb_escalation_bench" \
  --incidents "${INCIDENTS:-100000}" --rate "${RATE:-200}" --seconds "${DURATION:-20}" --tier2 "${TIER2:-3s}" \
  --dir "$build/bench-escalation.tmp"
