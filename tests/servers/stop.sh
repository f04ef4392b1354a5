#!/usr/bin/env bash
# Stops the test database servers tests/servers/start.sh started (found by their data folders and
# pid files under .build/servers); does nothing when none is running.
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
root="$repo/.build/servers"
step() { echo "servers: $*"; }

pg_data="$root/pg/data"
if [ -f "$pg_data/postmaster.pid" ]; then
  pid="$(head -n 1 "$pg_data/postmaster.pid")"
  kill -INT "$pid" 2>/dev/null   # fast shutdown
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  step "PostgreSQL stopped"
else
  step "PostgreSQL was not running"
fi

pidfile="$root/mariadb/run/mysqld.pid"
if [ -f "$pidfile" ]; then
  pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  rm -f "$pidfile"
  step "MariaDB stopped"
else
  step "MariaDB was not running"
fi
exit 0
