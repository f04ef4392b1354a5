#!/usr/bin/env bash
# Runs every test Fastband has and ends with one line: "N passed, N failed".
#   1. ./build.sh: builds the solution (Release) and stages module/Fastband/
#   2. xunit: Core (real SQLite, real processes racing, the dashboard in headless Chromium), CLI end to end (real processes), module contract
#   3. the load test: a self-contained .NET 8 host loads the staged module by path (plus its negative control)
#   4. the README's first command (fastband init) on a fresh project, and examples/demo.sh (the start-up routine)
#   4b. the MCP server driven by the official TypeScript MCP SDK from npm (tests/mcp/run.sh; needs Node 20)
#   4c. the CLI suite again against the shipped ./fastband executable (native where clang is installed), the same
#       bytes from both builds (tests/native/parity.sh), and the fallback to the runtime build when clang is missing
#   5. Pester in real pwsh: pwsh from the local tool manifest (dotnet-tools.json), Pester 5 from NuGet into .build/
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$repo"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
unset FASTBAND_AGENT FASTBAND_PROJECT AGENT_ID

passed=0
failed=0
failures=()
pass() { passed=$((passed + $1)); }
fail() { failed=$((failed + $1)); failures+=("$2"); }

# Adds the "LABEL: N passed, N failed" line a runner printed into LOG to the totals (a missing line is a failure).
count_summary() {
  local label="$1" log="$2" line f
  line="$(grep -E "^$label: [0-9]+ passed, [0-9]+ failed" "$log" | tail -n 1)"
  if [ -z "$line" ]; then
    fail 1 "$label: the run produced no summary; see $log"
    return
  fi
  echo "$line"
  pass "$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")"
  f="$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")"
  [ "$f" -gt 0 ] && fail "$f" "$label: $f failed; see $log"
}

command -v dotnet >/dev/null || { echo "test.sh: the .NET SDK (dotnet) is not on PATH: install .NET SDK 8 or later."; echo "0 passed, 1 failed"; exit 1; }

echo "== the native toolchain for ./fastband (clang and the zlib headers; Native AOT links with them)"
if command -v clang >/dev/null && [ -f /usr/include/zlib.h ]; then
  echo "clang and zlib.h are installed"
elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  { apt-get install -y -q clang zlib1g-dev || { apt-get update -q && apt-get install -y -q clang zlib1g-dev; }; } > .build-apt.log 2>&1 \
    && echo "installed clang and zlib1g-dev" \
    || echo "could not install clang (see .build-apt.log): ./fastband will be built for the .NET runtime and say so"
  rm -f .build-apt.log
else
  echo "clang is missing and cannot be installed here (not root, or no apt-get): ./fastband will be built for the .NET runtime and say so"
fi

echo "== build"
if ! ./build.sh; then
  echo "test.sh: the build failed; nothing was tested."
  echo "0 passed, 1 failed"
  exit 1
fi

mkdir -p .build
echo "== database servers for the backup tests and the PostgreSQL store tests (tests/servers/start.sh)"
trap 'tests/servers/stop.sh >/dev/null 2>&1 || true' EXIT
if tests/servers/start.sh && [ -f .build/servers/env ]; then
  . .build/servers/env
else
  fail 1 "tests/servers/start.sh could not start PostgreSQL and MariaDB (see its output above and .build/servers/*/*.log); the backup tests against them will fail"
fi

echo "== headless Chromium for the dashboard tests (tests/browser/ensure-chromium.sh)"
if ! tests/browser/ensure-chromium.sh; then
  fail 1 "tests/browser/ensure-chromium.sh could not provide chromium (see its message above); the dashboard tests will fail"
fi

for project in tests/Fastband.Core.Tests tests/Fastband.Cli.Tests tests/Fastband.Contract.Tests; do
  name="$(basename "$project")"
  echo "== $name"
  log=".build/$name.log"
  dotnet test "$project" -c Release --no-build --nologo 2>&1 | tee "$log"
  summary="$(grep -E '^(Passed|Failed)!' "$log" | tail -n 1)"
  if [ -z "$summary" ]; then
    fail 1 "$name: the test run produced no summary (crashed?); see $log"
    continue
  fi
  p="$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$summary")"
  f="$(sed -E 's/.*Failed: *([0-9]+).*/\1/' <<<"$summary")"
  s="$(sed -E 's/.*Skipped: *([0-9]+).*/\1/' <<<"$summary")"
  pass "$p"
  [ "$f" -gt 0 ] && fail "$f" "$name: $f failed"
  [ "$s" -gt 0 ] && fail "$s" "$name: $s skipped without a printed reason"
done

echo "== load test (.NET 8 host loads module/Fastband by path)"
if tests/Fastband.LoadHost/run.sh; then pass 1; else fail 1 "load test"; fi
echo "== load test negative control (module without native SQLite must fail)"
if tests/Fastband.LoadHost/run.sh --negative-control; then pass 1; else fail 1 "load test negative control"; fi

echo "== README: ./fastband init on a fresh project (and a read before it exits 4, creating nothing)"
fresh="$(mktemp -d)"
(cd "$fresh" && "$repo/fastband" agents status >/dev/null 2>&1); rc=$?
if [ "$rc" -eq 4 ] && [ ! -e "$fresh/.fastband" ] && (cd "$fresh" && "$repo/fastband" init) && [ -f "$fresh/.fastband/fastband.db" ] \
   && (cd "$fresh" && "$repo/fastband" agents status >/dev/null); then pass 1; else fail 1 "./fastband init on a fresh project (read before it: exit $rc)"; fi
