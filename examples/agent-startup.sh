#!/usr/bin/env bash
# The agent start-up routine from the Agent Ops Log spec, through the fastband CLI:
#
#   1. read the directive: may I work on this ticket? (exit 3 = a hold or another agent's rebuild blocks me)
#      -> wait for clearance up to --wait, or stop
#   2. check the rebuilds in progress
#   3. register my agent session
#   4. is another agent on this ticket? (exit 3 = yes) -> stop
#   5. lock the files it changes, all or nothing (released on exit; refused: ask for a handoff, stop)
#   6. claim the ticket (ticket_claimed)
#   7. announce a rebuild (requested), rebuild, announce it complete
#   8. complete the ticket (ticket_completed)
#
# Usage: agent-startup.sh [options] TICKET [AGENT]
#   AGENT             your agent name; default: $FASTBAND_AGENT
#   --project DIR     the project (default: $FASTBAND_PROJECT, else the nearest folder up holding .fastband/)
#   --wait DURATION   how long to wait out a hold or a rebuild before giving up (default 10m, e.g. 30s, 1h)
#   --no-wait         stop at once if blocked
#   --container NAME  the container to rebuild (default webapp)
#   --files LIST      comma-separated files changed, for the rebuild announcement
#   --rebuild CMD     the rebuild to run between the announcements (default: a 1-second stand-in)
#
# Exit codes: 0 done; 3 blocked by a hold or rebuild past the wait, or another agent is on the ticket
# (nothing was claimed); 2 bad usage; anything else: the failing fastband command's exit code.
#
# The CLI is the repository's ./fastband wrapper (found relative to this script), else `fastband` on PATH,
# or whatever $FASTBAND_CLI names.
set -euo pipefail

usage() { sed -n '/^# Usage:/,/^#   --rebuild/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit "${1:-2}"; }

wait_for="10m"
container="webapp"
files="templates/base.html,static/css/main.css"
rebuild_cmd="sleep 1"
positional=()
while [ $# -gt 0 ]; do
  case "$1" in
    --project) [ $# -ge 2 ] || usage; export FASTBAND_PROJECT="$2"; shift 2 ;;
    --wait) [ $# -ge 2 ] || usage; wait_for="$2"; shift 2 ;;
    --no-wait) wait_for=""; shift ;;
    --container) [ $# -ge 2 ] || usage; container="$2"; shift 2 ;;
    --files) [ $# -ge 2 ] || usage; files="$2"; shift 2 ;;
    --rebuild) [ $# -ge 2 ] || usage; rebuild_cmd="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    -*) echo "agent-startup.sh: unknown option $1" >&2; usage ;;
    *) positional+=("$1"); shift ;;
  esac
done
if [ ${#positional[@]} -lt 1 ] || [ ${#positional[@]} -gt 2 ]; then usage; fi
ticket="${positional[0]}"
agent="${positional[1]:-${FASTBAND_AGENT:-}}"
if [ -z "$agent" ]; then
  echo "agent-startup.sh: name your agent: pass it after the ticket or set FASTBAND_AGENT." >&2
  exit 2
fi
export FASTBAND_AGENT="$agent"   # every fastband command below acts as this agent

# --- the CLI --------------------------------------------------------------------------------------------
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -n "${FASTBAND_CLI:-}" ]; then
  fastband=("$FASTBAND_CLI")
elif [ -x "$here/../fastband" ]; then
  fastband=("$here/../fastband")
elif command -v fastband >/dev/null 2>&1; then
  fastband=(fastband)
else
  echo "agent-startup.sh: no fastband CLI: neither $here/../fastband nor fastband on PATH." >&2
  exit 1
fi
fb() { "${fastband[@]}" "$@"; }

# Reads fields from the JSON that `fastband --json` prints. jq is used where it is installed (it is on the
# project's machine image); python3 does the same otherwise, so the script needs neither in particular.
#   json_lines FILTER  -- FILTER is one of the named queries below, applied to stdin
json_lines() {
  local query="$1"
  if command -v jq >/dev/null 2>&1; then
    case "$query" in
      others-rebuilding) jq -r --arg me "$agent" '.[] | select(.inProgress and ((.requestedBy | ascii_downcase) != ($me | ascii_downcase))) | "\(.container) (ticket #\(.ticketId // "-"), by \(.requestedBy) since \(.requestedAt))"' ;;
      conflicting-agents) jq -r '.conflictingAgents | join(", ")' ;;
      id) jq -r '.id' ;;
      lease-id) jq -r '.lease.leaseId // empty' ;;
      conflict-paths) jq -r '[.conflicts[] | select(.queued | not) | .requested] | unique | .[]' ;;
      reason) jq -r '.reason' ;;
    esac
  else
    python3 -c '
import json, sys
query, me = sys.argv[1], sys.argv[2]
data = json.load(sys.stdin)
if query == "others-rebuilding":
    for r in data:
        if r["inProgress"] and r["requestedBy"].lower() != me.lower():
            print("%s (ticket #%s, by %s since %s)" % (r["container"], r["ticketId"] or "-", r["requestedBy"], r["requestedAt"]))
elif query == "conflicting-agents":
    print(", ".join(data["conflictingAgents"]))
