#!/usr/bin/env bash
# Runs the browser tests (ctest entry browser.console). Needs the npm tools: scripts/install-npm-tools.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -d "$here/node_modules/playwright-core" ]; then
  echo "browser tests: playwright-core is not installed; run scripts/install-npm-tools.sh (make test does)" >&2
  exit 1
fi
cd "$here"
exec node console.test.mjs
