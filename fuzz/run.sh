#!/usr/bin/env bash
# run.sh: libFuzzer on each target for SECONDS (make fuzz), starting from the committed
# corpus; the new inputs that reach code the corpus did not are then merged into
# fuzz/corpus/TARGET (commit them if they are worth keeping), and a crash is kept in
# BUILD/findings/TARGET. Usage: fuzz/run.sh BUILD SECONDS TARGET…
set -u
cd "$(dirname "$0")/.."
build=$1; secs=$2; shift 2
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
rc=0
for t in "$@"; do
  bin="$build/fuzz/libfuzzer-$t" work="$build/corpus/$t" found="$build/findings/$t"
  log="$build/fuzz-$t.log"
  mkdir -p "$work" "$found" "fuzz/corpus/$t"
  dict=(); [ -f "fuzz/dict/$t.dict" ] && dict=(-dict="fuzz/dict/$t.dict")
  echo "fuzz: $t for ${secs}s"
  if ! "$bin" -max_total_time="$secs" -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 \
       -artifact_prefix="$found/" "${dict[@]}" "$work" "fuzz/corpus/$t" >"$log" 2>&1; then
    rc=1
    echo "fuzz: $t: a finding in $found (log $log)"
    grep -E 'ERROR|SUMMARY|invariant|runtime error|^Test unit written' "$log" | head -20
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|cov: ' "$log" | tail -3
  before=$(find "fuzz/corpus/$t" -type f | wc -l)
  "$bin" -merge=1 "fuzz/corpus/$t" "$work" >>"$log" 2>&1 || rc=1
  echo "fuzz: $t: corpus $before → $(find "fuzz/corpus/$t" -type f | wc -l) inputs"
done
exit $rc
