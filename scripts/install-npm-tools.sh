#!/usr/bin/env bash
# Installs the npm test tools (tests/browser: playwright-core, pinned in package-lock.json) when
# missing or when the lock file changed. Needs node >= 20 and npm (scripts/install-deps.sh test).
# The browser itself is Debian's chromium; playwright never downloads one.
set -euo pipefail
dir=$(cd "$(dirname "$0")/.." && pwd)/tests/browser
stamp="$dir/node_modules/.fb-lock-stamp"
if [ -f "$stamp" ] && cmp -s "$stamp" "$dir/package-lock.json"; then
  exit 0
fi
echo "install-npm-tools: npm ci in tests/browser" >&2
( cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error )
cp "$dir/package-lock.json" "$stamp"
