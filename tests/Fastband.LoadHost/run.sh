#!/usr/bin/env bash
# The load test: a self-contained .NET 8 host (pwsh 7.4's runtime) that is not the module's app loads the
# staged module/Fastband/ by path, opens a store in a fresh temp project, writes and reads an entry, posts a
# hold and checks it blocks, and loads every assembly the cmdlet DLL references. Proves that native SQLite
# and every dependency resolve from the module folder alone. Needs ./build.sh to have staged the module.
#
#   tests/Fastband.LoadHost/run.sh [MODULE_DIR]                      prints LOAD TEST PASSED / LOAD TEST FAILED: ...
#   tests/Fastband.LoadHost/run.sh --negative-control [MODULE_DIR]   proves the test can fail: runs it on a copy
#       of the module without runtimes/ (no native SQLite) and passes only if the host then fails on e_sqlite3.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$repo/.build/loadhost"
stamp="$out/.published"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

negative=0
if [ "${1:-}" = "--negative-control" ]; then negative=1; shift; fi
label="LOAD TEST"; [ "$negative" = 1 ] && label="NEGATIVE CONTROL"
fail() { echo "$label FAILED: $*"; exit 1; }

module="$(cd "${1:-$repo/module/Fastband}" 2>/dev/null && pwd)" || fail "no module folder at ${1:-$repo/module/Fastband}: run ./build.sh first"
[ -f "$module/Fastband.Core.dll" ] && [ -f "$module/Fastband.PowerShell.dll" ] \
  || fail "the module is not staged in $module: run ./build.sh first"

case "$(uname -m)" in
  x86_64|amd64) rid=linux-x64 ;;
  aarch64|arm64) rid=linux-arm64 ;;
  *) fail "no runtime identifier for $(uname -m)" ;;
esac

# Publish the host unless an up-to-date copy is there.
stale() {
  [ -x "$out/Fastband.LoadHost" ] && [ -f "$stamp" ] || return 0
  [ -n "$(find "$here" "$repo/Directory.Build.props" -newer "$stamp" -not -path '*/bin/*' -not -path '*/obj/*' \
            \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' \) -print -quit 2>/dev/null)" ]
}
if stale; then
  mkdir -p "$repo/.build"
  log="$repo/.build/loadhost-publish.log"
  (
    flock 9
    if stale; then
      rm -rf "$out"
      dotnet publish "$here/Fastband.LoadHost.csproj" -c Release -r "$rid" --self-contained -o "$out" --nologo >"$log" 2>&1 \
        || { echo "$label FAILED: publishing the load host failed; see $log"; exit 1; }
      touch "$stamp"
    fi
  ) 9>"$repo/.build/.loadhost.lock" || exit 1
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

if [ "$negative" = 1 ]; then
  cp -r "$module" "$scratch/module"
  rm -rf "$scratch/module/runtimes"
  output="$("$out/Fastband.LoadHost" "$scratch/module" "$scratch/project" 2>&1)"; rc=$?
  echo "$output"
  line="$(printf '%s\n' "$output" | grep '^FAILED' | tail -n 1)"
  [ "$rc" -ne 0 ] || fail "the host passed although the module copy has no native SQLite"
  [[ "$line" == *e_sqlite3* ]] || fail "the host failed, but not on native SQLite: ${line:-exit code $rc}"
  echo "NEGATIVE CONTROL PASSED: without runtimes/ the load test fails: $line"
  exit 0
fi

output="$("$out/Fastband.LoadHost" "$module" "$scratch/project" 2>&1)"; rc=$?
echo "$output"
if [ "$rc" -eq 0 ]; then
  echo "LOAD TEST PASSED"
else
  line="$(printf '%s\n' "$output" | grep '^FAILED' | tail -n 1)"
  fail "${line:-the host exited with code $rc}"
fi
