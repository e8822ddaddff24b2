# bench/lib.sh: what bench/run.sh and bench/load.sh share — sourced, not run. Logging,
# JSON reading, a scratch directory cleaned up on exit, free ports, waiting for a server,
# reading wrk's BENCH lines, building pingan and serving a fresh demo city logged in.
# It sets HERE (bench/), ROOT and the settings both scripts take: BENCH_THREADS (wrk
# threads, 2), BENCH_SEED (demo seed, 1), BENCH_KEEP (1: keep the scratch directory).

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
THREADS="${BENCH_THREADS:-2}"
SEED="${BENCH_SEED:-1}"
KEEP="${BENCH_KEEP:-0}"

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

# need TOOL...: each must be installed.
need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || die "$tool is not installed (scripts/setup.sh wrk installs it)"
	done
}

# json FILE FILTER: a jq filter (only the simple ones used below) with python3 as fallback.
if command -v jq >/dev/null; then
	json() { jq -r "$2" "$1"; }
else
	command -v python3 >/dev/null || die "need jq or python3 to read JSON"
	json() {
		python3 - "$1" "$2" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
f = sys.argv[2]
if f == ".token": print(d["token"])
elif f == ".items[].id": print("\n".join(str(i["id"]) for i in d["items"]))
elif f == ".items[].code": print("\n".join(str(i["code"]) for i in d["items"]))
elif f == ".id": print(d["id"])
else: sys.exit("json: unsupported filter " + f)
PYEOF
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
	log "WARNING: $WORK is on $FSTYPE: fsync costs nothing there, so intake figures mean little."
	log "         Set BENCH_TMPDIR to a directory on the disk pingan will use."
fi

# A loopback port nobody listens on (connection refused), below Linux's ephemeral range
# (32768 up): a port some client connection used lingers in TIME-WAIT after a run of wrk
# and cannot be bound for a while. Called in $(…): RANDOM alone may repeat there, as each
# subshell starts from its parent's state; BASHPID differs.
free_port() {
	local p _
	for _ in $(seq 1 200); do
		p=$((20000 + (RANDOM + BASHPID * 7919) % 12000))
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

# run_wrk OUT CONNS SECONDS SCRIPT URL: wrk with THREADS threads, its output into OUT
run_wrk() {
	wrk -t"$THREADS" -c"$2" -d"$3s" --timeout 10s -s "$4" "$5" >"$1" 2>&1 ||
		{ cat "$1" >&2; die "wrk failed"; }
	sed 's/^/    /' "$1" >&2
}

# detail FILE STATUS: the latency and error figures of one wrk run, on one line.
detail() {
	printf 'non-%s %s, p50 %s ms, p99 %s ms, socket errors %s, timeouts %s' "$2" \
		"$(field "$1" other)" "$(field "$1" p50_ms)" "$(field "$1" p99_ms)" \
		"$(field "$1" socket_errors)" "$(field "$1" timeouts)"
}

# revision: the checked-out commit, +dirty when the tree has changes.
revision() {
	local rev
	rev="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)"
	if [[ "$rev" != none ]] && [[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -n 1)" ]]; then
		rev="$rev+dirty"
	fi
	echo "$rev"
}

# build_pingan: PINGAN as given, or ../pingan built by make.
build_pingan() {
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
}

# With BENCH_PG=1 under tests/with-pg.sh: pingan's database on that server, its keys in
# WORK. BENCH_PG_URL is empty on SQLite.
BENCH_PG_URL=""
PG_BIN=/usr/lib/postgresql/15/bin
if [[ "${BENCH_PG:-0}" == 1 && -n "${PINGAN_TEST_PG:-}" ]]; then
	BENCH_PG_URL="${PINGAN_TEST_PG%/*}/pingan_bench"
	export PINGAN_STATE_DIR="$WORK"
fi
pg_admin() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$PINGAN_TEST_PG" -c "$1" >&2; }

# pg_commit_baseline SECONDS: one client committing one case-shaped INSERT per transaction
# on the server, as many as it can; prints "BENCH commits_per_sec=N".
pg_commit_baseline() {
	local url="${PINGAN_TEST_PG%/*}/pingan_baseline" tps
	pg_admin "CREATE DATABASE pingan_baseline"
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$url" -c "CREATE TABLE cases (id bigserial
		PRIMARY KEY, number text UNIQUE, type text, category text, status text, title text,
		description text, grid text, lng float8, lat float8, created_at bigint)" >&2
	printf "INSERT INTO cases (number, type, category, status, title, description, grid, lng,
		lat, created_at) VALUES ('N' || nextval('cases_id_seq'), 'dispute', 'neighbour',
		'reported', '邻里纠纷：楼上漏水', repeat('楼上住户卫生间漏水，多次协商未果。', 6),
		'429006101201001', 113.1, 30.6, extract(epoch from now())::bigint);\n" \
		>"$WORK/baseline.sql"
	tps="$("$PG_BIN/pgbench" -n -c 1 -T "$1" -f "$WORK/baseline.sql" "$url" 2>&1 |
		sed -n 's/^tps = \([0-9.]*\).*/\1/p' | tail -n 1)"
	[[ -n "$tps" ]] || die "pgbench gave no rate"
	echo "BENCH commits_per_sec=$tps"
}

# serve_demo [SERVE OPTIONS...]: a fresh demo city (SEED) served on a free loopback port;
# sets PINGAN_PID, BASE, TOKEN (city_admin's), AUTH, IDS (up to 100 case ids, commas),
# NIDS, FIRST_ID.
serve_demo() {
	local db="$WORK/pingan.db" port code
	if [[ -n "$BENCH_PG_URL" ]]; then
		pg_admin "CREATE DATABASE pingan_bench"
		db="$BENCH_PG_URL"
	fi
	log "creating the demo database (seed $SEED)"
	(cd "$ROOT" && "$PINGAN" demo --db "$db" --seed "$SEED") >"$WORK/demo.log" 2>&1 ||
		{ tail -n 30 "$WORK/demo.log" >&2; die "pingan demo failed (log above)"; }
	port="$(free_port)"
	BASE="http://127.0.0.1:$port"
	log "starting pingan on $BASE"
	(cd "$ROOT" && exec "$PINGAN" serve --db "$db" --listen "127.0.0.1:$port" "$@") \
		>"$WORK/serve.log" 2>&1 &
	PINGAN_PID=$!
	PIDS+=("$PINGAN_PID")
	wait_http "$BASE/healthz" "$PINGAN_PID" "$WORK/serve.log"

	code="$(curl -sS -o "$WORK/session.json" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' \
		-d '{"username":"city_admin","password":"Pingan@2026"}' "$BASE/api/v1/session")"
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
}

# check REQUEST-NAME WANT CURL-ARGS...: one request by hand, so a broken endpoint fails
# loudly before any measurement; the answer is left in $WORK/check.out.
check() {
	local name="$1" want="$2" code
	shift 2
	code="$(curl -sS -o "$WORK/check.out" -w '%{http_code}' -H "$AUTH" "$@")"
	[[ "$code" == "$want" ]] || { cat "$WORK/check.out" >&2; echo >&2; die "$name answered $code"; }
}

# The body intake.lua sends, taken from the script so the two cannot drift apart.
intake_body() {
	sed -n "/^wrk.body/,/^\$/p" "$HERE/intake.lua" | grep -o "'[^']*'" | tr -d "'\n"
}
