#!/usr/bin/env bash
# Report generation cost against its floor, side by side in one run: the real server holds one
# incident with N timeline entries (notes), and we time, over HTTP on loopback, the post-incident
# report in JSON, Markdown and HTML (SVG timeline) against GET .../timeline for the same entries
# (the server reading and serializing the same rows: the least any report must do).
#   bench/report/run.sh BUILD_DIR [ENTRIES]
# Prints medians and ratios (report / timeline). Figures are recorded in docs/BENCHMARKS.md.
set -euo pipefail
build=${1:-build}
entries=${2:-2000}
root=$(cd "$(dirname "$0")/../.." && pwd)
[ -x "$build/firebreak" ] || { echo "missing $build/firebreak (build first)"; exit 1; }
exec /usr/bin/python3 "$root/bench/report/bench.py" "$build/firebreak" "$root/examples/config" "$entries"
