#!/usr/bin/env bash
# bench/run.sh: pingan's benchmark suite (not part of `make test`). See bench/README.md.
#
# Measures, side by side in one run on this machine, each figure against a baseline
# measured in the same run, and reports the RATIOS:
#   (a) durable case intake over HTTP (POST /api/v1/cases, 201s per second)
#       vs one SQLite synchronous=FULL commit per case    (sqlite_commit_baseline.c)
#   (b) GET /api/v1/cases/{id} requests per second
#       vs a trivial libmicrohttpd JSON responder          (trivial_mhd.c)
#
# Settings (environment):
#   BENCH_SECONDS=10        duration of each of the four measurements
#   BENCH_THREADS=2         wrk threads
#   BENCH_CONNS_INTAKE=64   wrk connections for (a)
#   BENCH_CONNS_GET=32      wrk connections for (b)
#   BENCH_WARMUP=1          seconds of wrk warm-up before each (b) measurement (0: none)
#   BENCH_SEED=1            demo database seed
#   BENCH_TMPDIR            where the scratch directory goes (default $TMPDIR or /tmp);
#                           it must be on a real disk, not tmpfs, for (a) to mean anything
#   BENCH_KEEP=0            1: keep the scratch directory (databases, logs)
#   BENCH_STRICT=0          1: exit with status 1 when a target is missed
#   PINGAN                  a pingan binary to use as is (default: ../pingan, built by make)
#   BENCH_PG=0              1: pingan on PostgreSQL (a throw-away server, tests/with-pg.sh),
#                           and (a)'s baseline one INSERT committed per transaction on that
#                           server (pgbench, one client, synchronous_commit on)
set -euo pipefail
if [[ "${BENCH_PG:-0}" == 1 && -z "${PINGAN_TEST_PG:-}" ]]; then
	exec "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/with-pg.sh" \
		"$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/run.sh" "$@"
fi

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SECONDS_EACH="${BENCH_SECONDS:-10}"
CONNS_A="${BENCH_CONNS_INTAKE:-64}"
CONNS_B="${BENCH_CONNS_GET:-32}"
WARMUP="${BENCH_WARMUP:-1}"
STRICT="${BENCH_STRICT:-0}"
TARGET_A=3
TARGET_B=0.5
need gcc pkg-config wrk curl
[[ "$SECONDS_EACH" =~ ^[0-9]+$ && "$SECONDS_EACH" -gt 0 ]] || die "BENCH_SECONDS must be a positive integer"

# ---- build ----------------------------------------------------------------------------
log "building the baselines in $WORK"
# shellcheck disable=SC2046 # pkg-config output is meant to split into words
gcc -std=c17 -O2 -Wall -o "$WORK/sqlite_commit_baseline" "$HERE/sqlite_commit_baseline.c" \
	$(pkg-config --cflags --libs sqlite3)
# shellcheck disable=SC2046
gcc -std=c17 -O2 -Wall -pthread -o "$WORK/trivial_mhd" "$HERE/trivial_mhd.c" \
	$(pkg-config --cflags --libs libmicrohttpd)

build_pingan

# ---- pingan: demo database and server --------------------------------------------------
serve_demo

# One request of each kind by hand first, so a broken endpoint fails loudly here.
check "GET /api/v1/cases/$FIRST_ID" 200 "$BASE/api/v1/cases/$FIRST_ID"
CASE_BYTES="$(wc -c <"$WORK/check.out")"
check "POST /api/v1/cases" 201 -X POST -H 'Content-Type: application/json' \
	--data-binary "$(intake_body)" "$BASE/api/v1/cases"

export BENCH_TOKEN="$TOKEN" BENCH_IDS="$IDS"

# warm_up URL: a short unreported GET run (caches, threads), BENCH_WARMUP seconds.
warm_up() {
	[[ "$WARMUP" -gt 0 ]] || return 0
	wrk -t"$THREADS" -c"$CONNS_B" -d"${WARMUP}s" --timeout 10s -s "$HERE/get_case.lua" "$1" \
		>"$WORK/warmup.txt" 2>&1 || { cat "$WORK/warmup.txt" >&2; die "wrk warm-up failed"; }
}

# ---- (a) durable intake ------------------------------------------------------------------
if [[ -n "$BENCH_PG_URL" ]]; then
	log "(a) baseline: one INSERT per transaction on PostgreSQL (pgbench), ${SECONDS_EACH}s"
	pg_commit_baseline "$SECONDS_EACH" >"$WORK/a-baseline.txt"
	A_WHAT="PostgreSQL 15, synchronous_commit=on, fsync=on, one INSERT per transaction (pgbench, 1 client)"
else
	log "(a) baseline: one synchronous=FULL commit per row, ${SECONDS_EACH}s"
	"$WORK/sqlite_commit_baseline" --db "$WORK/baseline.db" --seconds "$SECONDS_EACH" \
		>"$WORK/a-baseline.txt" || die "sqlite_commit_baseline failed"
	A_WHAT="SQLite WAL, synchronous=FULL, one INSERT per transaction"
