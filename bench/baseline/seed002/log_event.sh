#!/usr/bin/env bash
# BASELINE from the seed (shared/seeds/002, section 2; verbatim copy in log_event.seed.sh), repaired only so that
# it writes what the seed meant: the timestamp is passed to jq (--arg timestamp), jq writes one compact line
# (-c), and the line is appended with printf under the same flock (the seed's `bash -c "echo \"$event\""`
# stripped the JSON's quotes). This is the format `fastband events import` reads and `export` writes.
# Usage: log_event.sh <interaction> <actor> <type> <content>
LOGFILE="$(pwd)/events.log"
timestamp=$(date -u +"%Y-%m-%dT%H:%M:%SZ")
event=$(jq -nc \
  --arg i "$1" \
  --arg actor "$2" \
  --arg type "$3" \
  --arg content "$4" \
  --arg timestamp "$timestamp" \
  '{interaction: ($i|tonumber), actor: $actor, type: $type, content: $content, timestamp: $timestamp}')
# Append under lock
touch "$LOGFILE"
flock --exclusive "$LOGFILE" bash -c 'printf "%s\n" "$1" >> "$2"' _ "$event" "$LOGFILE"
