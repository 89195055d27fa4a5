#!/bin/sh
# Graceful restart in the local sandbox: bumps the service's restart generation file.
set -eu
service=$1
dir="${FIREBREAK_SANDBOX:-var/sandbox}/services/$service"
mkdir -p "$dir"
n=$(cat "$dir/restarts" 2>/dev/null || echo 0)
echo $((n + 1)) > "$dir/restarts"
echo "restarted $service (restart #$((n + 1)))"
