#!/usr/bin/env bash
# Starts the real database servers the backup tests run against, fresh each run, and writes
# .build/servers/env with the FASTBAND_TEST_* settings (source it). Works on a fresh Debian machine:
#   - PostgreSQL: the binaries under /usr/lib/postgresql/<highest>/bin, run as the system user
#     'postgres' (or 'fastbandtest', created if neither exists), on 127.0.0.1:${FASTBAND_TEST_PG_PORT:-55432},
#     scram-sha-256 password auth for the role 'fastband' (random password, CREATEDB).
#   - MariaDB: installed with apt-get when mariadbd/mysqld is missing, run as root on
#     127.0.0.1:${FASTBAND_TEST_MYSQL_PORT:-53306} with its own socket and pid files, user 'fastband'
#     (random password, all privileges: the tests create and drop scratch schemas).
# Each server gets a database 'fastband_test'. Running it again stops the old servers and starts over.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
root="$repo/.build/servers"
pg_port="${FASTBAND_TEST_PG_PORT:-55432}"
my_port="${FASTBAND_TEST_MYSQL_PORT:-53306}"
step() { echo "servers: $*"; }
die() { echo "servers: $*" >&2; exit 1; }

"$repo/tests/servers/stop.sh" >/dev/null 2>&1 || true
rm -rf "$root"
mkdir -p "$root"
chmod 755 "$root"

# ---- tools ----
pg_bin=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
  [ -x "$d/initdb" ] && { pg_bin="$d"; break; }
done
[ -n "$pg_bin" ] || die "PostgreSQL server binaries were not found under /usr/lib/postgresql/*/bin: apt-get install postgresql."
step "PostgreSQL binaries: $pg_bin"

if ! command -v mariadbd >/dev/null && ! command -v mysqld >/dev/null && [ ! -x /usr/sbin/mariadbd ] && [ ! -x /usr/sbin/mysqld ]; then
  step "installing mariadb-server and mariadb-client (apt-get)"
  [ "$(id -u)" -eq 0 ] || die "mariadb-server is missing and installing it needs root: apt-get install mariadb-server mariadb-client."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >"$root/apt.log" 2>&1 || die "apt-get update failed; see $root/apt.log"
  apt-get install -y -qq mariadb-server mariadb-client >>"$root/apt.log" 2>&1 || die "apt-get install mariadb-server failed; see $root/apt.log"
fi
export PATH="$PATH:/usr/sbin"
mariadbd="$(command -v mariadbd || command -v mysqld)"
install_db="$(command -v mariadb-install-db || command -v mysql_install_db)"
client="$(command -v mariadb || command -v mysql)"
step "MariaDB server: $mariadbd"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_free "$pg_port" || die "port $pg_port is already in use: stop what listens there or set FASTBAND_TEST_PG_PORT."
port_free "$my_port" || die "port $my_port is already in use: stop what listens there or set FASTBAND_TEST_MYSQL_PORT."

pg_password="$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
my_password="$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"

# ---- PostgreSQL ----
pg_user=postgres
if ! id "$pg_user" >/dev/null 2>&1; then
  pg_user=fastbandtest
  id "$pg_user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"
fi
as_pg() { if [ "$(id -un)" = "$pg_user" ]; then "$@"; else su -s /bin/sh "$pg_user" -c "$(printf '%q ' "$@")"; fi; }
pg_home="$root/pg"
if [ "$(id -u)" -eq 0 ] && [ "$pg_user" != root ] && ! su -s /bin/sh "$pg_user" -c "test -x '$root'" 2>/dev/null; then
  # The checkout sits where the postgres user cannot reach (a 0700 temp folder, a home directory): keep the
  # server's files in a folder of its own under /var/tmp, linked from .build/servers/pg.
  pg_home="/var/tmp/fastband-servers-$(printf '%s' "$repo" | sha256sum | cut -c1-12)/pg"
  rm -rf "$pg_home"
  mkdir -p "$pg_home"
  ln -sfn "$pg_home" "$root/pg"
