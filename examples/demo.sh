#!/usr/bin/env bash
# Runs examples/agent-startup.sh against a throw-away project through every path it has, and checks its
# exit codes: the happy path, another agent on the ticket, a hold with --no-wait, a hold that outlasts
# --wait, a hold lifted while waiting, another agent's rebuild that completes while waiting, and a file
# locked by another agent (the routine asks for a handoff and stops); no run may leave a lock behind.
#
# Usage: examples/demo.sh            (prints "demo: N passed, N failed"; exits 1 if any check failed)
#        KEEP=1 examples/demo.sh     (keeps the project folder and says where it is)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fb="$here/../fastband"
startup="$here/agent-startup.sh"
unset FASTBAND_AGENT FASTBAND_PROJECT AGENT_ID

project="$(mktemp -d "${TMPDIR:-/tmp}/fastband-demo.XXXXXX")"
background=()
cleanup() {
  for pid in "${background[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "${KEEP:-}" ]; then echo "demo: project kept in $project"; else rm -rf "$project"; fi
}
trap cleanup EXIT

passed=0 failed=0
# expect CODE TITLE -- COMMAND...: runs COMMAND, shows its output indented, checks its exit code.
expect() {
  local want="$1" title="$2" rc=0
  shift 3
  echo "=== $title (expect exit $want)"
  set +e
  "$@" 2>&1 | sed 's/^/    /'
  rc="${PIPESTATUS[0]}"
  set -e
  if [ "$rc" = "$want" ]; then
    echo "--- ok: exit $rc"; passed=$((passed + 1))
  else
    echo "--- FAILED: exit $rc, expected $want"; failed=$((failed + 1))
  fi
}
ops() { "$fb" --project "$project" "$@"; }

# Build the CLI first, so that its first-use build does not count against the timeouts below, and make the project
# (reads never create a store: in a folder without one they exit 4).
ops init >/dev/null

expect 0 'happy path: MCP_Agent1 on 1205' -- "$startup" --project "$project" 1205 MCP_Agent1

ops --agent MCP_Agent2 ops write --type ticket_claimed --ticket 1206 --message 'Starting work on ticket #1206' >/dev/null
expect 3 'conflict: MCP_Agent2 already claimed 1206' -- "$startup" --project "$project" 1206 MCP_Agent1

ops --agent ops ops hold 'Database migration in progress - do not modify data files' >/dev/null
expect 3 'hold, --no-wait: stops at once' -- "$startup" --project "$project" --no-wait 1207 MCP_Agent1
expect 3 'hold, --wait 2s: gives up at the timeout' -- "$startup" --project "$project" --wait 2s 1207 MCP_Agent1

( sleep 3; ops --agent ops ops lift 'migration done' >/dev/null ) &
background+=("$!")
expect 0 'hold lifted after 3s while waiting up to 60s' -- "$startup" --project "$project" --wait 60s 1207 MCP_Agent1

ops --agent MCP_Agent2 ops rebuild --container api --ticket 1206 --status requested >/dev/null
( sleep 3; ops --agent MCP_Agent2 ops rebuild --container api --ticket 1206 --status complete >/dev/null ) &
background+=("$!")
expect 0 "MCP_Agent2's rebuild completes after 3s while MCP_Agent3 waits" -- "$startup" --project "$project" --wait 60s --container worker 1208 MCP_Agent3
wait

held="$(ops --agent MCP_Agent4 --json lock acquire static/css/main.css --ttl 10m | python3 -c 'import json,sys; print(json.load(sys.stdin)["lease"]["leaseId"])')"
expect 3 "MCP_Agent4 holds main.css: MCP_Agent1 stops and asks for a handoff" -- "$startup" --project "$project" --no-wait 1209 MCP_Agent1
if ops --agent MCP_Agent4 msg read | grep -q handoff_request; then
  echo "    MCP_Agent4 found the handoff request in its inbox"; passed=$((passed + 1))
else
  echo "--- FAILED: no handoff request reached MCP_Agent4"; failed=$((failed + 1))
fi
ops --agent MCP_Agent4 lock release --lease "$held" >/dev/null
if ops lock list | grep -q "No locks held"; then
  echo "    no lock is left behind by any run"; passed=$((passed + 1))
else
  echo "--- FAILED: locks left behind:"; ops lock list; failed=$((failed + 1))
fi

echo "=== the log"
ops ops read --limit 0 | sed 's/^/    /'
echo "demo: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