elif query == "lease-id":
    print((data.get("lease") or {}).get("leaseId", ""))
elif query == "conflict-paths":
    for path in sorted({c["requested"] for c in data["conflicts"] if not c["queued"]}):
        print(path)
else:
    print(data[query])
' "$query" "$agent"
  fi
}

say() { printf '[%s] %s\n' "$agent" "$*"; }

# Runs `fastband ops check`; if blocked (exit 3), waits with `fastband ops wait` up to $wait_for.
# Returns 0 when the agent may work, exits 3 when it is still blocked, and passes on any other failure.
wait_until_clear() {
  local rc=0 reason
  reason="$(fb --json ops check --ticket "$ticket" | json_lines reason)" || rc=$?
  # With pipefail, rc is the exit code of `fb` (3 = blocked) unless the JSON reader failed.
  case "$rc" in
    0) say "clear to work: $reason"; return 0 ;;
    3) say "BLOCKED: $reason" ;;
    *) say "fastband ops check failed (exit $rc)"; exit "$rc" ;;
  esac
  fb ops directive | sed 's/^/    /'
  if [ -z "$wait_for" ]; then
    say "not waiting (--no-wait): stopping without claiming ticket #$ticket."
    exit 3
  fi
  say "waiting up to $wait_for for the hold or rebuild to clear..."
  rc=0
  fb ops wait --ticket "$ticket" --timeout "$wait_for" || rc=$?
  case "$rc" in
    0) say "cleared: work may go on." ;;
    3) say "still blocked after $wait_for: stopping without claiming ticket #$ticket."; exit 3 ;;
    *) say "fastband ops wait failed (exit $rc)"; exit "$rc" ;;
  esac
}

# --- 1. the directive --------------------------------------------------------------------------------
say "starting up for ticket #$ticket"
wait_until_clear

# --- 2. rebuilds in progress -------------------------------------------------------------------------
# `ops check` already counts other agents' rebuilds as blocking; this shows them, and waits again if one
# started since the check.
rebuilding="$(fb --json ops rebuilds | json_lines others-rebuilding)"
if [ -n "$rebuilding" ]; then
  say "rebuild in progress: $rebuilding"
  wait_until_clear
else
  say "no rebuild in progress by another agent."
fi

# --- 3. register the session -------------------------------------------------------------------------
rc=0
fb agents register || rc=$?
if [ "$rc" -ne 0 ]; then
  # Writing an entry (step 5) records the session as well, so a failed registration is not fatal here.
  say "warning: fastband agents register failed (exit $rc); going on, the ticket_claimed entry records the session." >&2
fi

# --- 4. is someone else on the ticket? ---------------------------------------------------------------
rc=0
others="$(fb --json tickets conflicts --ticket "$ticket" | json_lines conflicting-agents)" || rc=$?
case "$rc" in
  0) say "nobody else is on ticket #$ticket." ;;
  3) say "CONFLICT: $others already on ticket #$ticket: stopping, contact them first."; exit 3 ;;
  *) say "fastband tickets conflicts failed (exit $rc)"; exit "$rc" ;;
esac

# --- 5. lock the files, all or nothing -----------------------------------------------------------------
# Tied to this shell (--owner-pid $$): if the script dies, the next agent gets the files at once instead
# of waiting out the TTL. Released on the way out, however the script ends.
IFS=',' read -r -a file_list <<< "$files"
rc=0
lock_json="$(fb --json lock acquire "${file_list[@]}" --owner-pid $$ --wait "${wait_for:-0s}" --reason "ticket #$ticket")" || rc=$?
case "$rc" in
  0) lease_id="$(json_lines lease-id <<< "$lock_json")"
     say "locked ${file_list[*]} (lease $lease_id)."
     trap 'fb lock release --lease "$lease_id" >/dev/null || true' EXIT ;;
  3) say "LOCKED by another agent: asking the holders for a handoff, then stopping without claiming ticket #$ticket."
     while IFS= read -r path; do
       [ -n "$path" ] && fb lock request-handoff "$path" --message "needed for ticket #$ticket"
     done < <(json_lines conflict-paths <<< "$lock_json")
     exit 3 ;;
  *) say "fastband lock acquire failed (exit $rc)"; exit "$rc" ;;
esac

# --- 6. claim the ticket -----------------------------------------------------------------------------
claim_id="$(fb --json ops write --type ticket_claimed --ticket "$ticket" --message "Starting work on ticket #$ticket" | json_lines id)"
say "claimed ticket #$ticket (entry $claim_id)."

# --- 7. rebuild, announced -----------------------------------------------------------------------------
fb ops rebuild --container "$container" --ticket "$ticket" --files "$files" --status requested
rc=0
bash -c "$rebuild_cmd" || rc=$?
# Announce completion even if the rebuild failed: a rebuild left "requested" blocks every other agent
# until the rebuild timeout (30m).
fb ops rebuild --container "$container" --ticket "$ticket" --files "$files" --status complete
if [ "$rc" -ne 0 ]; then
  say "the rebuild failed (exit $rc): ticket #$ticket stays claimed."
  exit "$rc"
fi

# --- 8. complete the ticket ----------------------------------------------------------------------------
fb ops write --type ticket_completed --ticket "$ticket" --message "Completed ticket #$ticket"
say "done."
