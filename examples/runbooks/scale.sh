#!/bin/sh
# Scale a sandbox service: records the replica count (previous count kept for rollback).
#   scale.sh set SERVICE N | scale.sh restore SERVICE
set -eu
action=$1 service=$2
dir="${FIREBREAK_SANDBOX:-var/sandbox}/services/$service"
mkdir -p "$dir"
case "$action" in
  set) cp "$dir/replicas" "$dir/replicas.prev" 2>/dev/null || echo 2 > "$dir/replicas.prev"
       echo "$3" > "$dir/replicas"; echo "$service scaled from $(cat "$dir/replicas.prev") to $3 replicas" ;;
  restore) [ -f "$dir/replicas.prev" ] && mv "$dir/replicas.prev" "$dir/replicas"; echo "$service back to $(cat "$dir/replicas" 2>/dev/null || echo 2) replicas" ;;
  *) echo "unknown action $action" >&2; exit 2 ;;
esac
