#!/bin/sh
# Example SMS gateway for the `sms-gateway` command channel: appends each message to
# $FIREBREAK_DATA_DIR/sms.log. Replace the last lines with a call to your provider. The message is
# on stdin; FIREBREAK_TO, FIREBREAK_INCIDENT, FIREBREAK_SEVERITY, FIREBREAK_EVENT, FIREBREAK_SUBJECT
# and FIREBREAK_IDEMPOTENCY_KEY (pass it on so a retry is not sent twice) are in the environment.
# Exit 0 = delivered; 64-78 except 75 = permanent failure; anything else = retry with backoff.
set -eu
log="${FIREBREAK_DATA_DIR:-var}/sms.log"
# Deliveries run in parallel: read the whole message first, then append header and body while
# holding a lock on the log (flock(1), util-linux), so two records never interleave.
body=$(cat; echo .)
body=${body%.}
case $body in *"
") ;; *) body="$body
" ;; esac
exec 9>>"$log"
flock 9
printf '=== %s to %s (%s)\n%s' "$FIREBREAK_IDEMPOTENCY_KEY" "$FIREBREAK_TO" "$FIREBREAK_SEVERITY" "$body" >&9
