#!/usr/bin/env bash
# run-unit.sh: run each cmocka unit-test binary; record passed/failed counts.
set -u
out=${RESULTS:-build/test-results}
mkdir -p "$out"
pass=0; fail=0
for t in "$@"; do
  log="$out/$(basename "$t").log"
  (cd "$(dirname "$0")/.." && "$t") >"$log" 2>&1; rc=$?
  p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
  f=$(grep -Eo '^\[  FAILED  \] [0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
  p=${p:-0}; f=${f:-0}
  if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  pass=$((pass + p)); fail=$((fail + f))
  if [ "$f" -ne 0 ]; then echo "FAIL $(basename "$t")"; cat "$log"; else echo "ok   $(basename "$t") ($p)"; fi
done
echo "$pass $fail" > "$out/unit.count"
echo "unit: $pass passed, $fail failed"
[ $fail -eq 0 ]
