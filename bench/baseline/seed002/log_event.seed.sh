#!/usr/bin/env bash
# BASELINE, copied verbatim from the seed (shared/seeds/002, section 2 "Event-Logging Helper"), kept as the
# record of what the seed shipped. As printed it appends an EMPTY line and no event: jq stops with
# "$timestamp is not defined" (the shell variable is never passed in), and the empty $event is echoed anyway.
# The bench runs log_event.sh beside it, the same script with that repaired.
# Usage: log_event.sh <interaction> <actor> <type> <content>
LOGFILE="$(pwd)/events.log"
timestamp=$(date -u +"%Y-%m-%dT%H:%M:%SZ")
event=$(jq -n \
  --arg i "$1" \
  --arg actor "$2" \
  --arg type "$3" \
  --arg content "$4" \
  '{interaction: ($i|tonumber), actor: $actor, type: $type, content: $content, timestamp: $timestamp}')
# Append under lock
flock --exclusive "$LOGFILE" bash -c "echo \"$event\" >> '$LOGFILE'"
