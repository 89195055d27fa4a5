#!/bin/sh
# Deployments in the sandbox: services/<s>/release holds the running version, releases.log the history.
#   deploy.sh rollback SERVICE   go back to the previous release | deploy.sh redo SERVICE
set -eu
action=$1 service=$2
dir="${FIREBREAK_SANDBOX:-var/sandbox}/services/$service"
mkdir -p "$dir"
case "$action" in
  rollback) cur=$(cat "$dir/release" 2>/dev/null || echo v1)
            prev=$(grep -v "^$cur\$" "$dir/releases.log" 2>/dev/null | tail -1 || true)
            [ -n "$prev" ] || { echo "no previous release of $service" >&2; exit 1; }
            echo "$cur" > "$dir/rolled_back_from"; echo "$prev" > "$dir/release"; echo "$service: $cur -> $prev" ;;
  redo) [ -f "$dir/rolled_back_from" ] && mv "$dir/rolled_back_from" "$dir/release"; echo "$service at $(cat "$dir/release")" ;;
  *) echo "unknown action $action" >&2; exit 2 ;;
esac
