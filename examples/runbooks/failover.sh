#!/bin/sh
# Database / traffic failover in the sandbox: swaps which member is primary (or which zone serves).
#   failover.sh promote GROUP MEMBER | failover.sh status GROUP
set -eu
action=$1 group=$2
dir="${FIREBREAK_SANDBOX:-var/sandbox}/groups/$group"
mkdir -p "$dir"
case "$action" in
  promote) old=$(cat "$dir/primary" 2>/dev/null || echo none); echo "$old" > "$dir/previous"; echo "$3" > "$dir/primary"
           echo "$group: primary $old -> $3" ;;
  revert) [ -f "$dir/previous" ] && mv "$dir/previous" "$dir/primary"; echo "$group: primary back to $(cat "$dir/primary")" ;;
  status) echo "$group primary: $(cat "$dir/primary" 2>/dev/null || echo none)" ;;
  *) echo "unknown action $action" >&2; exit 2 ;;
esac
