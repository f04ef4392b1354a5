#!/usr/bin/env bash
# Builds the solution (Release) and stages the loadable PowerShell module into module/Fastband/
# from an explicit allow-list, the way pwsh will load it: the cmdlet DLL, Core, their managed
# dependencies flat beside them, and native SQLite under runtimes/<rid>/native/.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$repo"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
configuration="${CONFIGURATION:-Release}"

dotnet build Fastband.PowerShell.sln -c "$configuration" --nologo -v quiet -clp:ErrorsOnly

bin="src/Fastband.PowerShell/bin/$configuration/net8.0"
stage="module/Fastband"
managed=(
  Fastband.PowerShell.dll
  Fastband.Core.dll
  Microsoft.Data.Sqlite.dll
  SQLitePCLRaw.core.dll
  SQLitePCLRaw.batteries_v2.dll
  SQLitePCLRaw.provider.e_sqlite3.dll
  YamlDotNet.dll
  # PostgreSQL store: Npgsql 9.0.3 and its net8.0 closure (10.x needs a newer runtime than pwsh 7.4 has).
  Npgsql.dll
  Microsoft.Extensions.Logging.Abstractions.dll
  Microsoft.Extensions.DependencyInjection.Abstractions.dll
  # MySQL/MariaDB backups: MySqlConnector 2.4.0 (net8.0; its Microsoft.Extensions.* needs are Npgsql's above).
  MySqlConnector.dll
)
rids=(linux-x64 linux-arm64 linux-musl-x64 osx-x64 osx-arm64 win-x64 win-arm64)

# A dependency that is in the build output but not on the list would be missing at run time in
# pwsh: refuse to stage rather than ship a module that fails on first use.
for f in "$bin"/*.dll; do
  name="$(basename "$f")"
  [[ " ${managed[*]} " == *" $name "* ]] && continue
  case "$name" in System.Management.Automation.dll) continue ;; esac
  echo "build.sh: $name is in the build output but not in the module allow-list: add it to 'managed' in build.sh." >&2
  exit 1
done

rm -rf "$stage"
mkdir -p "$stage"
for f in "${managed[@]}"; do cp "$bin/$f" "$stage/"; done
cp Fastband.psd1 "$stage/"
cp "$bin/Fastband.format.ps1xml" "$stage/"
for rid in "${rids[@]}"; do
  src="$bin/runtimes/$rid/native"
  [ -d "$src" ] || { echo "build.sh: native SQLite for $rid is missing from $src." >&2; exit 1; }
  mkdir -p "$stage/runtimes/$rid/native"
  cp "$src"/* "$stage/runtimes/$rid/native/"
done
echo "build.sh: module staged in $stage ($(find "$stage" -type f | wc -l) files)."
