#!/usr/bin/env bash
# pg-server.sh: a throw-away PostgreSQL server for the tests, on a free loopback port.
#   tests/pg-server.sh start [DIR]          initdb in DIR (default: a new temporary dir) and
#                                           start; prints DIR and the URL: "DIR URL"
#   tests/pg-server.sh replica PRIMARY DIR  a streaming replica of the server in PRIMARY
#                                           (pg_basebackup), started; prints "DIR URL"
#   tests/pg-server.sh stop DIR             stop it and remove DIR
# Installs postgresql from Debian when missing (scripts/setup.sh). PostgreSQL refuses to
# run as root: as root the server runs as nobody, in a directory nobody owns. fsync is on:
# the durability tests mean what they say. Trust authentication, loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=/usr/lib/postgresql/15/bin
[ -x $BIN/initdb ] || scripts/setup.sh postgresql >&2

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

new_dir() {
  local d=${1:-$(mktemp -d /tmp/pingan-pg.XXXXXX)}
  mkdir -p "$d"
  [ "$(id -u)" -ne 0 ] || chown nobody:nogroup "$d"
  chmod 700 "$d"
  echo "$d"
}

# Start the server whose data is in $1/data on port $2, and wait until it answers.
launch() {
  as_owner $BIN/pg_ctl -D "$1/data" -l "$1/server.log" -w -t 60 \
    -o "-p $2 -k $1 -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on \
        -c max_connections=300 -c shared_buffers=64MB -c wal_level=replica \
        -c max_wal_senders=4 -c hot_standby=on" start >/dev/null || {
    cat "$1/server.log" >&2; exit 1; }
  echo "$2" > "$1/port"
}

case "${1:-}" in
start)
  dir=$(new_dir "${2:-}")
  # a locale whose collation is not bytewise: codes must compare bytewise all the same
  as_owner $BIN/initdb -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  echo "host replication postgres 127.0.0.1/32 trust" | as_owner tee -a "$dir/data/pg_hba.conf" >/dev/null
  port=$(free_port)
  launch "$dir" "$port"
  echo "$dir postgres://postgres@127.0.0.1:$port/postgres"
  ;;
replica)
  primary=$2
  dir=$(new_dir "${3:-}")
  as_owner $BIN/pg_basebackup -h 127.0.0.1 -p "$(cat "$primary/port")" -U postgres \
    -D "$dir/data" -R -X stream -c fast >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; exit 1; }
  port=$(free_port)
  launch "$dir" "$port"
  echo "$dir postgres://postgres@127.0.0.1:$port/postgres"
  ;;
stop)
  dir=$2
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner $BIN/pg_ctl -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  case "$dir" in /tmp/pingan-pg.*) rm -rf "$dir" ;; esac
  ;;
*)
  echo "usage: $0 start [DIR] | replica PRIMARY [DIR] | stop DIR" >&2
  exit 2
  ;;
esac
