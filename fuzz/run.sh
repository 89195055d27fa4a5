#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each, starting from the committed seed corpus.
#   fuzz/run.sh BUILD_DIR SECONDS
# A crash, leak or timeout fails the run and leaves the reproducer in build-fuzz/artifacts/.
set -euo pipefail
build=${1:-build-fuzz}
secs=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$build/artifacts"
status=0
for bin in "$build"/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  seeds="$root/fuzz/corpus/${name#fuzz_}"
  work="$build/corpus/$name"
  mkdir -p "$work"
  echo "fuzz: $name for ${secs}s"
  if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
       -artifact_prefix="$build/artifacts/$name-" -print_final_stats=0 "$work" "$seeds" \
       >"$build/$name.log" 2>&1; then
    echo "fuzz: $name FAILED (see $build/$name.log)"; tail -40 "$build/$name.log"; status=1
  else
    grep -E '^#[0-9]+.*(DONE|pulse)' "$build/$name.log" | tail -1 || true
  fi
done
exit $status
