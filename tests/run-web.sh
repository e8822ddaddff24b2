#!/usr/bin/env bash
# run-web.sh: the browser tests — playwright-core driving Debian's Chromium (headless)
# through the built web face on a real `pingan serve` over a copy of the demo city.
set -u
cd "$(dirname "$0")/.."
exec /usr/bin/env python3 tests/web/run.py "${RESULTS:-build/test-results}" "${1:-test_*.mjs}"
