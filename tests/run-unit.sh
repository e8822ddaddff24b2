#!/usr/bin/env bash
# run-unit.sh: run each cmocka unit-test binary; record passed/failed counts. With
# PINGAN_TEST_PG set (tests/with-pg.sh), the binaries named in PG_UNIT run a second time
# against that PostgreSQL server (tests/unit/tmpdb.h).
set -u
out=${RESULTS:-build/test-results}
mkdir -p "$out"
pass=0; fail=0
runs=()
for t in "$@"; do runs+=("sqlite:$t"); done
if [ -n "${PINGAN_TEST_PG:-}" ]; then
  for t in ${PG_UNIT:-}; do runs+=("pg:$t"); done
fi
# every message pingan shows a person has its Chinese in data/messages.conf
if (cd "$(dirname "$0")/.." && python3 scripts/messages-check.py) >"$out/messages-check.log" 2>&1; then
  echo "ok   messages-check ($(tail -1 "$out/messages-check.log"))"; pass=$((pass + 1))
else
  echo "FAIL messages-check"; cat "$out/messages-check.log"; fail=$((fail + 1))
fi
for run in "${runs[@]}"; do
  backend=${run%%:*}; t=${run#*:}; sfx=""
  [ "$backend" = pg ] && sfx=" (postgresql)"
  log="$out/$(basename "$t")${sfx:+-pg}.log"
  if [ "$backend" = pg ]; then
    (cd "$(dirname "$0")/.." && "$t") >"$log" 2>&1; rc=$?
  else
    (cd "$(dirname "$0")/.." && PINGAN_TEST_PG= "$t") >"$log" 2>&1; rc=$?
  fi
  p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
  f=$(grep -Eo '^\[  FAILED  \] [0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
  p=${p:-0}; f=${f:-0}
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  pass=$((pass + p)); fail=$((fail + f))
  if [ "$f" -ne 0 ]; then echo "FAIL $(basename "$t")$sfx"; cat "$log"; else echo "ok   $(basename "$t")$sfx ($p)"; fi
done
echo "$pass $fail" > "$out/unit.count"
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ]
