/* pg.c: the PostgreSQL backend's connections — open with synchronous_commit on, statements
 * prepared on first use (and again after a reconnect), errors by SQLSTATE, the retry of
 * serialization failures and deadlocks, and the writer's transactions. */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/pg.h"

/* Every writer, of any process, takes this lock for its transaction: one writer at a time,
 * as SQLite's BEGIN IMMEDIATE makes it, so the audit chain's head read at the start stays
 * the head until COMMIT. The number is pingan's own ("pingan" in ASCII). */
#define WRITER_LOCK "SELECT pg_advisory_xact_lock(112105110103097110)"

static _Thread_local char last_state[6];

const char *pg_last_state(void)
{
	return last_state;
}

/* ---- parameters ---- */

void pg_text(struct pg_args *a, const char *s)
{
	a->v[a->n++] = s;
}

void pg_int(struct pg_args *a, int64_t v)
{
	snprintf(a->buf[a->n], sizeof a->buf[a->n], "%lld", (long long)v);
	a->v[a->n] = a->buf[a->n];
	a->n++;
}

void pg_id(struct pg_args *a, int64_t v)
{
	if (v)
		pg_int(a, v);
	else
		pg_text(a, NULL);
}

void pg_dbl(struct pg_args *a, double v)
{
	snprintf(a->buf[a->n], sizeof a->buf[a->n], "%.17g", v);
	a->v[a->n] = a->buf[a->n];
	a->n++;
}

void pg_bytes(struct pg_args *a, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *o = a->buf[a->n];
	*o++ = '\\';
	*o++ = 'x';
	for (size_t i = 0; i < n && i < 32; i++) {
		*o++ = hex[p[i] >> 4];
		*o++ = hex[p[i] & 15];
	}
	*o = 0;
	a->v[a->n] = a->buf[a->n];
	a->n++;
}

void pg_scope(struct pg_args *a, const struct pa_scope *s)
{
	pg_text(a, s->region);
	snprintf(a->buf[a->n], sizeof a->buf[a->n], "%s~", s->region);
	a->v[a->n] = a->buf[a->n];
	a->n++;
	if (s->by_unit)
		pg_int(a, s->unit_id);
	else
		pg_text(a, NULL);
}

/* ---- columns ---- */

const char *pg_s(const PGresult *r, int row, int col)
{
	return PQgetvalue(r, row, col);
}

const char *pg_a(struct pa_arena *a, const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	return pa_strndup(a, PQgetvalue(r, row, col), (size_t)PQgetlength(r, row, col));
}

int64_t pg_i(const PGresult *r, int row, int col)
{
	const char *s = PQgetvalue(r, row, col);
	if (*s == 't') /* a boolean */
		return 1;
	return strtoll(s, NULL, 10);
}

double pg_d(const PGresult *r, int row, int col)
{
	return strtod(PQgetvalue(r, row, col), NULL);
}

bool pg_null(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col);
}

static int unhex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

void pg_mac(const PGresult *r, int row, int col, uint8_t out[PA_AUDIT_MAC_BYTES])
{
	memset(out, 0, PA_AUDIT_MAC_BYTES);
	const char *s = PQgetvalue(r, row, col);
	size_t n = 0;
	if (s[0] == '\\' && s[1] == 'x')
		for (s += 2; s[0] && s[1] && n < PA_AUDIT_MAC_BYTES; s += 2) {
			int hi = unhex(s[0]), lo = unhex(s[1]);
			if (hi < 0 || lo < 0)
				break;
			out[n++] = (uint8_t)(hi << 4 | lo);
		}
	if (n != PA_AUDIT_MAC_BYTES || *s)
		out[0] ^= 1;
}

/* ---- errors and statements ---- */

bool pg_in_tx(struct pg *d)
{
	return PQtransactionStatus(d->c) != PQTRANS_IDLE;
}

enum pa_err pg_err(struct pg *d, PGresult *r, const char *what)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (!msg)
		msg = PQerrorMessage(d->c);
	snprintf(last_state, sizeof last_state, "%s", state ? state : "");
	if (!state || PQstatus(d->c) != CONNECTION_OK)
		return pa_errf(PA_STORE_IO, NULL,
			       "the database cannot be reached (%s: %s); nothing was saved", what,
			       msg);
	if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03"))
		return pa_errf(PA_STORE_BUSY, NULL, "the store is busy (%s); try again", what);
	if (!strcmp(state, "53100"))
		return pa_errf(
			PA_STORE_IO, NULL,
			"the disk is full (%s); nothing was saved: try again once space is freed",
			what);
	if (!strncmp(state, "08", 2) || !strncmp(state, "53", 2) || !strncmp(state, "57", 2) ||
	    !strncmp(state, "58", 2) || !strcmp(state, "25006"))
		return pa_errf(PA_STORE_IO, NULL,
			       "the store cannot write (%s: %s); nothing was saved", what, msg);
	if (!strncmp(state, "23", 2))
		return pa_errf(PA_CONFLICT, NULL, "%s: %s", what, msg);
	return pa_errf(PA_INTERNAL, NULL, "store error in %s: %s", what, msg);
}

