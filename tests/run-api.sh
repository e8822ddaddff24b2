#!/usr/bin/env bash
# run-api.sh: the API tests — real `pingan serve` on loopback ports, fresh databases. Every
# file runs on SQLite; with PINGAN_TEST_PG set (tests/with-pg.sh) the files in PG_API run
# again on PostgreSQL, each server on a database of its own copied from a demo template
# (tests/api/harness.py), beside SQLite's run. Usage: tests/run-api.sh
# [PATTERN] (a pattern: that on SQLite alone, in the foreground)
set -u
cd "$(dirname "$0")/.."
results=${RESULTS:-build/test-results}
# On PostgreSQL: every endpoint (openapi, cases, loop), the access matrix and scope,
# idempotency, the audit chain, personal data, sessions and log-in security (second factor,
# lockout, passwords, separation of duties, limits), statistics and the sweeper's
# deadlines, several cities in one database. The rest (faults injected into SQLite's VFS,
# SQLite backups, metrics, logs, configuration, shutdown, bad input) tests what is the same
# whatever the store, or SQLite itself.
PG_API=${PG_API:-"test_openapi.py test_cases.py test_loop.py test_access_matrix.py test_scope.py
  test_idempotency.py test_audit.py test_personal_data.py test_session.py test_stats.py
  test_deadlines.py test_watch.py test_records.py test_attachments.py test_documents.py
  test_regions.py test_routing_versions.py test_tipoff.py test_warnings.py test_writer.py
  test_login.py test_duties.py test_password.py test_limits.py test_restore_pg.py
  test_replica.py test_queues.py test_queue_sweep.py test_portal.py test_sort.py test_units.py
  test_cities.py test_any_day.py test_holder.py test_messages.py"}
# One run: NAME PATTERN [PG URL], its output kept in $results/NAME.out, timed.
run() {
  local t0=$SECONDS
  PINGAN_API_PG=${3:-} /usr/bin/env python3 tests/api/run.py "$results" "$2" "$1" \
    >"$results/$1.out" 2>&1
  local rc=$?
  echo "$1: $((SECONDS - t0)) s" >>"$results/$1.out"
  return $rc
}
if [ -z "${PINGAN_TEST_PG:-}" ] || [ -n "${1:-}" ]; then
  PINGAN_API_PG= /usr/bin/env python3 tests/api/run.py "$results" "${1:-test_*.py}"
  exit $?
fi
# With a server: SQLite's run and PostgreSQL's at once. A test waits on its server, the
# server on fsync, far more than either computes: two runs keep two cores busy where one
# left them mostly idle. Each test has its own server and database, so the runs share
# nothing but the PostgreSQL server.
run api "test_*.py" & a=$!
run api-pg "$PG_API" "$PINGAN_TEST_PG" & b=$!
rc=0
wait $a || rc=1
wait $b || rc=1
cat "$results/api.out" "$results/api-pg.out"
exit $rc