fi
sed 's/^/    /' "$WORK/a-baseline.txt" >&2
rm -f "$WORK"/baseline.db*
sleep 1

log "(a) pingan: POST /api/v1/cases, $CONNS_A connections, ${SECONDS_EACH}s"
run_wrk "$WORK/a-pingan.txt" "$CONNS_A" "$SECONDS_EACH" "$HERE/intake.lua" "$BASE"
sleep 1

# ---- (b) GET one case ----------------------------------------------------------------------
TPORT="$(free_port)"
TBASE="http://127.0.0.1:$TPORT"
log "(b) baseline: trivial libmicrohttpd responder on $TBASE, $CONNS_B connections, ${SECONDS_EACH}s"
"$WORK/trivial_mhd" "$TPORT" >"$WORK/trivial.log" 2>&1 &
TRIVIAL_PID=$!
PIDS+=("$TRIVIAL_PID")
wait_http "$TBASE/" "$TRIVIAL_PID" "$WORK/trivial.log"
warm_up "$TBASE"
run_wrk "$WORK/b-trivial.txt" "$CONNS_B" "$SECONDS_EACH" "$HERE/get_case.lua" "$TBASE"
kill "$TRIVIAL_PID" 2>/dev/null || true
wait "$TRIVIAL_PID" 2>/dev/null || true
sleep 1

log "(b) pingan: GET /api/v1/cases/{id} over $NIDS ids, $CONNS_B connections, ${SECONDS_EACH}s"
warm_up "$BASE"
run_wrk "$WORK/b-pingan.txt" "$CONNS_B" "$SECONDS_EACH" "$HERE/get_case.lua" "$BASE"

# ---- report -------------------------------------------------------------------------------
A_BASE="$(field "$WORK/a-baseline.txt" commits_per_sec)"
A_PA="$(field "$WORK/a-pingan.txt" ok_per_sec)"
B_BASE="$(field "$WORK/b-trivial.txt" ok_per_sec)"
B_PA="$(field "$WORK/b-pingan.txt" ok_per_sec)"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r != "n/a" && r + 0 >= t + 0) ? "PASS" : "MISS" }'; }
R_A="$(ratio "$A_PA" "$A_BASE")"
R_B="$(ratio "$B_PA" "$B_BASE")"
V_A="$(verdict "$R_A" "$TARGET_A")"
V_B="$(verdict "$R_B" "$TARGET_B")"

REV="$(revision)"

REPORT="$WORK/report.txt"
{
	printf 'pingan benchmark  %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf 'host %s, %s cpus, %s, scratch fs %s, revision %s, store %s\n' "$(uname -n)" \
		"$(nproc)" "$(uname -sr)" "$FSTYPE" "$REV" "$([[ -n "$BENCH_PG_URL" ]] && echo postgresql || echo sqlite)"
	printf '%s s per measurement, wrk %s threads, (a) %s connections, (b) %s connections over %s ids (case JSON %s bytes)\n' \
		"$SECONDS_EACH" "$THREADS" "$CONNS_A" "$CONNS_B" "$NIDS" "$CASE_BYTES"
	echo
	printf '%-32s %22s %22s %7s %8s %s\n' "measurement" "baseline" "pingan" "ratio" "target" "result"
	printf '%-32s %22s %22s %7s %8s %s\n' "(a) durable intake" "$A_BASE commits/s" \
		"$A_PA cases/s" "$R_A" ">= $TARGET_A" "$V_A"
	printf '%-32s %22s %22s %7s %8s %s\n' "(b) GET /api/v1/cases/{id}" "$B_BASE req/s" \
		"$B_PA req/s" "$R_B" ">= $TARGET_B" "$V_B"
	echo
	printf '(a) baseline: %s\n' "$A_WHAT"
	printf '(a) pingan:   %s\n' "$(detail "$WORK/a-pingan.txt" 201)"
	printf '(b) trivial:  %s\n' "$(detail "$WORK/b-trivial.txt" 200)"
	printf '(b) pingan:   %s\n' "$(detail "$WORK/b-pingan.txt" 200)"
	for f in a-pingan b-pingan; do
		if [[ "$(field "$WORK/$f.txt" other)" != 0 ]]; then
			printf 'WARNING: %s had unexpected responses:\n' "$f"
			grep -E '^  (status|first other body)' "$WORK/$f.txt" || true
		fi
	done
} >"$REPORT"

echo >&2
cat "$REPORT"
OUT="$HERE/results-latest${BENCH_PG_URL:+-pg}.txt"
cp "$REPORT" "$OUT"
log "written to $OUT"

if [[ "$STRICT" == 1 && ( "$V_A" != PASS || "$V_B" != PASS ) ]]; then
	exit 1
fi
