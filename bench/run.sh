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
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"

SECONDS_EACH="${BENCH_SECONDS:-10}"
THREADS="${BENCH_THREADS:-2}"
CONNS_A="${BENCH_CONNS_INTAKE:-64}"
CONNS_B="${BENCH_CONNS_GET:-32}"
WARMUP="${BENCH_WARMUP:-1}"
SEED="${BENCH_SEED:-1}"
KEEP="${BENCH_KEEP:-0}"
STRICT="${BENCH_STRICT:-0}"
TARGET_A=3
TARGET_B=0.5
USERNAME=city_admin
PASSWORD='Pingan@2026'

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

for tool in gcc pkg-config wrk curl; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done
[[ "$SECONDS_EACH" =~ ^[0-9]+$ && "$SECONDS_EACH" -gt 0 ]] || die "BENCH_SECONDS must be a positive integer"

# json FILE FILTER: a jq filter (only the simple ones used below) with python3 as fallback.
if command -v jq >/dev/null; then
	json() { jq -r "$2" "$1"; }
else
	command -v python3 >/dev/null || die "need jq or python3 to read JSON"
	json() {
		python3 - "$1" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
f = sys.argv[2]
if f == ".token": print(d["token"])
elif f == ".items[].id": print("\n".join(str(i["id"]) for i in d["items"]))
elif f == ".id": print(d["id"])
else: sys.exit("json: unsupported filter " + f)
EOF
	}
fi

# ---- scratch directory and clean-up -------------------------------------------------
WORK="$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/pingan-bench.XXXXXX")"
PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [[ "$KEEP" == 1 ]]; then
		log "kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

FSTYPE="$(stat -f -c %T "$WORK" 2>/dev/null || echo unknown)"
if [[ "$FSTYPE" == tmpfs || "$FSTYPE" == ramfs ]]; then
	log "WARNING: $WORK is on $FSTYPE: fsync costs nothing there, so (a) is meaningless."
	log "         Set BENCH_TMPDIR to a directory on the disk pingan will use."
fi

# A loopback port nobody listens on (connection refused).
free_port() {
	local p _
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	die "no free loopback port found"
}

# wait_http URL PID LOGFILE: until URL answers 200, or fail if PID has exited.
wait_http() {
	local _
	for _ in $(seq 1 300); do
		if curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$2" 2>/dev/null; then
			tail -n 30 "$3" >&2 || true
			die "server exited before $1 answered (log above)"
		fi
		sleep 0.1
	done
	tail -n 30 "$3" >&2 || true
	die "$1 did not answer within 30 s"
}

# field FILE NAME: the value of NAME=VALUE on the last "BENCH " line of FILE.
field() {
	local v
	v="$(grep '^BENCH ' "$1" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p")"
	[[ -n "$v" ]] || die "no $2 in $1"
	echo "$v"
}

# ---- build ----------------------------------------------------------------------------
log "building the baselines in $WORK"
# shellcheck disable=SC2046 # pkg-config output is meant to split into words
gcc -std=c17 -O2 -Wall -o "$WORK/sqlite_commit_baseline" "$HERE/sqlite_commit_baseline.c" \
	$(pkg-config --cflags --libs sqlite3)
# shellcheck disable=SC2046
gcc -std=c17 -O2 -Wall -pthread -o "$WORK/trivial_mhd" "$HERE/trivial_mhd.c" \
	$(pkg-config --cflags --libs libmicrohttpd)

if [[ -n "${PINGAN:-}" ]]; then
	[[ -x "$PINGAN" ]] || die "PINGAN=$PINGAN is not an executable"
	PINGAN="$(cd "$(dirname "$PINGAN")" && pwd)/$(basename "$PINGAN")"
else
	[[ -f "$ROOT/Makefile" ]] || die "no $ROOT/Makefile: pingan cannot be built yet"
	log "make -C $ROOT"
	make -C "$ROOT" >&2 || die "make failed: pingan does not build"
	PINGAN="$ROOT/pingan"
	[[ -x "$PINGAN" ]] || die "make did not produce $PINGAN"
fi

# ---- pingan: demo database and server --------------------------------------------------
DB="$WORK/pingan.db"
log "creating the demo database (seed $SEED)"
(cd "$ROOT" && "$PINGAN" demo --db "$DB" --seed "$SEED") >"$WORK/demo.log" 2>&1 ||
	{ tail -n 30 "$WORK/demo.log" >&2; die "pingan demo failed (log above)"; }

PORT="$(free_port)"
BASE="http://127.0.0.1:$PORT"
log "starting pingan on $BASE"
(cd "$ROOT" && exec "$PINGAN" serve --db "$DB" --listen "127.0.0.1:$PORT") \
	>"$WORK/serve.log" 2>&1 &
PINGAN_PID=$!
PIDS+=("$PINGAN_PID")
wait_http "$BASE/healthz" "$PINGAN_PID" "$WORK/serve.log"

code="$(curl -sS -o "$WORK/session.json" -w '%{http_code}' -X POST \
	-H 'Content-Type: application/json' \
	-d "{\"username\":\"$USERNAME\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/session")"