/* A broken connection is made again, between transactions only: inside one, the work
 * already done is gone, and the caller must hear so. Its prepared statements went with it. */
static bool reconnect(struct pg *d)
{
	if (PQstatus(d->c) == CONNECTION_OK)
		return true;
	PQreset(d->c);
	d->ncache = 0;
	return PQstatus(d->c) == CONNECTION_OK;
}

static int prepared(struct pg *d, const char *sql, const char *what, enum pa_err *e)
{
	for (int i = 0; i < d->ncache; i++)
		if (d->cache[i] == sql)
			return i;
	if (d->ncache == PG_CACHE)
		return -2; /* run unprepared: slower, never wrong */
	char name[16];
	snprintf(name, sizeof name, "s%d", d->ncache);
	PGresult *r = PQprepare(d->c, name, sql, 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		*e = pg_err(d, r, what);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	d->cache[d->ncache] = sql;
	return d->ncache++;
}

void pg_pause(int attempt)
{
	/* a little, more each time, so the other side can finish */
	struct timespec t = {0, (long)attempt * 20 * 1000000L};
	nanosleep(&t, NULL);
}

bool pg_transient(void)
{
	return !strcmp(last_state, "40001") || !strcmp(last_state, "40P01");
}

static bool pg_transient_op(struct pa_db *db)
{
	(void)db;
	return pg_transient();
}

static PGresult *run_once(struct pg *d, const char *sql, const struct pg_args *a, const char *what,
			  enum pa_err *e);

PGresult *pg_run(struct pg *d, const char *sql, const struct pg_args *a, const char *what,
		 enum pa_err *e)
{
	/* alone, a statement is its own transaction and may simply run again; inside one,
	 * the whole transaction must (pg_retry, the writer) */
	bool alone = PQtransactionStatus(d->c) == PQTRANS_IDLE;
	PGresult *r = run_once(d, sql, a, what, e);
	for (int attempt = 1; !r && alone && pg_transient() && attempt < PG_TRIES; attempt++) {
		pg_pause(attempt);
		r = run_once(d, sql, a, what, e);
	}
	return r;
}

static PGresult *run_once(struct pg *d, const char *sql, const struct pg_args *a, const char *what,
			  enum pa_err *e)
{
	*e = PA_OK;
	if (!reconnect(d)) {
		*e = pg_err(d, NULL, what);
		return NULL;
	}
	int i = prepared(d, sql, what, e);
	if (i == -1)
		return NULL;
	char name[16];
	snprintf(name, sizeof name, "s%d", i);
	PGresult *r =
		i < 0 ? PQexecParams(d->c, sql, a ? a->n : 0, NULL, a ? a->v : NULL, NULL, NULL, 0)
		      : PQexecPrepared(d->c, name, a ? a->n : 0, a ? a->v : NULL, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return r;
	*e = pg_err(d, r, what);
	PQclear(r);
	return NULL;
}

enum pa_err pg_do(struct pg *d, const char *sql, const struct pg_args *a, const char *what,
		  int64_t *changed)
{
	enum pa_err e;
	PGresult *r = pg_run(d, sql, a, what, &e);
	if (r && changed)
		*changed = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return e;
}

enum pa_err pg_exec(struct pg *d, const char *sql, const char *what)
{
	if (!reconnect(d))
		return pg_err(d, NULL, what);
	PGresult *r = PQexec(d->c, sql);
	ExecStatusType st = PQresultStatus(r);
	enum pa_err e =
		st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? PA_OK : pg_err(d, r, what);
	PQclear(r);
	return e;
}

enum pa_err pg_retry(struct pg *d, const char *begin, enum pa_err (*fn)(struct pg *, void *),
		     void *arg)
{
	enum pa_err e = PA_OK;
	for (int attempt = 0; attempt < PG_TRIES; attempt++) {
		if (attempt)
			pg_pause(attempt);
		if ((e = pg_exec(d, begin, "begin")))
			return e;
		e = fn(d, arg);
		if (!e)
			e = pg_exec(d, "COMMIT", "commit");
		if (pg_in_tx(d))
			pg_exec(d, "ROLLBACK", "rollback");
		if (e != PA_STORE_BUSY || !pg_transient())
			return e;
	}
	return e;
}

/* ---- connections ---- */

static void pg_close(struct pa_db *db)
{
	if (!db)
		return;
	struct pg *d = PG(db);
	PQfinish(d->c);
	sodium_memzero(d->base.audit_key, sizeof d->base.audit_key);
	free(d);
}

static enum pa_err pg_open(const char *url, bool writer, struct pa_db **out)
{
	*out = NULL;
	struct pg *d = calloc(1, sizeof *d);
	d->base.ops = pa_pg_ops();
	d->writer = writer;
	/* the URL's own parameters first; ours cannot be overridden by it */
	const char *keys[] = {"dbname", "application_name", "connect_timeout", NULL};
	const char *vals[] = {url, "pingan", "10", NULL};
	d->c = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(d->c) != CONNECTION_OK) {
		enum pa_err e = pa_errf(PA_STORE_IO, NULL, "cannot open the database: %s",
					PQerrorMessage(d->c));
		pg_close(&d->base);
		return e;
	}
	/* A commit is answered once it is on disk (and, with synchronous_standby_names set on
	 * the server, on the standby too): never an acknowledged write lost to a crash.
	 * Readers only read: a write through one is a bug caught here. Codes compare
	 * bytewise, as in SQLite, whatever the database's locale. */
	enum pa_err e = pg_exec(d,
				writer ? "SET synchronous_commit = on; SET client_min_messages = "
					 "warning; SET TIME ZONE 'UTC'"
				       : "SET synchronous_commit = on; SET client_min_messages = "
					 "warning; SET TIME ZONE 'UTC';"
					 " SET default_transaction_read_only = on",
				"open");
	if (e) {
		pg_close(&d->base);
		return e;
	}
	*out = &d->base;
	return PA_OK;
}

static enum pa_err pg_begin(struct pa_db *db)
{
	struct pg *d = PG(db);
	pg_head_forget(d);
	last_state[0] = 0; /* what this transaction meets, not what one before met */
	enum pa_err e = pg_exec(d, "BEGIN", "begin");
	if (!e)
		e = pg_do(d, WRITER_LOCK, NULL, "begin", NULL);
	if (e && pg_in_tx(d))
		pg_exec(d, "ROLLBACK", "rollback");
	return e;
}

/* A statement that failed inside a transaction aborts it all (unlike SQLite, where the
 * job's savepoint is simply undone): a batch that finds it so has lost its work. */
static enum pa_err undone(void)
{
	return pa_errf(PA_STORE_IO, NULL,
		       "the database ended the transaction after an error; nothing was saved");
}

static bool tx_open(struct pg *d)
{
	return PQtransactionStatus(d->c) == PQTRANS_INTRANS;
}

static enum pa_err pg_commit(struct pa_db *db)
{
	struct pg *d = PG(db);
	if (!tx_open(d))
		return undone();
	/* the audit head goes with the rows it counts */
	enum pa_err e = pg_write_head(d);
	if (e)
		return e;
	pg_head_forget(d);
	e = pg_exec(d, "COMMIT", "commit");
	/* COMMIT of a failed transaction answers ROLLBACK without an error */
	if (!e && pg_in_tx(d))
		e = undone();
	return e;
}

static void pg_rollback(struct pa_db *db)
{
	struct pg *d = PG(db);
	pg_head_forget(d);
	if (PQstatus(d->c) == CONNECTION_OK && pg_in_tx(d))
		pg_exec(d, "ROLLBACK", "rollback");
}

static enum pa_err pg_savepoint(struct pa_db *db)
{
	struct pg *d = PG(db);
	if (!tx_open(d))
		return undone();
	return pg_exec(d, "SAVEPOINT job", "savepoint");
}

static void pg_rollback_to(struct pa_db *db)
{
	struct pg *d = PG(db);
	d->head_known = false; /* head_moved stays: rows before the savepoint may remain */
	pg_exec(d, "ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job", "rollback to savepoint");
}

static enum pa_err pg_release(struct pa_db *db)
{
	return pg_exec(PG(db), "RELEASE SAVEPOINT job", "release");
}

static enum pa_err pg_wal_position(struct pa_db *db, bool replayed, uint64_t *lsn)
{
	struct pg *d = PG(db);
	enum pa_err e;
	PGresult *r =
		pg_run(d,
		       replayed ? "SELECT coalesce((pg_last_wal_replay_lsn() - '0/0')::bigint, 0)"
				: "SELECT (pg_current_wal_lsn() - '0/0')::bigint",
		       NULL, "WAL position", &e);
	if (!r)
		return e;
	*lsn = (uint64_t)pg_i(r, 0, 0);
	PQclear(r);
	return PA_OK;
}

static pthread_once_t ops_once = PTHREAD_ONCE_INIT;
static struct pa_store_ops ops;

static void ops_fill(void)
{
	ops.name = "postgresql";
	ops.open = pg_open;
	ops.transient = pg_transient_op;
	ops.close = pg_close;
	ops.migrate = pg_migrate;
	ops.version = pg_version;
	ops.begin = pg_begin;
	ops.commit = pg_commit;
	ops.rollback = pg_rollback;
	ops.savepoint = pg_savepoint;
	ops.rollback_to = pg_rollback_to;
	ops.release = pg_release;
	ops.wal_position = pg_wal_position;
	pg_ops_admin(&ops);
	pg_ops_cases(&ops);
	pg_ops_work(&ops);
	pg_ops_audit(&ops);
	pg_ops_backup(&ops);
	pg_ops_login(&ops);
}

const struct pa_store_ops *pa_pg_ops(void)
{
	pthread_once(&ops_once, ops_fill);
	return &ops;
}
