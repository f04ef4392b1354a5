#!/usr/bin/env bash
# The same bytes from both builds of the CLI: every command group's --help, a typo, bad input, and the JSON and text
# of reads over one store, from the runtime build (dotnet fastband.dll) and the shipped executable (.build/cli/fastband,
# native where clang is installed). Writes go through the runtime build only, so both builds read the same store.
# Ends with "parity: N passed, N failed".
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jit="${FASTBAND_JIT_DLL:-$repo/src/Fastband.Cli/bin/Release/net8.0/fastband.dll}"
shipped="${FASTBAND_SHIPPED_CLI:-$repo/.build/cli/fastband}"
passed=0 failed=0
[ -f "$jit" ] || { echo "parity: the runtime build $jit is missing: run ./build.sh first"; echo "parity: 0 passed, 1 failed"; exit 1; }
[ -x "$shipped" ] || { echo "parity: the shipped CLI $shipped is missing: run ./fastband --version once"; echo "parity: 0 passed, 1 failed"; exit 1; }
echo "parity: $(cat "$(dirname "$shipped")/.built" 2>/dev/null || echo '?') against dotnet $(basename "$jit")"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
project="$work/app"
mkdir -p "$project/src"
echo "hello" > "$project/src/a.txt"
unset FASTBAND_AGENT FASTBAND_PROJECT AGENT_ID DATABASE_URL FASTBAND_STORE FASTBAND_TRACE_PHASES
export FASTBAND_HOST=parity-host NO_COLOR=1 COLUMNS=100

w() {
  if ! (cd "$project" && dotnet "$jit" "$@") >"$work/setup.out" 2>&1; then
    failed=$((failed + 1))
    echo "parity: FAIL setting up: fastband $*: $(cat "$work/setup.out")"
  fi
}
w init
w --agent alice ops write --type status_update --message "building the parser" --ticket T-1 --meta files=src/a.txt
w --agent oscar ops hold "release freeze" --agents bob
w --agent alice lock acquire src/a.txt --ttl 2h --reason parity
w --agent alice issue new --title "Parser drops the last line" --severity high
w --agent bob ops write --type general --message "bob is here"
w --agent alice msg send --to bob --message "please review the parser"

# One case: the same arguments (and stdin) through both builds; stdout, stderr and the exit code must be identical.
check() {
  local name="$1" stdin="$2"; shift 2
  (cd "$project" && printf '%s' "$stdin" | dotnet "$jit" "$@") >"$work/jit.out" 2>"$work/jit.err"; local a=$?
  (cd "$project" && printf '%s' "$stdin" | "$shipped" "$@") >"$work/bin.out" 2>"$work/bin.err"; local b=$?
  if [ "$a" = "$b" ] && cmp -s "$work/jit.out" "$work/bin.out" && cmp -s "$work/jit.err" "$work/bin.err"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "parity: FAIL $name (exit $a vs $b)"
    diff <(cat "$work/jit.out" "$work/jit.err") <(cat "$work/bin.out" "$work/bin.err") | head -20
  fi
}

check "root help" "" --help
for group in ops agents tickets lock backup board status msg heartbeat leader health alerts events issue fix audit report git session store hook init mcp completion; do
  check "$group --help" "" "$group" --help
done
check "a misspelt command" "" opps read
check "an unknown option" "" ops read --colour
check "a bad event type" "" --agent alice ops write --type statsu --message x
check "ops read --json" "" ops read --json
check "ops read" "" ops read
check "ops read --type hold --json" "" ops read --type hold --json
check "lock list --json" "" lock list --json
check "issue list --json" "" issue list --json
check "msg read --json" "" --agent bob msg read --json
check "hook, an allowed edit" '{"tool_name":"Edit","tool_input":{"file_path":"'"$project"'/src/b.txt"}}' --agent bob hook pre-tool-use
check "hook, an edit under alice's lock" '{"tool_name":"Edit","tool_input":{"file_path":"'"$project"'/src/a.txt"}}' --agent bob hook pre-tool-use --json
check "hook, a malformed payload" '{"tool_name":' --agent bob hook pre-tool-use
check "ops check for a held agent" "" --agent bob ops check
check "backup list --json (none yet)" "" backup list --json
check "completion bash" "" completion bash
check "completion values: the agents" "" "[suggest:14]" "msg send --to "
check "a read outside any project" "" --project "$work/nowhere" agents status
check "a failure under --json" "" --json --project "$work/nowhere" agents status

echo "parity: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
