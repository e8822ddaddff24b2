#!/usr/bin/env bash
# run-api.sh: the API tests — real `pingan serve` on loopback ports, fresh databases.
set -u
cd "$(dirname "$0")/.."
exec /usr/bin/env python3 tests/api/run.py "${RESULTS:-build/test-results}" "${1:-test_*.py}"
