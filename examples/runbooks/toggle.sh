#!/bin/sh
# Feature switches of a sandbox service (circuit breaker open/closed, traffic drained, ...):
#   toggle.sh on|off SERVICE NAME   creates or removes $sandbox/services/SERVICE/NAME
set -eu
action=$1 service=$2 name=$3
dir="${FIREBREAK_SANDBOX:-var/sandbox}/services/$service"
mkdir -p "$dir"
case "$name" in *[!a-z0-9_-]*) echo "bad switch name" >&2; exit 2 ;; esac
case "$action" in
  on) date -u +%FT%TZ > "$dir/$name"; echo "$service: $name on" ;;
  off) rm -f "$dir/$name"; echo "$service: $name off" ;;
  *) echo "unknown action $action" >&2; exit 2 ;;
esac
