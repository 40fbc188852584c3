#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests.
#   tests/pg.sh start DIR           initdb in DIR/data and start it; prints the URL
#                                   postgresql://concierge@127.0.0.1:PORT/postgres (also in DIR/url)
#   tests/pg.sh createdb DIR NAME   a fresh database NAME (template0, UTF8, C locale); prints its URL
#   tests/pg.sh stop DIR            stops the server (fast shutdown) and removes DIR
#
# The server listens on 127.0.0.1 only, on a free port, with its Unix socket in
# DIR (none in /var/run). Connections from loopback are trusted: it holds test
# data only, and lives as long as a test run. fsync stays on, since the tests
# are about what survives a crash. When run as root the server runs as the
# unprivileged "postgres" user (initdb and postgres refuse root) and DIR is
# given to it; otherwise as the current user.
#
# The binaries come from PG_BINDIR, else `pg_config --bindir`, else the newest
# /usr/lib/postgresql/*/bin (Debian's postgresql-15: scripts/deps.sh test).
# A failed start leaves nothing running and removes what it made.
set -euo pipefail

PG_USER=concierge
MARK=.concierge-pg

die() {
  echo "pg.sh: $*" >&2
  exit 1
}

usage() {
  echo "usage: tests/pg.sh start DIR | createdb DIR NAME | stop DIR" >&2
  exit 2
}

find_bindir() {
  local d
  for d in "${PG_BINDIR:-}" "$(pg_config --bindir 2>/dev/null || true)"; do
    [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
  done
  d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -1)
  [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
  die "no PostgreSQL server binaries (initdb, pg_ctl); install postgresql-15 (scripts/deps.sh test) or set PG_BINDIR"
}

# Runs a server binary as the owner of the data directory.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A TCP port on 127.0.0.1 that nothing listens on now. The server may still
# lose it to another process before it binds; start tries again then.
free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Set by cmd_start for its EXIT trap, which runs after the function returned.
start_dir=
start_made=0
start_bindir=

# On a failed start: stop whatever started and remove what this run made.
start_cleanup() {
  local rc=$?
  [ "$rc" -ne 0 ] && [ -n "$start_dir" ] || return 0
  if [ -f "$start_dir/data/postmaster.pid" ]; then
    as_owner "$start_bindir/pg_ctl" -D "$start_dir/data" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
  fi
  if [ -f "$start_dir/log" ]; then
    tail -20 "$start_dir/log" | sed 's/^/pg.sh: log: /' >&2 || true
  fi
  if [ "$start_made" -eq 1 ]; then
    rm -rf "$start_dir"
  else
    rm -rf "$start_dir/data" "$start_dir/log" "$start_dir/initdb.log" "$start_dir/url" \
      "${start_dir:?}/$MARK"
  fi
  return "$rc"
}

cmd_start() {
  local dir=$1 bindir port url try sockdir
  bindir=$(find_bindir)
  if [ -e "$dir" ]; then
    [ -d "$dir" ] || die "$dir: not a directory"
    [ -e "$dir/data" ] && die "$dir/data already exists (a server started there? tests/pg.sh stop $dir)"
  else
    mkdir -p "$dir"
    start_made=1
  fi
  dir=$(cd "$dir" && pwd)
  start_dir=$dir
  start_bindir=$bindir
  trap start_cleanup EXIT
  trap 'exit 130' INT TERM HUP

  touch "$dir/$MARK"
  if [ "$(id -u)" -eq 0 ]; then
    getent passwd postgres >/dev/null || die "no 'postgres' user to run the server as (it comes with postgresql-15)"
    chown postgres: "$dir"
    chmod 700 "$dir"
    runuser -u postgres -- test -w "$dir" ||
      die "$dir: the postgres user cannot write there (is a parent directory closed to it?)"
  fi

  # --no-sync: the cluster is thrown away with DIR; the server itself syncs.
  as_owner "$bindir/initdb" -D "$dir/data" -U "$PG_USER" -A trust -E UTF8 --locale=C --no-sync \
    >"$dir/initdb.log" 2>&1 || { tail -20 "$dir/initdb.log" >&2; die "initdb failed"; }

  # A Unix socket path is limited to 107 bytes; without room for one, TCP only.
  sockdir=$dir
  [ ${#dir} -gt 80 ] && sockdir=
  for try in 1 2 3 4 5; do
    port=$(free_port)
    # In the data directory rather than on the command line, so that a test
    # can `pg_ctl restart` the server and find it where it was.
    as_owner tee "$dir/data/postgresql.auto.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockdir'
fsync = on
synchronous_commit = on
full_page_writes = on
shared_buffers = ${PG_SHARED_BUFFERS:-16MB}
max_connections = 100
log_min_messages = warning
log_timezone = 'UTC'
timezone = 'UTC'
EOF
    if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 start >/dev/null 2>&1; then
      break
    fi
    # Lost the port to someone else: try another; anything else is fatal.
    grep -q 'could not bind\|Address already in use' "$dir/log" || die "the server did not start"
    [ "$try" -lt 5 ] || die "no free port after $try tries"
  done

  url="postgresql://$PG_USER@127.0.0.1:$port/postgres"
  "$bindir/psql" -XAtq -v ON_ERROR_STOP=1 -d "$url" -c 'SELECT 1' >/dev/null ||
    die "the server started but does not answer on $url"
  echo "$url" >"$dir/url"
  echo "$url"
}

cmd_createdb() {
  local dir=$1 name=$2 bindir url base
  [[ "$name" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "database name '$name': lower-case letters, digits and _ only, up to 63"
  [ -f "$dir/url" ] || die "$dir: no server started there (tests/pg.sh start $dir)"
  bindir=$(find_bindir)
  url=$(cat "$dir/url")
  "$bindir/psql" -XAtq -v ON_ERROR_STOP=1 -d "$url" \
    -c "CREATE DATABASE $name TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'" >/dev/null ||
    die "could not create database $name"
  base=${url%/*}
  echo "$base/$name"
}

cmd_stop() {
  local dir=$1 bindir
  [ -d "$dir" ] || die "$dir: no such directory"
  # Refuses to remove a directory start did not make ready, whatever it holds.
  [ -e "$dir/$MARK" ] || die "$dir: not a tests/pg.sh directory (no $MARK); left alone"
  bindir=$(find_bindir)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 20 stop >/dev/null 2>&1 ||
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
    if [ -f "$dir/data/postmaster.pid" ]; then
      # pg_ctl gave up, or the postmaster died and left its pid file: make sure.
      local pid
      pid=$(head -1 "$dir/data/postmaster.pid")
      if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
        [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$(cd "$dir/data" && pwd -P)" ]; then
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
  fi
  rm -rf "$dir"
}

[ $# -ge 1 ] || usage
case "$1" in
  start) [ $# -eq 2 ] || usage; cmd_start "$2" ;;
  createdb) [ $# -eq 3 ] || usage; cmd_createdb "$2" "$3" ;;
  stop) [ $# -eq 2 ] || usage; cmd_stop "$2" ;;
  *) usage ;;
esac
