#!/usr/bin/env bash
# summary.sh: add up every suite's counts into the one closing line CI reads.
set -u
pass=0; fail=0
for f in "$1"/*.count; do
  [ -f "$f" ] || continue
  read -r p q < "$f"; pass=$((pass + p)); fail=$((fail + q))
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
