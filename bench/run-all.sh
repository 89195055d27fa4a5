#!/usr/bin/env bash
# Runs every benchmark suite (bench/<name>/run.sh BUILD_DIR) and prints their summaries.
# Figures and the commands that produced them are recorded in docs/BENCHMARKS.md.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
found=0
for suite in "$root"/bench/*/run.sh; do
  [ -x "$suite" ] || continue
  found=1
  name=$(basename "$(dirname "$suite")")
  echo "=== bench/$name"
  if ! "$suite" "$build"; then echo "bench/$name FAILED"; status=1; fi
done
[ $found -eq 1 ] || echo "no benchmark suites found under bench/"
exit $status
