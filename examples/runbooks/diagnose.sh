#!/bin/sh
# Read-only diagnostics for a service: prints what an on-call engineer looks at first.
set -eu
service=$1
echo "== diagnostics for service: $service"
echo "-- host: $(uname -n) load: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"
echo "-- disk:"; df -h . | tail -n +2
echo "-- memory:"; free -m 2>/dev/null | head -2 || true
