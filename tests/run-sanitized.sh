#!/usr/bin/env bash
# run-sanitized.sh: the unit and API suites against a build with AddressSanitizer and
# UndefinedBehaviorSanitizer (make test-sanitize): the unit tests named, the API tests
# against DIR/pingan. Every process (server, command line, unit test) writes its sanitizer
# reports under DIR/reports instead of a stderr nobody reads, and any report fails the run,
# whatever the tests said. Usage: tests/run-sanitized.sh DIR UNIT_TEST…
set -u
cd "$(dirname "$0")/.."
dir=$1; shift
reports="$PWD/$dir/reports"
rm -rf "$reports" && mkdir -p "$reports"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
export RESULTS="$dir/test-results"
rm -rf "$RESULTS" && mkdir -p "$RESULTS"
export PINGAN_BIN="$dir/pingan"
tests/run-unit.sh "$@"; u=$?
tests/run-api.sh; a=$?
# a report some runtime printed on stderr after all, in a unit test's log
grep -las 'runtime error:\|Sanitizer' "$RESULTS"/*.log | while read -r l; do cp "$l" "$reports/"; done
n=$(find "$reports" -type f | wc -l)
for r in $(find "$reports" -type f | sort); do echo "== $r"; head -60 "$r"; done
echo "sanitizers: $n reports"
echo "$((n == 0)) $((n != 0))" > "$RESULTS/sanitizers.count"
tests/summary.sh "$RESULTS"; s=$?
[ $u -eq 0 ] && [ $a -eq 0 ] && [ $n -eq 0 ] && [ $s -eq 0 ]
