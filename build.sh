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
# Help: the MAML for the cmdlets is generated from their doc comments (below); the about topics are written by hand.
help_source="src/Fastband.PowerShell/en-US"
about_topics=(about_Fastband about_Fastband_Holds about_Fastband_Leases about_Fastband_Backups about_Fastband_GitSafetyNet)
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

# Get-Help's text comes from the /// comments in src/Fastband.PowerShell (summary: synopsis, remarks: description,
# example: examples, property summary: parameter text). A cmdlet or parameter without text fails the build here,
# named, before anything is staged.
for topic in "${about_topics[@]}"; do
  [ -f "$help_source/$topic.help.txt" ] || { echo "build.sh: the about topic $help_source/$topic.help.txt is missing." >&2; exit 1; }
done
maml="$bin/en-US/Fastband.PowerShell.dll-Help.xml"
if ! dotnet "tools/Fastband.HelpGen/bin/$configuration/net10.0/Fastband.HelpGen.dll" "$bin/Fastband.PowerShell.dll" "$maml" "$help_source" >/dev/null; then
  echo "build.sh: the cmdlet help is incomplete (see above): add the /// doc comments it names." >&2
  exit 1
fi

rm -rf "$stage"
mkdir -p "$stage"
for f in "${managed[@]}"; do cp "$bin/$f" "$stage/"; done
cp Fastband.psd1 "$stage/"
cp "$bin/Fastband.format.ps1xml" "$stage/"
cp "$bin/Fastband.types.ps1xml" "$stage/"
mkdir -p "$stage/en-US"
cp "$maml" "$stage/en-US/"
for topic in "${about_topics[@]}"; do cp "$help_source/$topic.help.txt" "$stage/en-US/"; done
for rid in "${rids[@]}"; do
  src="$bin/runtimes/$rid/native"
  [ -d "$src" ] || { echo "build.sh: native SQLite for $rid is missing from $src." >&2; exit 1; }
  mkdir -p "$stage/runtimes/$rid/native"
  cp "$src"/* "$stage/runtimes/$rid/native/"
done
echo "build.sh: module staged in $stage ($(find "$stage" -type f | wc -l) files)."