[[ "$code" == 200 ]] || { cat "$WORK/session.json" >&2; die "log-in answered $code"; }
TOKEN="$(json "$WORK/session.json" .token)"
[[ -n "$TOKEN" && "$TOKEN" != null ]] || die "no token in the log-in answer"
AUTH="Authorization: Bearer $TOKEN"

code="$(curl -sS -o "$WORK/cases.json" -w '%{http_code}' -H "$AUTH" "$BASE/api/v1/cases?limit=100")"
[[ "$code" == 200 ]] || { cat "$WORK/cases.json" >&2; die "GET /api/v1/cases answered $code"; }
IDS="$(json "$WORK/cases.json" '.items[].id' | paste -sd, -)"
[[ -n "$IDS" ]] || die "the demo database lists no cases"
NIDS="$(tr ',' '\n' <<<"$IDS" | wc -l)"
FIRST_ID="${IDS%%,*}"

# One request of each kind by hand first, so a broken endpoint fails loudly here.
code="$(curl -sS -o "$WORK/get1.json" -w '%{http_code}' -H "$AUTH" "$BASE/api/v1/cases/$FIRST_ID")"
[[ "$code" == 200 ]] || { cat "$WORK/get1.json" >&2; die "GET /api/v1/cases/$FIRST_ID answered $code"; }
CASE_BYTES="$(wc -c <"$WORK/get1.json")"
# The body intake.lua sends, taken from the script so the two cannot drift apart.
BODY="$(sed -n "/^wrk.body/,/^\$/p" "$HERE/intake.lua" | grep -o "'[^']*'" | tr -d "'\n")"
code="$(curl -sS -o "$WORK/post1.json" -w '%{http_code}' -X POST -H "$AUTH" \
	-H 'Content-Type: application/json' --data-binary "$BODY" "$BASE/api/v1/cases")"
[[ "$code" == 201 ]] || { cat "$WORK/post1.json" >&2; echo >&2; die "POST /api/v1/cases answered $code"; }

export BENCH_TOKEN="$TOKEN" BENCH_IDS="$IDS"

# run_wrk OUT CONNS SECONDS SCRIPT URL
run_wrk() {
	wrk -t"$THREADS" -c"$2" -d"$3s" --timeout 10s -s "$4" "$5" >"$1" 2>&1 ||
		{ cat "$1" >&2; die "wrk failed"; }
	sed 's/^/    /' "$1" >&2
}

# warm_up URL: a short unreported GET run (caches, threads), BENCH_WARMUP seconds.
warm_up() {
	[[ "$WARMUP" -gt 0 ]] || return 0
	wrk -t"$THREADS" -c"$CONNS_B" -d"${WARMUP}s" --timeout 10s -s "$HERE/get_case.lua" "$1" \
		>"$WORK/warmup.txt" 2>&1 || { cat "$WORK/warmup.txt" >&2; die "wrk warm-up failed"; }
}

# ---- (a) durable intake ------------------------------------------------------------------
log "(a) baseline: one synchronous=FULL commit per row, ${SECONDS_EACH}s"
"$WORK/sqlite_commit_baseline" --db "$WORK/baseline.db" --seconds "$SECONDS_EACH" \
	>"$WORK/a-baseline.txt" || die "sqlite_commit_baseline failed"
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

# detail FILE: the latency and error figures of one wrk run, on one line.
detail() {
	printf 'non-%s %s, p50 %s ms, p99 %s ms, socket errors %s, timeouts %s' "$2" \
		"$(field "$1" other)" "$(field "$1" p50_ms)" "$(field "$1" p99_ms)" \
		"$(field "$1" socket_errors)" "$(field "$1" timeouts)"
}
REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)"
if [[ "$REV" != none ]] && [[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -n 1)" ]]; then
	REV="$REV+dirty"
fi

REPORT="$WORK/report.txt"
{
	printf 'pingan benchmark  %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	printf 'host %s, %s cpus, %s, scratch fs %s, revision %s\n' "$(uname -n)" "$(nproc)" \
		"$(uname -sr)" "$FSTYPE" "$REV"
	printf '%s s per measurement, wrk %s threads, (a) %s connections, (b) %s connections over %s ids (case JSON %s bytes)\n' \
		"$SECONDS_EACH" "$THREADS" "$CONNS_A" "$CONNS_B" "$NIDS" "$CASE_BYTES"
	echo
	printf '%-32s %22s %22s %7s %8s %s\n' "measurement" "baseline" "pingan" "ratio" "target" "result"
	printf '%-32s %22s %22s %7s %8s %s\n' "(a) durable intake" "$A_BASE commits/s" \
		"$A_PA cases/s" "$R_A" ">= $TARGET_A" "$V_A"
	printf '%-32s %22s %22s %7s %8s %s\n' "(b) GET /api/v1/cases/{id}" "$B_BASE req/s" \
		"$B_PA req/s" "$R_B" ">= $TARGET_B" "$V_B"
	echo
	printf '(a) baseline: SQLite WAL, synchronous=FULL, one INSERT per transaction\n'
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
cp "$REPORT" "$HERE/results-latest.txt"
log "written to $HERE/results-latest.txt"

if [[ "$STRICT" == 1 && ( "$V_A" != PASS || "$V_B" != PASS ) ]]; then
	exit 1
fi
