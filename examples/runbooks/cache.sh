#!/bin/sh
# Cache invalidation against the local sandbox: moves the cache generation aside (invalidate) or
# back (restore). Operates only under ${FIREBREAK_SANDBOX:-var/sandbox}.
set -eu
action=$1 service=$2
dir="${FIREBREAK_SANDBOX:-var/sandbox}/cache/$service"
mkdir -p "$dir"
case "$action" in
  invalidate) [ -d "$dir/current" ] && rm -rf "$dir/previous" && mv "$dir/current" "$dir/previous"; mkdir -p "$dir/current"; echo "invalidated cache of $service" ;;
  restore) if [ -d "$dir/previous" ]; then rm -rf "$dir/current"; mv "$dir/previous" "$dir/current"; fi; echo "restored cache of $service" ;;
  *) echo "unknown action $action" >&2; exit 2 ;;
esac
