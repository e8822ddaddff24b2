#!/usr/bin/env bash
# run-api.sh: the API tests — real `pingan serve` on loopback ports, fresh databases. Every
# file runs on SQLite; with PINGAN_TEST_PG set (tests/with-pg.sh) the files in PG_API run
# again on PostgreSQL, each server on a database of its own copied from a demo template
# (tests/api/harness.py). Usage: tests/run-api.sh [PATTERN]
set -u
cd "$(dirname "$0")/.."
results=${RESULTS:-build/test-results}
# On PostgreSQL: every endpoint (openapi, cases, loop), the access matrix and scope,
# idempotency, the audit chain, personal data, sessions and log-in security (second factor,
# lockout, passwords, separation of duties, limits), statistics and the sweeper's
# deadlines. The rest (faults injected into SQLite's VFS, SQLite backups, metrics, logs,
# configuration, shutdown, bad input) tests what is the same whatever the store, or
# SQLite itself.
PG_API=${PG_API:-"test_openapi.py test_cases.py test_loop.py test_access_matrix.py test_scope.py
  test_idempotency.py test_audit.py test_personal_data.py test_session.py test_stats.py
  test_deadlines.py test_watch.py test_records.py test_attachments.py test_documents.py
  test_regions.py test_routing_versions.py test_tipoff.py test_warnings.py test_writer.py
  test_login.py test_duties.py test_password.py test_limits.py test_restore_pg.py
  test_replica.py test_queues.py test_portal.py"}
PINGAN_API_PG= /usr/bin/env python3 tests/api/run.py "$results" "${1:-test_*.py}"; rc=$?
if [ -n "${PINGAN_TEST_PG:-}" ] && [ -z "${1:-}" ]; then
  PINGAN_API_PG=$PINGAN_TEST_PG /usr/bin/env python3 tests/api/run.py "$results" "$PG_API" api-pg \
    || rc=1
fi
exit $rc
