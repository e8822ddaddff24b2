#!/usr/bin/env bash
# run-fuzz.sh: replay each fuzz target's committed corpus (fuzz/corpus/TARGET) through the
# target built with gcc's sanitizers and replay.c; every input is a test, failed when its
# run ends in a sanitizer report, a broken invariant or a crash (the replay then goes on
# from the next input). Usage: tests/run-fuzz.sh BUILD_DIR TARGET…
set -u
cd "$(dirname "$0")/.."
out=${RESULTS:-build/test-results}
dir=$1; shift
mkdir -p "$out"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
pass=0; fail=0
for t in "$@"; do
  mapfile -t files < <(find "fuzz/corpus/$t" -type f | LC_ALL=C sort)
  log="$out/fuzz-$t.log"; : > "$log"
  i=0; p=0; f=0
  while [ $i -lt ${#files[@]} ]; do
    run="$out/fuzz-$t.run"
    ("$dir/replay-$t" "${files[@]:$i}") >"$run" 2>&1; rc=$?
    cat "$run" >> "$log"
    done_here=$(grep -ac '^ok ' "$run")
    i=$((i + done_here)); p=$((p + done_here))
    if [ $rc -ne 0 ]; then
      echo "FAIL fuzz $t: ${files[$i]:-(at exit)} (exit $rc)"; grep -av '^ok \|^run ' "$run" | tail -40
      i=$((i + 1)); f=$((f + 1))
    fi
  done
  rm -f "$out/fuzz-$t.run"
  [ $f -eq 0 ] && echo "ok   fuzz $t ($p inputs)"
  pass=$((pass + p)); fail=$((fail + f))
done
echo "$pass $fail" > "$out/fuzz.count"
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]
