#!/usr/bin/env bash
# Makes sure headless Chromium (Debian's 'chromium' package) is installed, for the dashboard tests.
# Prints the path of the browser on success; on failure prints why on stderr and exits 1.
set -uo pipefail
find_browser() { command -v chromium || command -v chromium-browser || { [ -x /usr/bin/chromium ] && echo /usr/bin/chromium; }; }
if path="$(find_browser)" && [ -n "$path" ]; then echo "$path"; exit 0; fi
[ "$(id -u)" -eq 0 ] || { echo "chromium is missing and installing it needs root: apt-get install chromium." >&2; exit 1; }
command -v apt-get >/dev/null || { echo "chromium is missing and there is no apt-get here: install Chromium and put 'chromium' on PATH." >&2; exit 1; }
log="${TMPDIR:-/tmp}/fastband-chromium-apt.log"
export DEBIAN_FRONTEND=noninteractive
# Two test runs may install at once: serialise on a lock file, then look again.
exec 9>"${TMPDIR:-/tmp}/fastband-chromium-apt.lock"
flock 9
if path="$(find_browser)" && [ -n "$path" ]; then echo "$path"; exit 0; fi
apt-get update -qq >"$log" 2>&1 || { echo "apt-get update failed, so chromium could not be installed; see $log." >&2; exit 1; }
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >>"$log" 2>&1 || { echo "apt-get install chromium failed; see $log." >&2; exit 1; }
path="$(find_browser)" || { echo "chromium was installed but is not on PATH; see $log." >&2; exit 1; }
echo "$path"
