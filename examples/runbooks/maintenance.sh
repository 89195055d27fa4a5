#!/bin/sh
# Housekeeping in the sandbox:
#   maintenance.sh rotate-logs SERVICE KEEP   gzip-free rotation: app.log -> app.log.1 ..., keep KEEP
#   maintenance.sh renew-cert SERVICE DAYS    writes a new (dummy) certificate valid DAYS days
#   maintenance.sh pool-reset SERVICE         bumps the connection-pool epoch (clients reconnect)
set -eu
action=$1 service=$2
dir="${FIREBREAK_SANDBOX:-var/sandbox}/services/$service"
mkdir -p "$dir"
case "$action" in
  rotate-logs) keep=$3; i=$keep
    while [ "$i" -gt 1 ]; do j=$((i - 1)); [ -f "$dir/app.log.$j" ] && mv "$dir/app.log.$j" "$dir/app.log.$i"; i=$j; done
    [ -f "$dir/app.log" ] && mv "$dir/app.log" "$dir/app.log.1"; : > "$dir/app.log"
    rm -f "$dir/app.log.$((keep + 1))"; echo "rotated logs of $service, keeping $keep" ;;
  renew-cert) [ -f "$dir/cert.pem" ] && cp "$dir/cert.pem" "$dir/cert.pem.prev"
    printf 'CERT %s valid %s days from %s\n' "$service" "$3" "$(date -u +%F)" > "$dir/cert.pem"; echo "renewed certificate of $service" ;;
  restore-cert) [ -f "$dir/cert.pem.prev" ] && mv "$dir/cert.pem.prev" "$dir/cert.pem"; echo "restored certificate of $service" ;;
  pool-reset) n=$(cat "$dir/pool_epoch" 2>/dev/null || echo 0); echo $((n + 1)) > "$dir/pool_epoch"; echo "connection pool of $service reset (epoch $((n + 1)))" ;;
  *) echo "unknown action $action" >&2; exit 2 ;;
esac
