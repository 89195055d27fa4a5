#!/usr/bin/env bash
# MCP overhead: the same read (one incident) through the HTTP API and through MCP tools/call over
# Streamable HTTP, side by side in one run against one server (ratio = MCP / API throughput).
# MCP pays for JSON-RPC, schema validation and one audit entry per call (a durable commit; the
# engine's group commit shares it between concurrent calls).
#   bench/mcp/run.sh BUILD_DIR [N]
set -euo pipefail
build=${1:-build}
n=${2:-400}
root=$(cd "$(dirname "$0")/../.." && pwd)
exec /usr/bin/python3 "$root/bench/mcp/bench_mcp.py" "$root/$build/firebreak" "$root/examples/config" "$n"
