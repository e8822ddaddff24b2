#!/usr/bin/env bash
# bench/load.sh: pingan's load test (not part of `make test`). See bench/README.md.
#
# Serves a fresh demo city and loads, one after another for a fixed time each, with wrk:
#   intake     POST /api/v1/cases (a new dispute case, bearer token)      expects 201
#   case page  GET /api/v1/cases/{id} over up to 100 demo case ids          expects 200
#   stats      GET /api/v1/stats over the city and its towns, by child
#              region, by month over a year and by unit                     expects 200
# and reports for each requests/s, errors and p50/p90/p99 latency, with the writer's mean
# batch size during intake (from /metrics). Any error — another status (counted by the
# Lua response hook), a socket error or a timeout — makes it exit 1: the promise is zero.
#
# Settings (environment):
#   LOAD_SECONDS=20     duration of each of the three runs
#   LOAD_CONNS=32       wrk connections
#   BENCH_THREADS=2     wrk threads
#   BENCH_SEED=1        demo database seed
#   BENCH_TMPDIR        where the scratch directory goes (default $TMPDIR or /tmp)
#   BENCH_KEEP=0        1: keep the scratch directory (databases, logs)
#   PINGAN              a pingan binary to use as is (default: ../pingan, built by make)
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SECONDS_EACH="${LOAD_SECONDS:-20}"
CONNS="${LOAD_CONNS:-32}"
"$ROOT/scripts/setup.sh" wrk >&2 || die "scripts/setup.sh wrk failed"
need wrk curl
[[ "$SECONDS_EACH" =~ ^[0-9]+$ && "$SECONDS_EACH" -gt 0 ]] || die "LOAD_SECONDS must be a positive integer"

build_pingan
MPORT="$(free_port)"
serve_demo --metrics-listen "127.0.0.1:$MPORT"
MBASE="http://127.0.0.1:$MPORT"

# the towns of the demo city, and a year of months ending now (China time)
curl -sS -o "$WORK/towns.json" -H "$AUTH" "$BASE/api/v1/regions?parent=429006"
REGIONS="429006,$(json "$WORK/towns.json" '.items[].code' | paste -sd, -)"
TO="$(TZ=Asia/Shanghai date +%Y-%m)"
FROM="$(TZ=Asia/Shanghai date -d "$(date +%Y-%m-15) -11 months" +%Y-%m)"
export BENCH_TOKEN="$TOKEN" BENCH_IDS="$IDS" BENCH_REGIONS="$REGIONS" BENCH_FROM="$FROM" BENCH_TO="$TO"

check "GET /api/v1/cases/$FIRST_ID" 200 "$BASE/api/v1/cases/$FIRST_ID"
check "GET /api/v1/stats" 200 "$BASE/api/v1/stats?region=429006&from=$FROM&to=$TO&group=month"
check "POST /api/v1/cases" 201 -X POST -H 'Content-Type: application/json' \
	--data-binary "$(intake_body)" "$BASE/api/v1/cases"

# writer VALUE: a writer metric's value now (the batch size histogram's _sum or _count)
writer() {
	curl -fsS "$MBASE/metrics" | sed -n "s/^pingan_writer_batch_size_$1 //p"
}

jobs0="$(writer sum)"
batches0="$(writer count)"
log "intake: POST /api/v1/cases, $CONNS connections, ${SECONDS_EACH}s"
run_wrk "$WORK/intake.txt" "$CONNS" "$SECONDS_EACH" "$HERE/intake.lua" "$BASE"
BATCH="$(awk -v j="$(( $(writer sum) - jobs0 ))" -v b="$(( $(writer count) - batches0 ))" \
	'BEGIN { if (b > 0) printf "%.1f", j / b; else print "n/a" }')"
sleep 1
log "case page: GET /api/v1/cases/{id} over $NIDS ids, $CONNS connections, ${SECONDS_EACH}s"
run_wrk "$WORK/case.txt" "$CONNS" "$SECONDS_EACH" "$HERE/get_case.lua" "$BASE"
sleep 1
NREG="$(tr ',' '\n' <<<"$REGIONS" | wc -l)"
log "stats: GET /api/v1/stats over $NREG regions × 4 groupings, $CONNS connections, ${SECONDS_EACH}s"
run_wrk "$WORK/stats.txt" "$CONNS" "$SECONDS_EACH" "$HERE/stats.lua" "$BASE"

# ---- report -------------------------------------------------------------------------------
errors() {
	echo $(( $(field "$1" other) + $(field "$1" socket_errors) + $(field "$1" timeouts) ))
}
REPORT="$WORK/load-report.txt"
total_errors=0
{
	printf 'pingan load test  %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf 'host %s, %s cpus, %s, scratch fs %s, revision %s\n' "$(uname -n)" "$(nproc)" \
		"$(uname -sr)" "$FSTYPE" "$(revision)"
	printf '%s s each, wrk %s threads, %s connections, demo seed %s\n\n' "$SECONDS_EACH" \
		"$THREADS" "$CONNS" "$SEED"
	printf '%-12s %10s %8s %9s %9s %9s %9s\n' "run" "req/s" "errors" "p50 ms" "p90 ms" \
		"p99 ms" "max ms"
	for run in intake case stats; do
		f="$WORK/$run.txt"
		printf '%-12s %10s %8s %9s %9s %9s %9s\n' "$run" "$(field "$f" ok_per_sec)" \
			"$(errors "$f")" "$(field "$f" p50_ms)" "$(field "$f" p90_ms)" \
			"$(field "$f" p99_ms)" "$(field "$f" max_ms)"
	done
	printf '\nintake: %s cases per writer commit on average\n' "$BATCH"
	for run in intake case stats; do
		if [[ "$(errors "$WORK/$run.txt")" != 0 ]]; then
			printf 'ERRORS in %s:\n' "$run"
			grep -E '^  (status|first other body)' "$WORK/$run.txt" || true
			printf '  socket errors %s, timeouts %s\n' "$(field "$WORK/$run.txt" socket_errors)" \
				"$(field "$WORK/$run.txt" timeouts)"
		fi
	done
} >"$REPORT"
for run in intake case stats; do
	total_errors=$((total_errors + $(errors "$WORK/$run.txt")))
done

echo >&2
cat "$REPORT"
cp "$REPORT" "$HERE/load-latest.txt"
log "written to $HERE/load-latest.txt"
[[ "$total_errors" == 0 ]] || die "$total_errors errors under load"
