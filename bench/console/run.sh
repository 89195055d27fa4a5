#!/usr/bin/env bash
# Console list page on 10,000 incidents: time until the first page of the open list is drawn in
# Chromium, next to the physical floor of the same data (the API call the page makes), in one run.
#   bench/console/run.sh BUILD_DIR [INCIDENTS]
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/scripts/install-npm-tools.sh"
FIREBREAK_BIN=$(cd "$build" && pwd)/firebreak FB_SOURCE_DIR="$root" \
  NODE_PATH="$root/tests/browser/node_modules" node "$root/bench/console/bench.mjs" "${2:-10000}"
