#!/usr/bin/env bash
# Runs examples/agent-startup.sh against a throw-away project through every path it has, and checks its
# exit codes: the happy path, another agent on the ticket, a hold with --no-wait, a hold that outlasts
# --wait, a hold lifted while waiting, and another agent's rebuild that completes while waiting.
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

# Build the CLI first, so that its first-use build does not count against the timeouts below.
ops ops directive >/dev/null

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

echo "=== the log"
ops ops read --limit 0 | sed 's/^/    /'
echo "demo: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
