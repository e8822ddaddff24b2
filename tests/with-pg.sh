#!/usr/bin/env bash
# with-pg.sh: run a command with a throw-away PostgreSQL server (tests/pg-server.sh) whose
# URL is in PINGAN_TEST_PG, and stop the server afterwards, whatever the command did.
# Its exit status is the command's. Usage: tests/with-pg.sh COMMAND [ARG...]
set -u
cd "$(dirname "$0")/.."
out=$(tests/pg-server.sh start) || { echo "with-pg: cannot start PostgreSQL" >&2; exit 1; }
read -r dir url <<<"$out"
trap 'tests/pg-server.sh stop "$dir"' EXIT
trap 'exit 130' INT TERM
export PINGAN_TEST_PG=$url PINGAN_TEST_PG_DIR=$dir
"$@"