fi
pg_data="$pg_home/data"
pg_run="$pg_home/run"
mkdir -p "$pg_data" "$pg_run"
[ "$(id -u)" -eq 0 ] && chown -R "$pg_user" "$pg_home"
chmod 700 "$pg_data"
step "PostgreSQL: initdb in $pg_data (as $pg_user)"
as_pg "$pg_bin/initdb" -D "$pg_data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$pg_home/initdb.log" 2>&1 \
  || die "initdb failed; see $pg_home/initdb.log"
step "PostgreSQL: starting on 127.0.0.1:$pg_port"
as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_home/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_run -c fsync=off" start >/dev/null \
  || die "PostgreSQL did not start; see $pg_home/server.log"
psql_admin() { as_pg "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$pg_run" -p "$pg_port" -U postgres -d postgres "$@"; }
psql_admin -c "CREATE ROLE fastband LOGIN CREATEDB PASSWORD '$pg_password'" >/dev/null
psql_admin -c "CREATE DATABASE fastband_test OWNER fastband" >/dev/null
PGPASSWORD="$pg_password" "$pg_bin/psql" -X -q -h 127.0.0.1 -p "$pg_port" -U fastband -d fastband_test -tAc "select 1" >/dev/null \
  || die "PostgreSQL does not accept the fastband role's password; see $pg_home/server.log"
step "PostgreSQL: ready (role fastband, database fastband_test)"

# ---- MariaDB ----
my_data="$root/mariadb/data"
my_run="$root/mariadb/run"
mkdir -p "$my_data" "$my_run"
step "MariaDB: install-db in $my_data"
"$install_db" --no-defaults --datadir="$my_data" --user="$(id -un)" --auth-root-authentication-method=socket --skip-test-db \
  >"$root/mariadb/install.log" 2>&1 || die "mariadb-install-db failed; see $root/mariadb/install.log"
step "MariaDB: starting on 127.0.0.1:$my_port"
setsid "$mariadbd" --no-defaults --datadir="$my_data" --socket="$my_run/mysqld.sock" --pid-file="$my_run/mysqld.pid" \
  --port="$my_port" --bind-address=127.0.0.1 --user="$(id -un)" --log-error="$root/mariadb/server.log" \
  --skip-name-resolve --innodb-flush-log-at-trx-commit=0 --skip-log-bin </dev/null >/dev/null 2>&1 &
my_admin() { "$client" --no-defaults -S "$my_run/mysqld.sock" -u root "$@"; }
for _ in $(seq 1 120); do
  my_admin -e "select 1" >/dev/null 2>&1 && break
  sleep 0.5
done
my_admin -e "select 1" >/dev/null 2>&1 || die "MariaDB did not accept connections within 60 s; see $root/mariadb/server.log"
my_admin -e "CREATE USER 'fastband'@'127.0.0.1' IDENTIFIED BY '$my_password';
  CREATE USER 'fastband'@'localhost' IDENTIFIED BY '$my_password';
  GRANT ALL PRIVILEGES ON *.* TO 'fastband'@'127.0.0.1';
  GRANT ALL PRIVILEGES ON *.* TO 'fastband'@'localhost';
  CREATE DATABASE fastband_test;" || die "could not create the fastband user in MariaDB; see $root/mariadb/server.log"
MYSQL_PWD="$my_password" "$client" --no-defaults -h 127.0.0.1 -P "$my_port" -u fastband -e "select 1" fastband_test >/dev/null \
  || die "MariaDB does not accept the fastband user's password; see $root/mariadb/server.log"
step "MariaDB: ready (user fastband, database fastband_test)"

umask 077
cat >"$root/env" <<ENV
export FASTBAND_TEST_PG_HOST=127.0.0.1
export FASTBAND_TEST_PG_PORT=$pg_port
export FASTBAND_TEST_PG_USER=fastband
export FASTBAND_TEST_PG_PASSWORD=$pg_password
export FASTBAND_TEST_PG_DB=fastband_test
export FASTBAND_TEST_PG_SOCKET_DIR=$pg_run
export FASTBAND_TEST_MYSQL_HOST=127.0.0.1
export FASTBAND_TEST_MYSQL_PORT=$my_port
export FASTBAND_TEST_MYSQL_USER=fastband
export FASTBAND_TEST_MYSQL_PASSWORD=$my_password
export FASTBAND_TEST_MYSQL_DB=fastband_test
ENV
step "settings written to $root/env (source it)"
