#!/bin/sh
# Process control in the local sandbox. A "service" is a directory under
# $FIREBREAK_SANDBOX/services/<name> holding a pid file of a local process the tests start.
#   force-restart SERVICE   kill -9 the recorded process, mark a new generation
#   kill-zombies SERVICE    kill every process listed in zombies.pids that is still alive
set -eu
action=$1 service=$2
dir="${FIREBREAK_SANDBOX:-var/sandbox}/services/$service"
mkdir -p "$dir"
case "$action" in
  force-restart)
    if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      kill -9 "$(cat "$dir/pid")" && echo "killed pid $(cat "$dir/pid")"
    fi
    rm -f "$dir/pid" "$dir/down"
    n=$(cat "$dir/restarts" 2>/dev/null || echo 0); echo $((n + 1)) > "$dir/restarts"
    echo "force-restarted $service (restart #$((n + 1)))" ;;
  kill-zombies)
    killed=0
    if [ -f "$dir/zombies.pids" ]; then
      while read -r p; do
        [ -n "$p" ] && kill -0 "$p" 2>/dev/null && kill -9 "$p" && killed=$((killed + 1))
      done < "$dir/zombies.pids"
      : > "$dir/zombies.pids"
    fi
    echo "killed $killed stray process(es) of $service" ;;
  *) echo "unknown action $action" >&2; exit 2 ;;
esac