rm -rf "$fresh"

echo "== examples/demo.sh: the start-up routine through all its paths"
log=".build/demo.log"
bash examples/demo.sh > "$log" 2>&1
count_summary demo "$log"

echo "== MCP: the official TypeScript SDK (npm @modelcontextprotocol/sdk) drives fastband mcp (tests/mcp/run.sh)"
log=".build/mcp.log"
tests/mcp/run.sh > "$log" 2>&1
count_summary mcp "$log"

echo "== the CLI suite against the shipped executable (.build/cli/fastband, as ./fastband builds it)"
if ./fastband --version > .build/cli-first.log 2>&1; then
  echo "./fastband built: $(cat .build/cli/.built)"
  log=".build/Fastband.Cli.Tests.shipped.log"
  FASTBAND_TEST_CLI="$repo/.build/cli/fastband" dotnet test tests/Fastband.Cli.Tests -c Release --no-build --nologo 2>&1 | tee "$log"
  summary="$(grep -E '^(Passed|Failed)!' "$log" | tail -n 1)"
  if [ -z "$summary" ]; then
    fail 1 "Fastband.Cli.Tests against .build/cli/fastband: no summary; see $log"
  else
    pass "$(sed -E 's/.*Passed: *([0-9]+).*/\1/' <<<"$summary")"
    f="$(sed -E 's/.*Failed: *([0-9]+).*/\1/' <<<"$summary")"
    [ "$f" -gt 0 ] && fail "$f" "Fastband.Cli.Tests against .build/cli/fastband: $f failed"
  fi
  log=".build/parity.log"
  tests/native/parity.sh > "$log" 2>&1
  count_summary parity "$log"
  if ! grep -q '^native' .build/cli/.built && command -v clang >/dev/null; then
    fail 1 "./fastband did not build the native CLI although clang is installed: $(cat .build/cli/.built)"
  fi
else
  cat .build/cli-first.log
  fail 1 "./fastband could not build the CLI (see above)"
fi

echo "== ./fastband without clang: the runtime build, and one sentence saying why"
fallback="$(mktemp -d)"
FASTBAND_CLANG=/nonexistent/clang FASTBAND_BUILD_DIR="$fallback/cli" ./fastband --version > "$fallback/first.out" 2> "$fallback/first.err"; rc1=$?
FASTBAND_CLANG=/nonexistent/clang FASTBAND_BUILD_DIR="$fallback/cli" ./fastband --version > "$fallback/second.out" 2> "$fallback/second.err"; rc2=$?
if [ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ] && [ -f "$fallback/cli/fastband.dll" ] && grep -q '^jit' "$fallback/cli/.built" \
   && [ "$(grep -c "FASTBAND_CLANG names '/nonexistent/clang', which is not installed, so the CLI is built for the .NET runtime" "$fallback/first.err")" -eq 1 ] \
   && [ ! -s "$fallback/second.err" ] && cmp -s "$fallback/first.out" "$fallback/second.out"; then
  pass 1
else
  fail 1 "./fastband fallback without clang (exit $rc1 then $rc2): $(cat "$fallback/first.err" "$fallback/second.err")"
fi
rm -rf "$fallback"

echo "== Pester (pwsh $(sed -n 's/.*"version": "\(7[^"]*\)".*/\1/p' dotnet-tools.json) from dotnet-tools.json, Pester from tests/Pester/tools/Pester.proj)"
log=".build/pester.log"
if ! dotnet tool restore > .build/tool-restore.log 2>&1; then
  cat .build/tool-restore.log
  fail 1 "Pester: 'dotnet tool restore' could not install pwsh (see .build/tool-restore.log)"
elif ! dotnet restore tests/Pester/tools/Pester.proj > .build/pester-restore.log 2>&1; then
  cat .build/pester-restore.log
  fail 1 "Pester: 'dotnet restore tests/Pester/tools/Pester.proj' could not fetch Pester (see .build/pester-restore.log)"
elif ! pshome="$(dotnet pwsh -NoProfile -NonInteractive -Command '$PSHOME' 2>&1)" || [ ! -f "$pshome/pwsh.dll" ]; then
  fail 1 "Pester: the restored pwsh does not start: $pshome"
else
  # The tests start child pwsh processes by name, from any folder: a 'pwsh' on PATH that runs the restored tool
  # (a local tool answers 'dotnet pwsh' only inside this checkout).
  mkdir -p .build/bin
  printf '#!/bin/sh\nexec dotnet "%s/pwsh.dll" "$@"\n' "$pshome" > .build/bin/pwsh
  chmod +x .build/bin/pwsh
  export PATH="$repo/.build/bin:$PATH"
  start=$SECONDS
  pwsh -NoProfile -NonInteractive -File tests/Pester/run.ps1 2>&1 | tee "$log"
  echo "Pester took $((SECONDS - start)) s"
  count_summary Pester "$log"
fi

if [ "${#failures[@]}" -gt 0 ]; then
  echo "== failures"
  printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
