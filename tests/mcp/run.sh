#!/usr/bin/env bash
# The MCP tests: the official TypeScript SDK (npm @modelcontextprotocol/sdk) drives `fastband mcp` over stdio.
# Installs the package (package-lock.json pins it), builds the CLI through ./fastband, runs node --test and ends
# with "mcp: N passed, N failed".
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"
mkdir -p "$repo/.build"
command -v node >/dev/null || { echo "tests/mcp: node is not on PATH: install Node 20 or later."; echo "mcp: 0 passed, 1 failed"; exit 1; }
if ! npm ci --no-audit --no-fund >"$repo/.build/mcp-npm.log" 2>&1 && ! npm install --no-audit --no-fund >>"$repo/.build/mcp-npm.log" 2>&1; then
  cat "$repo/.build/mcp-npm.log"
  echo "tests/mcp: npm could not install @modelcontextprotocol/sdk (see above)."
  echo "mcp: 0 passed, 1 failed"
  exit 1
fi
if ! "$repo/fastband" --help >/dev/null; then
  echo "tests/mcp: the CLI does not build (see .build/cli-build.log)."
  echo "mcp: 0 passed, 1 failed"
  exit 1
fi
unset FASTBAND_AGENT FASTBAND_PROJECT AGENT_ID
log="$(mktemp)"
node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination="$log" ./*.test.mjs
p="$(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$log" | tail -n 1)"
f="$(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$log" | tail -n 1)"
rm -f "$log"
if [ -z "$p" ] || [ -z "$f" ]; then echo "mcp: 0 passed, 1 failed"; exit 1; fi
echo "mcp: $p passed, $f failed"
[ "$f" -eq 0 ]
