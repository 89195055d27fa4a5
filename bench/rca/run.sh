#!/usr/bin/env bash
# Root-cause ranking accuracy on fault-injection datasets (metrics and call graph only).
#   bench/rca/run.sh nezha DIR      e.g. ../shared/data/nezha-ob
#   bench/rca/run.sh petshop DIR    e.g. ../shared/data/petshop
#   bench/rca/run.sh [BUILD_DIR]    both datasets from ../shared/data (as run by bench/run-all.sh)
# The last line is `AC@1 x AC@3 y Avg@5 z (n cases)`. FIREBREAK_BIN overrides the binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
py=/usr/bin/python3
case "${1:-}" in
  nezha|petshop)
    [ $# -eq 2 ] || { echo "usage: $0 nezha|petshop DIR" >&2; exit 2; }
    export FIREBREAK_BIN=${FIREBREAK_BIN:-$root/build/firebreak}
    exec "$py" "$root/bench/rca/rca_bench.py" "$1" "$2"
    ;;
  *)
    build=${1:-build}
    case "$build" in /*) ;; *) build="$root/$build" ;; esac
    export FIREBREAK_BIN=${FIREBREAK_BIN:-$build/firebreak}
    shared=${FB_SHARED_DIR:-$root/../shared}
    echo "nezha-ob:"
    "$py" "$root/bench/rca/rca_bench.py" nezha "$shared/data/nezha-ob"
    echo "petshop:"
    "$py" "$root/bench/rca/rca_bench.py" petshop "$shared/data/petshop"
    ;;
esac
