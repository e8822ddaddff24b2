#!/usr/bin/env bash
# run-crash.sh: the crash-safety test — SIGKILL a loaded `pingan serve` again and again;
# nothing acknowledged may be lost (CRASH_KILLS=500 for the long form). With
# PINGAN_TEST_PG set (tests/with-pg.sh) it runs again on PostgreSQL (CRASH_PG_KILLS, 20 by
# default: each check reads the store through psql).
set -u
cd "$(dirname "$0")/.."
results=${RESULTS:-build/test-results}
PINGAN_API_PG= /usr/bin/env python3 tests/crash/run.py "$results"; rc=$?
if [ -n "${PINGAN_TEST_PG:-}" ]; then
  PINGAN_API_PG=$PINGAN_TEST_PG CRASH_KILLS=${CRASH_PG_KILLS:-20} \
    /usr/bin/env python3 tests/crash/run.py "$results" crash-pg || rc=1
fi
exit $rc
