#!/bin/sh
# Example SMS gateway for the `sms-gateway` command channel: appends each message to
# $FIREBREAK_DATA_DIR/sms.log. Replace the last lines with a call to your provider. The message is
# on stdin; FIREBREAK_TO, FIREBREAK_INCIDENT, FIREBREAK_SEVERITY, FIREBREAK_EVENT, FIREBREAK_SUBJECT
# and FIREBREAK_IDEMPOTENCY_KEY (pass it on so a retry is not sent twice) are in the environment.
# Exit 0 = delivered; 64-78 except 75 = permanent failure; anything else = retry with backoff.
set -eu
log="${FIREBREAK_DATA_DIR:-var}/sms.log"
{
  printf '=== %s to %s (%s)\n' "$FIREBREAK_IDEMPOTENCY_KEY" "$FIREBREAK_TO" "$FIREBREAK_SEVERITY"
  cat
} >> "$log"
