#!/usr/bin/env bash
# run-crash.sh: the crash-safety test — SIGKILL a loaded `pingan serve` again and again;
# nothing acknowledged may be lost (CRASH_KILLS=500 for the long form).
set -u
cd "$(dirname "$0")/.."
exec /usr/bin/env python3 tests/crash/run.py "${RESULTS:-build/test-results}"
