#!/bin/sh
# Health check in the local sandbox: healthy unless a "down" marker exists.
set -eu
service=$1
dir="${FIREBREAK_SANDBOX:-var/sandbox}/services/$service"
if [ -e "$dir/down" ]; then echo "$service is DOWN"; exit 1; fi
echo "$service is healthy"
