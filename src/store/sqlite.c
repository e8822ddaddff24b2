/* sqlite.c: the SQLite backend of the store interface (WAL, synchronous=FULL).
 * Statements are prepared on first use and cached per connection; all SQL is bound. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/city.h"
#include "core/clock.h"
#include "store/faultvfs.h"
#include "store/city_sql.h"
#include "store/sqlite_internal.h"
#include "store/sqlite_schema.h"
#include "store/store.h"

/* A statement that runs often (BEGIN, COMMIT, SAVEPOINT …), prepared once. sql must be a
 * string literal: the statement cache is keyed by its address. */
static enum pa_err simple(struct sq *d, const char *sql, const char *what)
{
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	return run(d, st, what);
}

static enum pa_err exec(struct sq *d, const char *sql, const char *what)
{
	char *msg = NULL;
	int rc = sqlite3_exec(d->h, sql, NULL, NULL, &msg);
	sqlite3_free(msg);
	return rc == SQLITE_OK ? PA_OK : map_rc(d, rc, what);
}

/* ---- connections ---- */

static const char *path_of(const char *url)
{
	if (strncmp(url, "sqlite://", 9) == 0)
		return url + 9;
	if (strncmp(url, "sqlite:", 7) == 0)
		return url + 7;
	return url;
}

static void sq_close(struct pa_db *db)
{
	if (!db)
		return;
	struct sq *d = SQ(db);
	for (int i = 0; i < d->ncache; i++)
		sqlite3_finalize(d->cache[i].st);
	sqlite3_close(d->h);
	sodium_memzero(d->base.audit_key, sizeof d->base.audit_key);
	free(d);
}

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;
static int setup_rc;

static void sqlite_setup(void)
{
	/* Memory statistics take a global mutex on every allocation: a point of contention
	 * between request threads that pingan does not need. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* after the configuration, which must come before SQLite starts: tests only */
	setup_rc = pa_faultvfs_setup();
}

static enum pa_err sq_open(const char *url, bool writer, struct pa_db **out)
{
	*out = NULL;
	pthread_once(&sqlite_once, sqlite_setup);
	if (setup_rc)
		return pa_errf(PA_INTERNAL, NULL, "cannot install the fault-injecting VFS: %s",
			       sqlite3_errstr(setup_rc));
	struct sq *d = calloc(1, sizeof *d);
	d->base.ops = &pa_sqlite_ops;
	int flags = SQLITE_OPEN_NOMUTEX |
		    (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
	int rc = sqlite3_open_v2(path_of(url), &d->h, flags, NULL);
	if (rc != SQLITE_OK) {
		enum pa_err e =
			pa_errf(PA_STORE_IO, NULL, "cannot open the database %s: %s", path_of(url),
				d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc));
		sq_close(&d->base);
		return e;
	}
	sqlite3_extended_result_codes(d->h, 1);
	sqlite3_busy_timeout(d->h, 5000);
	/* WAL lets readers run beside the one writer; FULL makes each commit durable. */
	enum pa_err e = exec(d,
			     writer ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
				      " PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
				    /* Readers map the file: page reads without a syscall each. */
				    : "PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384;"
				      " PRAGMA mmap_size=1073741824;",
			     "open");
	if (e) {
		sq_close(&d->base);
		return e;
	}
	*out = &d->base;
	return PA_OK;
}

static enum pa_err sq_version(struct pa_db *db, int *v)
{
	struct sq *d = SQ(db);
	*v = 0;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(d->h, "SELECT max(version) FROM schema_version", -1, &st, NULL) !=
	    SQLITE_OK) {
		sqlite3_finalize(st);
		return PA_OK; /* no table yet: version 0 */
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return PA_OK;
}

static enum pa_err audit_chain_begin(struct sq *d);

/* CONFLICT if a row refers to one that is not there. */
static enum pa_err fk_clean(struct sq *d)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(d->h, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
		return map_rc(d, sqlite3_errcode(d->h), "migrate");
	int rc = sqlite3_step(st);
	enum pa_err e = rc == SQLITE_ROW    ? pa_errf(PA_CONFLICT, NULL,
						      "migrate: a row of %s refers to a missing one",
						      col_s(st, 0))
			: rc == SQLITE_DONE ? PA_OK
					    : map_rc(d, rc, "migrate");
	sqlite3_finalize(st);
	return e;
}

static enum pa_err sq_migrate(struct pa_db *db, int *from, int *to)
{
	struct sq *d = SQ(db);
	/* Off while tables are rebuilt (SQLite's way to change a constraint), then checked
	 * whole before the commit: a rebuild drops the table others refer to. */
	enum pa_err e = exec(d,
			     "PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE;"
			     "CREATE TABLE IF NOT EXISTS schema_version ("
			     " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);",
			     "migrate");
	if (e)
		return e;
	int v;
	sq_version(db, &v);
	*from = v;
	if (v > pa_sqlite_nmigrations) {
		exec(d, "ROLLBACK; PRAGMA foreign_keys = ON", "migrate");
		return pa_errf(PA_CONFLICT, NULL,
			       "the database is at schema version %d, newer than this pingan (%d)",
			       v, pa_sqlite_nmigrations);
	}
	for (; v < pa_sqlite_nmigrations; v++) {
		if ((e = exec(d, pa_sqlite_migrations[v], "migrate")))
			goto fail;
		/* 15 chains the audit log: its keyed hashes are made here, not in SQL */
		if (v + 1 == 15 && (e = audit_chain_begin(d)))
			goto fail;
		char sql[128];
		snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES (%d, %lld)", v + 1,
			 (long long)pa_now());
		if ((e = exec(d, sql, "migrate")))
			goto fail;
	}
	if ((e = fk_clean(d)) || (e = exec(d, "COMMIT", "migrate")))
		goto fail;
	*to = v;
	exec(d, "PRAGMA foreign_keys = ON", "migrate");
	return PA_OK;
fail:
	exec(d, "ROLLBACK", "migrate");
	exec(d, "PRAGMA foreign_keys = ON", "migrate");
	return e;
}

static void head_forget(struct sq *d);
static enum pa_err write_head(struct sq *d);

static enum pa_err sq_begin(struct pa_db *db)
{
	head_forget(SQ(db));
	return simple(SQ(db), "BEGIN IMMEDIATE", "begin");
}

/* A COMMIT whose sync failed is undone in memory, yet its frames may lie whole in the
 * write-ahead log: should the process die before the next commit, recovery would bring back
 * what was answered "nothing was saved". A small commit made at once writes over its first
 * frame, and the frames after it no longer chain (the WAL format's checksums), so recovery
 * stops before them. Should that fail too, the disk refuses writes outright and a crash may
 * still bring the lost commit back, whole: a retry with its Idempotency-Key gets its answer. */
static void seal_log(struct sq *d)
{
	sqlite3_stmt *st = NULL;
	int v = 0;
	if (sqlite3_prepare_v2(d->h, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	char sql[80];
	snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; PRAGMA user_version = %d; COMMIT", v);
	if (sqlite3_exec(d->h, sql, NULL, NULL, NULL) != SQLITE_OK && !sqlite3_get_autocommit(d->h))
		sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
}

/* After an I/O error or a full disk inside a statement SQLite may roll the whole
 * transaction back by itself, whatever the job made of the error: a batch that finds no
 * transaction open any more has lost its work. */
static enum pa_err undone(void)
{
	return pa_errf(PA_STORE_IO, NULL,
		       "the store undid the transaction after an I/O error; nothing was saved");
}

static enum pa_err sq_commit(struct pa_db *db)
{
	struct sq *d = SQ(db);
	if (sqlite3_get_autocommit(d->h))
		return undone();
	/* the audit head goes with the rows it counts */
	enum pa_err e = write_head(d);
	if (e)
		return e;
	head_forget(d);
	e = simple(d, "COMMIT", "commit");
	if (e == PA_STORE_IO) {
		struct pa_errinfo keep = *pa_err_last();
		if (!sqlite3_get_autocommit(d->h))
			sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
		seal_log(d);
		pa_err_set_info(&keep);
	}
	return e;
}
static void sq_rollback(struct pa_db *db)
{
	head_forget(SQ(db));
	if (!sqlite3_get_autocommit(SQ(db)->h))
		simple(SQ(db), "ROLLBACK", "rollback");
}
static enum pa_err sq_savepoint(struct pa_db *db)
{
	/* A savepoint now would open a transaction of its own, and its RELEASE would commit
	 * the next job outside the batch. */
	if (sqlite3_get_autocommit(SQ(db)->h))
		return undone();
	return simple(SQ(db), "SAVEPOINT job", "savepoint");
}
static void sq_rollback_to(struct pa_db *db)
{
	SQ(db)->head_known = false; /* head_moved stays: rows before the savepoint may remain */
	exec(SQ(db), "ROLLBACK TO job; RELEASE job", "rollback to savepoint");
}
static enum pa_err sq_release(struct pa_db *db)
{
	return simple(SQ(db), "RELEASE job", "release");
}

/* ---- the audit chain (audit.h) ---- */

/* A MAC column; one of the wrong size reads as a value it cannot have been. */
static void col_mac(sqlite3_stmt *st, int i, uint8_t out[PA_AUDIT_MAC_BYTES])
{
	memset(out, 0, PA_AUDIT_MAC_BYTES);
	const void *p = sqlite3_column_blob(st, i);
	int n = sqlite3_column_bytes(st, i);
	if (p)
		memcpy(out, p, n < PA_AUDIT_MAC_BYTES ? (size_t)n : PA_AUDIT_MAC_BYTES);
	if (n != PA_AUDIT_MAC_BYTES)
		out[0] ^= 1;
}

/* The head in the open transaction. Read once a transaction (the writer is the only
 * writer, and BEGIN IMMEDIATE keeps any other process out until it commits), then moved in
 * memory with each row; the head row is written once, just before COMMIT (write_head). A
 * savepoint undone drops what is known: the rows left behind say where the chain ends. */
static enum pa_err chain_head(struct sq *d, struct chain_head *h)
{
	static const char sql[] = "SELECT n, mac, alg FROM audit_head WHERE one = 1";
	static const char last[] = "SELECT idx, mac FROM audit_log ORDER BY idx DESC LIMIT 1";
	if (d->head_known) {
		*h = d->head;
		return PA_OK;
	}
	memset(h, 0, sizeof *h);
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		h->found = true;
		h->n = sqlite3_column_int64(st, 0);
		col_mac(st, 1, h->mac);
		h->alg = pa_audit_alg_from(col_s(st, 2));
	}
	done(d, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return map_rc(d, rc, "audit head");
	if (h->found && !h->alg)
		return pa_errf(PA_INTERNAL, NULL,
			       "the audit log names an algorithm this pingan does not know");
	/* rows appended in this transaction before a savepoint was undone: the last row left */
	if (h->found && d->head_moved) {
		if (!(st = stmt(d, last)))
			return pa_err_last()->code;
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			h->n = sqlite3_column_int64(st, 0);
			col_mac(st, 1, h->mac);
		}
		done(d, st);
		if (rc != SQLITE_ROW)
			return map_rc(d, rc, "audit head");
	}
	d->head = *h;
	d->head_known = true;
	return PA_OK;
}

/* Before COMMIT: the head row, with its MAC, where the rows appended now end. */
static enum pa_err write_head(struct sq *d)
{
	static const char sql[] =
		"INSERT INTO audit_head (one, n, mac, tag, alg) VALUES (1,?,?,?,?)"
		" ON CONFLICT (one) DO UPDATE SET n = excluded.n, mac = excluded.mac,"
		" tag = excluded.tag, alg = excluded.alg";
	if (!d->head_moved)
		return PA_OK;
	struct chain_head h;
	uint8_t tag[PA_AUDIT_MAC_BYTES];
	enum pa_err e = chain_head(d, &h);
	if (!e)
		e = pa_audit_mark_tag(h.alg, d->base.audit_key, "head", h.n, h.mac, tag);
	if (e)
		return e;
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, h.n);
	sqlite3_bind_blob(st, 2, h.mac, PA_AUDIT_MAC_BYTES, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 3, tag, PA_AUDIT_MAC_BYTES, SQLITE_TRANSIENT);
	bt(st, 4, pa_audit_alg_name(h.alg));
	if ((e = run(d, st, "audit head")))
		return e;
	d->head_moved = false;
	return PA_OK;
}

/* A transaction begun or ended: nothing of the head is known any more. */
static void head_forget(struct sq *d)
{
	d->head_known = d->head_moved = false;
}

/* Append r after the head h (r's index, prev and MAC are set here) and move the head on,
 * with a checkpoint every PA_AUDIT_CHECKPOINT_EVERY rows. */
static enum pa_err chain_put(struct sq *d, struct chain_head *h, struct pa_audit_row *r)
{
	static const char ins[] = "INSERT INTO audit_log (idx, at, actor_id, action, subject,"
				  " detail, prev, mac) VALUES (?,?,?,?,?,?,?,?)";
	static const char cp[] = "INSERT INTO audit_checkpoints (idx, mac, tag, at)"
				 " VALUES (?,?,?,?)";
	const uint8_t *key = d->base.audit_key;
	r->idx = h->n + 1;
	memcpy(r->prev, h->mac, PA_AUDIT_MAC_BYTES);
	uint8_t tag[PA_AUDIT_MAC_BYTES];
	enum pa_err e = pa_audit_mac(h->alg, key, r->prev, r, r->mac);
	if (e)
		return e;
	sqlite3_stmt *st = stmt(d, ins);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, r->idx);
	sqlite3_bind_int64(st, 2, r->at);
	bid(st, 3, r->actor_id);
	bt(st, 4, r->action);
	bt(st, 5, r->subject);
	bt(st, 6, r->detail);
	sqlite3_bind_blob(st, 7, r->prev, PA_AUDIT_MAC_BYTES, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 8, r->mac, PA_AUDIT_MAC_BYTES, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	done(d, st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return pa_errf(PA_INTERNAL, NULL,
			       "the audit log has a row %lld its head does not know of: nothing "
			       "more is written until pingan audit verify has been heard",
			       (long long)r->idx);
	if (rc != SQLITE_DONE)
		return map_rc(d, rc, "audit insert");
	if (r->idx % PA_AUDIT_CHECKPOINT_EVERY == 0) {
		if ((e = pa_audit_mark_tag(h->alg, key, "checkpoint", r->idx, r->mac, tag)))
			return e;
		if (!(st = stmt(d, cp)))
			return pa_err_last()->code;
		sqlite3_bind_int64(st, 1, r->idx);
		sqlite3_bind_blob(st, 2, r->mac, PA_AUDIT_MAC_BYTES, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 3, tag, PA_AUDIT_MAC_BYTES, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, r->at);
		if ((e = run(d, st, "audit checkpoint")))
			return e;
	}
	h->n = r->idx;
	memcpy(h->mac, r->mac, PA_AUDIT_MAC_BYTES);
	d->head = *h;
	d->head_known = d->head_moved = true;
	return PA_OK;
}

static enum pa_err need_key(struct sq *d)
{
	return d->base.has_audit_key
		       ? PA_OK
		       : pa_errf(PA_INTERNAL, NULL,
				 "this connection has no audit key, and nothing is written "
				 "unaudited");
}

static enum pa_err audit_append(struct sq *d, int64_t actor, const char *action,
				const char *subject, const char *detail, int64_t at)
{
	struct chain_head h;
	enum pa_err e = need_key(d);
	if (e)
		return e;
	/* outside a transaction no COMMIT would write the head: nothing is written */
	if (sqlite3_get_autocommit(d->h))
		return pa_errf(PA_INTERNAL, NULL, "an audit row is written inside a transaction");
	if ((e = chain_head(d, &h)))
		return e;
	if (!h.found)
		return pa_errf(PA_INTERNAL, NULL,
			       "the audit log has lost its head: nothing more is written until "
			       "pingan audit verify has been heard");
	struct pa_audit_row r = {.at = at,
				 .actor_id = actor,
				 .action = action,
				 .subject = subject,
				 .detail = detail ? detail : "{}"};
	return chain_put(d, &h, &r);
}

/* An audit row of the store's own about "kind:code", or "kind:id" when code is NULL; its
 * detail a JSON object it takes (and frees). Timed by the clock: when it was written. */
static enum pa_err audit_json(struct sq *d, int64_t actor, const char *action, const char *kind,
			      int64_t id, const char *code, json_t *detail)
{
	char subject[64];
	if (code)
		snprintf(subject, sizeof subject, "%s:%s", kind, code);
	else
		snprintf(subject, sizeof subject, "%s:%lld", kind, (long long)id);
	char *s = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(detail);
	if (!s)
		return pa_errf(PA_INTERNAL, NULL, "out of memory for an audit row");
	enum pa_err e = audit_append(d, actor, action, subject, s, pa_now());
	free(s);
	return e;
}

static json_t *jid(int64_t v)
{
	return v ? json_integer(v) : json_null();
}

/* Migration 15: the chain's first row — its algorithm and the name of its key — and then
 * the rows logged before it (routing versions), in their order, into the chain. */
static enum pa_err audit_chain_begin(struct sq *d)
{
	enum pa_err e = need_key(d);
	if (e)
		return pa_errf(e, NULL, "migration 15 chains the audit log: %s",
			       pa_err_last()->message);
	struct chain_head h = {.found = true, .alg = pa_audit_alg_default()};
	head_forget(d);
	char *start = pa_audit_start_detail(h.alg, d->base.audit_key);
	struct pa_audit_row r = {
		.at = pa_now(), .action = "audit.start", .subject = "audit", .detail = start};
	e = start ? chain_put(d, &h, &r) : pa_errf(PA_INTERNAL, NULL, "out of memory");
	free(start);
	sqlite3_stmt *st = NULL;
	if (!e && sqlite3_prepare_v2(d->h,
				     "SELECT at, actor_id, action, subject, detail"
				     " FROM audit_log_v12 ORDER BY id",
				     -1, &st, NULL) != SQLITE_OK)
		e = map_rc(d, sqlite3_errcode(d->h), "migrate");
	int rc = SQLITE_DONE;
	while (!e && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct pa_audit_row old = {.at = sqlite3_column_int64(st, 0),
					   .actor_id = sqlite3_column_int64(st, 1),
					   .action = col_s(st, 2),
					   .subject = col_s(st, 3),
					   .detail = col_s(st, 4)};
		e = chain_put(d, &h, &old);
	}
	if (!e && rc != SQLITE_DONE)
		e = map_rc(d, rc, "migrate");
	sqlite3_finalize(st);
	if (!e)
		e = write_head(d);
	head_forget(d);
	return e ? e : exec(d, "DROP TABLE audit_log_v12", "migrate");
}

static enum pa_err sq_audit_add(struct pa_db *db, const struct pa_audit_in *e)
{
	return audit_append(SQ(db), e->actor_id, e->action, e->subject, e->detail, e->at);
}

static enum pa_err sq_audit_status(struct pa_db *db, int64_t *n, char key_id[17])
{
	struct sq *d = SQ(db);
	*n = 0;
	key_id[0] = 0;
	sqlite3_stmt *st = NULL;
	/* before migration 15 there is no chain: nothing in it. Rows are counted, not taken
	 * from the head, which may be gone. */
	if (sqlite3_prepare_v2(d->h,
			       "SELECT (SELECT count(*) FROM audit_log),"
			       " (SELECT json_extract(detail, '$.key_id') FROM audit_log"
			       " WHERE idx = 1 AND action = 'audit.start')",
			       -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return PA_OK;
	}
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*n = sqlite3_column_int64(st, 0);
		snprintf(key_id, 17, "%s", col_s(st, 1));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? PA_OK : map_rc(d, rc, "audit status");
}

static void mark_from(sqlite3_stmt *st, struct pa_audit_mark *m)
{
	m->idx = sqlite3_column_int64(st, 0);
	col_mac(st, 1, m->mac);
	col_mac(st, 2, m->tag);
}

static enum pa_err audit_read(struct sq *d, const struct pa_audit_reader *r,
			      struct pa_audit_marks *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	enum pa_err e = PA_OK;
	if (sqlite3_prepare_v2(d->h, "SELECT n, mac, tag, alg FROM audit_head WHERE one = 1", -1,
			       &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return pa_errf(PA_CONFLICT, NULL,
			       "the database has no audit chain (a schema before version 15: "
			       "pingan migrate a copy)");
	}
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		m->has_head = true;
		mark_from(st, &m->head);
		snprintf(m->alg, sizeof m->alg, "%s", col_s(st, 3));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return map_rc(d, rc, "audit head");
	if (sqlite3_prepare_v2(d->h, "SELECT idx, mac, tag FROM audit_checkpoints ORDER BY idx", -1,
			       &st, NULL) != SQLITE_OK)
		return map_rc(d, sqlite3_errcode(d->h), "audit checkpoints");
	int cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (m->ncheckpoints == cap) {
			cap = cap ? 2 * cap : 64;
			m->checkpoints =
				realloc(m->checkpoints, sizeof *m->checkpoints * (size_t)cap);
		}
		mark_from(st, &m->checkpoints[m->ncheckpoints++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return map_rc(d, rc, "audit checkpoints");
	int64_t from = r->start(r->arg, m);
	if (sqlite3_prepare_v2(d->h,
			       "SELECT idx, at, actor_id, action, subject, detail, prev, mac"
			       " FROM audit_log WHERE idx >= ? ORDER BY idx",
			       -1, &st, NULL) != SQLITE_OK)
		return map_rc(d, sqlite3_errcode(d->h), "audit rows");
	sqlite3_bind_int64(st, 1, from);
	while (!e && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct pa_audit_row row = {.idx = sqlite3_column_int64(st, 0),
					   .at = sqlite3_column_int64(st, 1),
					   .actor_id = sqlite3_column_int64(st, 2),
					   .action = col_s(st, 3),
					   .subject = col_s(st, 4),
					   .detail = col_s(st, 5)};
		col_mac(st, 6, row.prev);
		col_mac(st, 7, row.mac);
		e = r->row(r->arg, &row);
	}
	if (!e && rc != SQLITE_DONE)
		e = map_rc(d, rc, "audit rows");
	sqlite3_finalize(st);
	return e;
}

static enum pa_err sq_audit_read(struct pa_db *db, const struct pa_audit_reader *r)
{
	struct sq *d = SQ(db);
	/* one read transaction: the marks and the rows as of one moment */
	bool own = sqlite3_get_autocommit(d->h);
	enum pa_err e = own ? exec(d, "BEGIN; SELECT count(*) FROM sqlite_schema", "audit") : PA_OK;
	if (e)
		return e;
	struct pa_audit_marks m = {0};
	e = audit_read(d, r, &m);
	free(m.checkpoints);
	if (own)
		exec(d, "COMMIT", "audit");
	return e;
}

/* "case:123" → 123 (a subject not of digits there → 0, no row's id) */
#define SQ_SUBJECT_ID(from) "CAST(substr(l.subject, " from ") AS INTEGER)"

static enum pa_err sq_audit_list(struct pa_db *db, const struct pa_audit_filter *f,
				 struct pa_arena *a, struct pa_audit_entry **rows, int *n,
				 int64_t *next)
{
	struct sq *d = SQ(db);
	static const char sql[] =
		"SELECT l.idx, l.at, l.actor_id, u.username, l.action, l.subject, l.detail,"
		" l.prev, l.mac FROM audit_log l LEFT JOIN users u ON u.id = l.actor_id"
		" WHERE (?1 = 0 OR l.idx < ?1) AND (?2 IS NULL OR l.subject = ?2)"
		" AND (?3 IS NULL OR l.actor_id = ?3)"
		" AND (?4 IS NULL OR l.action = ?4"
		" OR substr(l.action, 1, length(?4) + 1) = ?4 || '.')"
		" AND (?6 IS NULL OR substr(l.action, 1, length(?6)) = ?6"
		" OR substr(l.action, 1, length(?7)) = ?7)" AUDIT_CITY(
			"?8", SQ_SUBJECT_ID) " ORDER BY l.idx DESC LIMIT ?5";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, f->before);
	bt(st, 2, f->subject);
	bid(st, 3, f->actor_id);
	bt(st, 4, f->action);
	sqlite3_bind_int(st, 5, f->limit + 1); /* one more says whether a next page exists */
	bt(st, 6, f->prefixes[0]);
	bt(st, 7, f->prefixes[1]);
	bt(st, 8, f->region);
	*rows = pa_alloc(a, sizeof **rows * (size_t)(f->limit + 1));
	*n = 0;
	*next = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == f->limit) {
			*next = (*rows)[*n - 1].row.idx;
			break;
		}
		struct pa_audit_entry *x = &(*rows)[(*n)++];
		memset(x, 0, sizeof *x);
		x->row.idx = sqlite3_column_int64(st, 0);
		x->row.at = sqlite3_column_int64(st, 1);
		x->row.actor_id = sqlite3_column_int64(st, 2);
		x->actor_name = col_a(a, st, 3);
		x->row.action = col_a(a, st, 4);
		x->row.subject = col_a(a, st, 5);
		x->row.detail = col_a(a, st, 6);
		col_mac(st, 7, x->row.prev);
		col_mac(st, 8, x->row.mac);
	}
	done(d, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? PA_OK : map_rc(d, rc, "audit list");
}

/* ---- regions and units ---- */

static enum pa_err sq_region_put(struct pa_db *db, const struct pa_region_in *r)
{
	struct sq *d = SQ(db);
	static const char sql[] = "INSERT INTO regions (code, parent, level, kind, name, lng, lat,"
				  " boundary, city) VALUES (?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, r->code);
	bt(st, 2, r->parent);
	sqlite3_bind_int(st, 3, r->level);
	bt(st, 4, r->kind);
	bt(st, 5, r->name);
	sqlite3_bind_double(st, 6, r->lng);
	sqlite3_bind_double(st, 7, r->lat);
	bt(st, 8, r->boundary);
	char city[PA_CITY_LEN + 1];
	pa_city_of(r->code, city);
	bt(st, 9, city);
	enum pa_err e = run(d, st, "region insert");
	if (e)
		return e;
	return audit_json(d, 0, "region.create", "region", 0, r->code,
			  json_pack("{s:i, s:s?, s:o}", "level", r->level, "kind", r->kind,
				    "parent", r->parent ? json_string(r->parent) : json_null()));
}

static json_t *region_row(sqlite3_stmt *st, bool with_boundary)
{
	json_t *o = json_pack("{s:s, s:o, s:i, s:s, s:s, s:f, s:f, s:i}", "code", col_s(st, 0),
			      "parent", col_json_s(st, 1), "level", sqlite3_column_int(st, 2),
			      "kind", col_s(st, 3), "name", col_s(st, 4), "lng",
			      sqlite3_column_double(st, 5), "lat", sqlite3_column_double(st, 6),
			      "children", sqlite3_column_int(st, 8));
	if (with_boundary && sqlite3_column_type(st, 7) != SQLITE_NULL) {
		json_t *ring = json_loads(col_s(st, 7), 0, NULL);
		if (ring)
			json_object_set_new(
				o, "boundary",
				json_pack("{s:s, s:[o]}", "type", "Polygon", "coordinates", ring));
	}
	return o;
}

#define REGION_COLS                                                            \
	"r.code, r.parent, r.level, r.kind, r.name, r.lng, r.lat, r.boundary," \
	" (SELECT count(*) FROM regions k WHERE k.parent = r.code)"

static enum pa_err sq_region_get(struct pa_db *db, const char *code, json_t **out)
{
	struct sq *d = SQ(db);
	static const char sql[] = "SELECT " REGION_COLS " FROM regions r WHERE r.code = ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, code);
	int rc = sqlite3_step(st);
	enum pa_err e = PA_OK;
	if (rc == SQLITE_ROW) {
		*out = region_row(st, true);
		/* the path from the city down, for breadcrumbs (not up to the province) */
		json_t *path = json_array();
		json_object_set_new(*out, "path", path);
		done(d, st);
		static const char up[] =
			"WITH RECURSIVE p(code, parent, name, level) AS ("
			" SELECT code, parent, name, level FROM regions WHERE code = ?"
			" UNION ALL SELECT r.code, r.parent, r.name, r.level"
			" FROM regions r JOIN p ON r.code = p.parent WHERE r.level > 0)"
			" SELECT code, name FROM p ORDER BY level";
		sqlite3_stmt *s2 = stmt(d, up);
		if (!s2)
			return pa_err_last()->code;
		bt(s2, 1, code);
		while (sqlite3_step(s2) == SQLITE_ROW)
			json_array_append_new(path, json_pack("{s:s, s:s}", "code", col_s(s2, 0),
							      "name", col_s(s2, 1)));
		done(d, s2);
		return PA_OK;
	}
	e = rc == SQLITE_DONE ? pa_errf(PA_NOT_FOUND, NULL, "no region with code %s", code)
			      : map_rc(d, rc, "region get");
	done(d, st);
	return e;
}

static enum pa_err sq_region_children(struct pa_db *db, const char *parent, json_t **out)
{
	struct sq *d = SQ(db);
	static const char sql[] = "SELECT " REGION_COLS " FROM regions r WHERE r.parent = ?"
				  " ORDER BY r.code";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, parent);
	*out = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(*out, region_row(st, true));
	done(d, st);
	if (rc != SQLITE_DONE) {
		json_decref(*out);
		*out = NULL;
		return map_rc(d, rc, "region children");
	}
	return PA_OK;
}

static enum pa_err sq_grids_each(struct pa_db *db, pa_grid_cb cb, void *arg)
{
	struct sq *d = SQ(db);
	static const char sql[] = "SELECT code, name, boundary FROM regions WHERE level = 4"
				  " AND boundary IS NOT NULL ORDER BY code";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb(arg, col_s(st, 0), col_s(st, 1), col_s(st, 2));
	done(d, st);
	return rc == SQLITE_DONE ? PA_OK : map_rc(d, rc, "grids");
}

static enum pa_err sq_unit_put(struct pa_db *db, const struct pa_unit_in *u, int64_t *id)
{
	struct sq *d = SQ(db);
	static const char sql[] = "INSERT INTO units (code, name, kind, region, tier, city)"
				  " VALUES (?,?,?,?,?,?)";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, u->code);
	bt(st, 2, u->name);
	bt(st, 3, u->kind);
	bt(st, 4, u->region);
	bt(st, 5, u->tier);
	char city[PA_CITY_LEN + 1];
	pa_city_of(u->region, city);
	bt(st, 6, city);
	enum pa_err e = run(d, st, "unit insert");
	if (e)
		return e;
	int64_t uid = sqlite3_last_insert_rowid(d->h);
	if (id)
		*id = uid;
	return audit_json(d, u->by, "unit.create", "unit", uid, NULL,
			  json_pack("{s:s?, s:s?, s:s?, s:o, s:s?}", "code", u->code, "kind",
				    u->kind, "region", u->region, "tier",
				    u->tier ? json_string(u->tier) : json_null(), "from", u->from));
}

static json_t *unit_row(sqlite3_stmt *st)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o}", "id",
			 (json_int_t)sqlite3_column_int64(st, 0), "code", col_s(st, 1), "name",
			 col_s(st, 2), "kind", col_s(st, 3), "region", col_s(st, 4), "tier",
			 col_json_s(st, 5));
}

static enum pa_err sq_unit_get(struct pa_db *db, int64_t id, json_t **out)
{
	struct sq *d = SQ(db);
	static const char sql[] =
		"SELECT id, code, name, kind, region, tier FROM units WHERE id = ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	enum pa_err e = PA_OK;
	if (rc == SQLITE_ROW)
		*out = unit_row(st);
	else
		e = rc == SQLITE_DONE ? pa_errf(PA_NOT_FOUND, "unit_id", "no unit with id %lld",
						(long long)id)
				      : map_rc(d, rc, "unit get");
	done(d, st);
	return e;
}

static enum pa_err sq_unit_page(struct pa_db *db, const char *region, const char *kind,
				int64_t after, int max, json_t **items, int64_t *next)
{
	struct sq *d = SQ(db);
	static const char sql[] =
		"SELECT u.id, u.code, u.name, u.kind, u.region, u.tier,"
		" (SELECT count(*) FROM users x WHERE x.unit_id = u.id) FROM units u"
		" WHERE u.region >= ?1 AND u.region < ?1 || '~' AND" CITY_BOUND(
			"+u.city", "?1") " AND (?2 IS NULL OR u.kind = ?2)"
					 " AND u.id > ?3 ORDER BY u.id LIMIT ?4";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, region);
	bt(st, 2, kind);
	sqlite3_bind_int64(st, 3, after);
	sqlite3_bind_int(st, 4, max + 1);
	*items = json_array();
	*next = 0;
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == max) {
			*next = json_integer_value(
				json_object_get(json_array_get(*items, (size_t)max - 1), "id"));
			break;
		}
		json_t *o = unit_row(st);
		json_object_set_new(o, "users", json_integer(sqlite3_column_int64(st, 6)));
		json_array_append_new(*items, o);
	}
	done(d, st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? PA_OK : map_rc(d, rc, "unit page");
}

static enum pa_err sq_unit_update(struct pa_db *db, int64_t id, const struct pa_unit_in *u)
{
	struct sq *d = SQ(db);
	json_t *was = NULL;
	enum pa_err e = sq_unit_get(db, id, &was);
	if (e)
		return e;
	static const char sql[] = "UPDATE units SET name = ?, kind = ?, tier = ? WHERE id = ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st) {
		json_decref(was);
		return pa_err_last()->code;
	}
	bt(st, 1, u->name);
	bt(st, 2, u->kind);
	bt(st, 3, u->tier);
	sqlite3_bind_int64(st, 4, id);
	if ((e = run(d, st, "unit update"))) {
		json_decref(was);
		return e;
	}
	json_object_del(was, "id");
	return audit_json(d, u->by, "unit.update", "unit", id, NULL,
			  json_pack("{s:s?, s:s?, s:s?, s:o, s:s?}", "name", u->name, "kind",
				    u->kind, "tier", u->tier, "was", was, "from", u->from));
}

static enum pa_err sq_unit_find(struct pa_db *db, const char *region, const char *kind, int64_t *id,
				char *name, size_t cap)
{
	struct sq *d = SQ(db);
	static const char sql[] = "SELECT id, name FROM units WHERE region = ? AND kind = ?"
				  " ORDER BY id LIMIT 1";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, region);
	bt(st, 2, kind);
	int rc = sqlite3_step(st);
	enum pa_err e = PA_OK;
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		if (name)
			snprintf(name, cap, "%s", col_s(st, 1));
	} else
		e = rc == SQLITE_DONE
			    ? pa_errf(PA_NOT_FOUND, NULL, "no %s unit for region %s", kind, region)
			    : map_rc(d, rc, "unit find");
	done(d, st);
	return e;
}

/* ---- users and sessions ---- */

static enum pa_err sq_user_put(struct pa_db *db, const struct pa_user_in *u, int64_t *id)
{
	struct sq *d = SQ(db);
	static const char sql[] =
		"INSERT INTO users (username, pw_hash, role, region, unit_id,"
		" name, created_at, pw_changed_at, pw_must_change, totp_exempt, city)"
		" VALUES (?,?,?,?,?,?,?,?7,?,?,?)";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, u->username);
	bt(st, 2, u->pw_hash);
	bt(st, 3, u->role);
	bt(st, 4, u->region);
	bid(st, 5, u->unit_id);
	bt(st, 6, u->name ? u->name : "");
	sqlite3_bind_int64(st, 7, u->created_at);
	sqlite3_bind_int(st, 8, u->must_change);
	sqlite3_bind_int(st, 9, u->totp_exempt);
	char city[PA_CITY_LEN + 1];
	pa_city_of(u->region, city);
	bt(st, 10, city);
	int rc = sqlite3_step(st);
	enum pa_err e = PA_OK;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		e = rc == SQLITE_CONSTRAINT_UNIQUE
			    ? pa_errf(PA_CONFLICT, "username", "the username %s is taken",
				      u->username)
			    : pa_errf(PA_BAD_FIELD, NULL, "unknown region or unit for the user");
	else if (rc != SQLITE_DONE)
		e = map_rc(d, rc, "user insert");
	done(d, st);
	if (e)
		return e;
	int64_t uid = sqlite3_last_insert_rowid(d->h);
	if (id)
		*id = uid;
	/* an account and the role it is given: a grant of permissions */
	return audit_json(d, u->by, "user.create", "user", uid, NULL,
			  json_pack("{s:s?, s:s?, s:o, s:s*}", "role", u->role, "region", u->region,
				    "unit", jid(u->unit_id), "from", u->from));
}

static enum pa_err sq_user_by_name(struct pa_db *db, const char *username, struct pa_user *u,
				   char *hash, size_t cap)
{
	struct sq *d = SQ(db);
	static const char sql[] =
		"SELECT u.id, u.username, u.role, u.region, u.unit_id, u.name,"
		" un.name, u.pw_hash FROM users u LEFT JOIN units un ON un.id = u.unit_id"
		" WHERE u.username = ? AND u.disabled = 0";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, username);
	int rc = sqlite3_step(st);
	enum pa_err e = PA_OK;
	if (rc == SQLITE_ROW) {
		user_from(st, 0, u);
		snprintf(hash, cap, "%s", col_s(st, 7));
	} else
		e = rc == SQLITE_DONE ? PA_NOT_FOUND : map_rc(d, rc, "user get");
	done(d, st);
	return e;
}

static enum pa_err sq_session_put(struct pa_db *db, const uint8_t hash[32], int64_t user_id,
				  int64_t now, int64_t expires, unsigned needs)
{
	struct sq *d = SQ(db);
	static const char sql[] = "INSERT INTO sessions (token_hash, user_id, created_at,"
				  " expires_at, last_seen, needs) VALUES (?,?,?3,?,?3,?)";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, user_id);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, expires);
	sqlite3_bind_int(st, 5, (int)needs);
	return run(d, st, "session insert");
}

static enum pa_err sq_session_user(struct pa_db *db, const uint8_t hash[32], int64_t now,
				   struct pa_user *u)
{
	struct sq *d = SQ(db);
	static const char sql[] = "SELECT u.id, u.username, u.role, u.region, u.unit_id, u.name,"
				  " un.name, s.expires_at, s.last_seen, s.needs"
				  " FROM sessions s JOIN users u ON u.id = s.user_id"
				  " LEFT JOIN units un ON un.id = u.unit_id"
				  " WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now);
	int rc = sqlite3_step(st);
	enum pa_err e = PA_OK;
	if (rc == SQLITE_ROW) {
		user_from(st, 0, u);
		u->session_expires = sqlite3_column_int64(st, 7);
		u->session_seen = sqlite3_column_int64(st, 8);
		u->session_needs = (unsigned)sqlite3_column_int(st, 9);
	} else
		e = rc == SQLITE_DONE ? PA_NOT_FOUND : map_rc(d, rc, "session get");
	done(d, st);
	return e;
}

static enum pa_err sq_session_delete(struct pa_db *db, const uint8_t hash[32])
{
	struct sq *d = SQ(db);
	static const char sql[] = "DELETE FROM sessions WHERE token_hash = ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
	return run(d, st, "session delete");
}

/* ---- cases ---- */

/* Columns: started, due_yellow, due_red, paused_at, next_due, paused_days, paused_secs,
 * level — from column i on. */
static void clock_from(sqlite3_stmt *st, int i, struct pa_clock *c)
{
	memset(c, 0, sizeof *c);
	c->started = sqlite3_column_int64(st, i);
	c->due_yellow = sqlite3_column_int64(st, i + 1);
	c->due_red = sqlite3_column_int64(st, i + 2);
	c->paused_at = sqlite3_column_int64(st, i + 3);
	c->next_due = sqlite3_column_int64(st, i + 4);
	c->paused_days = sqlite3_column_int(st, i + 5);
	c->paused_secs = sqlite3_column_int64(st, i + 6);
	snprintf(c->level, sizeof c->level, "%s", col_s(st, i + 7));
}

static void bind_clock(sqlite3_stmt *st, int i, const struct pa_clock *c)
{
	bid(st, i, c->started);
	bid(st, i + 1, c->due_yellow);
	bid(st, i + 2, c->due_red);
	bid(st, i + 3, c->paused_at);
	bid(st, i + 4, c->next_due);
	sqlite3_bind_int(st, i + 5, c->paused_days);
	sqlite3_bind_int64(st, i + 6, c->paused_secs);
	bt(st, i + 7, c->level[0] ? c->level : "none");
}

static enum pa_err count_add(struct sq *d, const char *grid, const char *type, const char *category,
			     const char *status, int delta)
{
	static const char sql[] = "INSERT INTO stat_counts (grid, type, category, status, n, city)"
				  " VALUES (?1,?2,?3,?4,?5, substr(?1, 1, 6)) ON CONFLICT (grid, "
				  "type, category, status)"
				  " DO UPDATE SET n = n + excluded.n";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, grid);
	bt(st, 2, type);
	bt(st, 3, category);
	bt(st, 4, status);
	sqlite3_bind_int(st, 5, delta);
	return run(d, st, "counters");
}

static int month_of(int64_t t)
{
	time_t cst = (time_t)(t + 8 * 3600);
	struct tm tm;
	gmtime_r(&cst, &tm);
	return (tm.tm_year + 1900) * 100 + tm.tm_mon + 1;
}

/* The statistics a step changes (s->stats): events counted for unit, the unit holding the
 * case when they happened (0: none), or for the unit the step came from (sender); cohort
 * events in the month of the case's report, for the unit it was reported to. */
static enum pa_err apply_stats(struct sq *d, const struct pa_step_in *s, int64_t unit)
{
	static const char sql[] =
		"INSERT INTO stat_month (grid, month, type, category, metric, n, unit_id,"
		" city) VALUES (?1,?2,?3,?4,?5,?6,?7, substr(?1, 1, 6)) ON CONFLICT (grid, month, "
		"type, category,"
		" metric, unit_id) DO UPDATE SET n = n + excluded.n";
	for (int i = 0; i < s->nstats; i++) {
		const struct pa_stat_delta *v = &s->stats[i];
		enum pa_err e;
		if (v->snapshot) {
			e = count_add(d, s->grid, s->type, s->category, v->metric, v->delta);
		} else {
			sqlite3_stmt *st = stmt(d, sql);
			if (!st)
				return pa_err_last()->code;
			bt(st, 1, s->grid);
			sqlite3_bind_int(st, 2, month_of(v->cohort ? s->cohort_at : s->at));
			bt(st, 3, s->type);
			bt(st, 4, s->category);
			bt(st, 5, v->metric);
			sqlite3_bind_int(st, 6, v->delta);
			sqlite3_bind_int64(st, 7,
					   v->cohort   ? s->cohort_unit
					   : v->sender ? s->from_unit
						       : unit);
			e = run(d, st, "statistics");
		}
		if (e)
			return e;
	}
	return PA_OK;
}

static enum pa_err insert_step(struct sq *d, const struct pa_step_in *s, int64_t *step_id)
{
	static const char sql[] =
		"INSERT INTO case_steps (case_id, action, from_state, to_state,"
		" from_unit, to_unit, actor_id, at, note) VALUES (?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, s->case_id);
	bt(st, 2, s->action);
	bt(st, 3, s->from_state);
	bt(st, 4, s->to_state);
	bid(st, 5, s->from_unit);
	bid(st, 6, s->to_unit);
	bid(st, 7, s->actor_id);
	sqlite3_bind_int64(st, 8, s->at);
	bt(st, 9, s->note && *s->note ? s->note : NULL);
	enum pa_err e = run(d, st, "step insert");
	*step_id = sqlite3_last_insert_rowid(d->h);
	/* Both ends of a step can see the case from then on. */
	int64_t units[2] = {s->from_unit, s->to_unit};
	for (int i = 0; i < 2 && !e; i++) {
		static const char cu[] = "INSERT OR IGNORE INTO case_units (unit_id, case_id)"
					 " VALUES (?,?)";
		if (!units[i])
			continue;
		if (!(st = stmt(d, cu)))
			return pa_err_last()->code;
		sqlite3_bind_int64(st, 1, units[i]);
		sqlite3_bind_int64(st, 2, s->case_id);
		e = run(d, st, "case units");
	}
	return e;
}

/* The blind indexes of the people in a case (the same person twice is one entry). */
static enum pa_err persons_add(struct sq *d, int64_t id, const struct pa_case_in *c)
{
	static const char sql[] = "INSERT OR IGNORE INTO case_persons (bidx, case_id) VALUES (?,?)";
	for (int i = 0; i < c->npersons; i++) {
		sqlite3_stmt *st = stmt(d, sql);
		if (!st)
			return pa_err_last()->code;
		bt(st, 1, c->persons[i]);
		sqlite3_bind_int64(st, 2, id);
		enum pa_err e = run(d, st, "case persons");
		if (e)
			return e;
	}
	return PA_OK;
}

static enum pa_err sq_case_insert(struct pa_db *db, const struct pa_case_in *c,
				  struct pa_case_ref *out)
{
	struct sq *d = SQ(db);
	enum pa_err e;
	char counter[48], city[PA_CITY_LEN + 1];
	pa_city_of(c->grid, city);
	snprintf(counter, sizeof counter, "case_number:%s:%d", city, c->year);
	static const char seq[] =
		"INSERT INTO counters (name, value) VALUES (?, 1)"
		" ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value";
	sqlite3_stmt *st = stmt(d, seq);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, counter);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		e = map_rc(d, rc, "case number");
		done(d, st);
		return e;
	}
	int64_t n = sqlite3_column_int64(st, 0);
	done(d, st);
	snprintf(out->number, sizeof out->number, "PA-%s-%d-%06lld", city, c->year, (long long)n);

	static const char sql[] =
		"INSERT INTO cases (number, type, category, status, title,"
		" description, grid, lng, lat, address, channel, fields, unit_id,"
		" reporter_id, created_at, updated_at, search, tier, routing_rule,"
		" profile, phase_started, due_yellow, due_red, paused_at, next_due,"
		" paused_days, paused_secs, sup_level, query_hash, watch_due, watch_open,"
		" routing_version, seal_id, city)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	if (!(st = stmt(d, sql)))
		return pa_err_last()->code;
	bt(st, 1, out->number);
	bt(st, 2, c->type);
	bt(st, 3, c->category);
	bt(st, 4, c->status);
	bt(st, 5, c->title);
	bt(st, 6, c->description);
	bt(st, 7, c->grid);
	sqlite3_bind_double(st, 8, c->lng);
	sqlite3_bind_double(st, 9, c->lat);
	bt(st, 10, c->address);
	bt(st, 11, c->channel);
	bt(st, 12, c->fields_json ? c->fields_json : "{}");
	bid(st, 13, c->unit_id);
	bid(st, 14, c->reporter_id);
	sqlite3_bind_int64(st, 15, c->at);
	sqlite3_bind_int64(st, 16, c->at);
	bt(st, 17, c->search);
	bt(st, 18, c->tier ? c->tier : "town");
	bt(st, 19, c->routing_rule);
	bt(st, 20, c->profile ? c->profile : "ordinary");
	bind_clock(st, 21, &c->clock);
	bt(st, 29, c->query_hash);
	bid(st, 30, c->watch_due);
	sqlite3_bind_int(st, 31, c->watch_due && c->watch_open);
	bid(st, 32, c->routing_version);
	bt(st, 33, c->seal_id);
	bt(st, 34, city);
	if ((e = run(d, st, "case insert")))
		return e;
	out->id = sqlite3_last_insert_rowid(d->h);
	if ((e = persons_add(d, out->id, c)))
		return e;

	static const char party[] = "INSERT INTO case_parties (case_id, idx, role, name, id_number,"
				    " phone, address) VALUES (?,?,?,?,?,?,?)";
	for (int i = 0; i < c->nparties; i++) {
		if (!(st = stmt(d, party)))
			return pa_err_last()->code;
		sqlite3_bind_int64(st, 1, out->id);
		sqlite3_bind_int(st, 2, i);
		bt(st, 3, c->parties[i].role);
		bt(st, 4, c->parties[i].name);
		bt(st, 5, c->parties[i].id_number);
		bt(st, 6, c->parties[i].phone);
		bt(st, 7, c->parties[i].address);
		if ((e = run(d, st, "party insert")))
			return e;
	}
	struct pa_step_in s = {.case_id = out->id,
			       .action = c->action,
			       .to_state = c->status,
			       .from_unit = c->from_unit,
			       .to_unit = c->unit_id,
			       .actor_id = c->reporter_id,
			       .at = c->at,
			       .note = c->note,
			       .type = c->type,
			       .category = c->category,
			       .grid = c->grid,
			       .nstats = c->uncounted ? 0 : 1,
			       .stats = {{"reported", 1, false, false, false}}};
	int64_t step_id;
	if ((e = insert_step(d, &s, &step_id)))
		return e;
	char action[64];
	snprintf(action, sizeof action, "case.%s", c->action);
	if ((e = audit_json(d, c->reporter_id, action, "case", out->id, NULL,
			    json_pack("{s:s, s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:o, s:o}",
				      "number", out->number, "step", (json_int_t)step_id, "type",
				      c->type, "category", c->category, "to", c->status, "grid",
				      c->grid, "channel", c->channel, "to_unit", jid(c->unit_id),
				      "from_unit", jid(c->from_unit)))))
		return e;
	if ((e = apply_stats(d, &s, c->unit_id)))
		return e;
	return count_add(d, c->grid, c->type, c->category, c->status, 1);
}

/* Scope: bound as ?1 region low, ?2 region high, ?3 unit (NULL when not by unit), and the
 * city bound of ?1 (city_sql.h). */
#define SCOPE_WHERE                                                 \
	CITY_BOUND("+c.city", "?1")                                 \
	" AND"                                                      \
	" c.grid >= ?1 AND c.grid < ?2 AND (?3 IS NULL OR EXISTS (" \
	"SELECT 1 FROM case_units cu WHERE cu.unit_id = ?3 AND cu.case_id = c.id))"

static void bind_scope(sqlite3_stmt *st, const struct pa_scope *s)
{
	char hi[PA_CODE_MAX + 2];
	snprintf(hi, sizeof hi, "%s~", s->region);
	bt(st, 1, s->region);
	bt(st, 2, hi);
	if (s->by_unit)
		sqlite3_bind_int64(st, 3, s->unit_id);
	else
		sqlite3_bind_null(st, 3);
}

static enum pa_err sq_case_head(struct pa_db *db, const struct pa_scope *s, int64_t id,
				struct pa_case_head *h)
{
	struct sq *d = SQ(db);
	static const char sql[] =
		"SELECT c.id, c.type, c.category, c.status, c.grid, c.unit_id,"
		" c.version, c.tier, c.urgent, c.ext_pending, c.profile, c.ext_days,"
		" c.phase_started, c.due_yellow, c.due_red, c.paused_at, c.next_due,"
		" c.paused_days, c.paused_secs, c.sup_level, c.overdue, c.rating,"
		" c.unreasonable, (SELECT count(*) FROM supervisions v WHERE"
		" v.case_id = c.id AND v.level = 'manual' AND v.reported_at IS NULL),"
		" c.watch_due, c.watch_open, c.watch_marked_at, c.channel, c.created_at,"
		" (SELECT s.to_unit FROM case_steps s WHERE s.case_id = c.id ORDER BY s.id"
		" LIMIT 1) FROM cases c WHERE c.id = ?4 AND" SCOPE_WHERE;
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bind_scope(st, s);
	sqlite3_bind_int64(st, 4, id);
	int rc = sqlite3_step(st);
	enum pa_err e = PA_OK;
	if (rc == SQLITE_ROW) {
		memset(h, 0, sizeof *h);
		h->id = sqlite3_column_int64(st, 0);
		snprintf(h->type, sizeof h->type, "%s", col_s(st, 1));
		snprintf(h->category, sizeof h->category, "%s", col_s(st, 2));
		snprintf(h->status, sizeof h->status, "%s", col_s(st, 3));
		snprintf(h->grid, sizeof h->grid, "%s", col_s(st, 4));
		h->unit_id = sqlite3_column_int64(st, 5);
		h->version = sqlite3_column_int64(st, 6);
		snprintf(h->tier, sizeof h->tier, "%s", col_s(st, 7));
		h->urgent = sqlite3_column_int(st, 8);
		h->ext_pending = sqlite3_column_int(st, 9);
		snprintf(h->profile, sizeof h->profile, "%s", col_s(st, 10));
		h->ext_days = sqlite3_column_int(st, 11);
		clock_from(st, 12, &h->clock);
		h->overdue = sqlite3_column_int(st, 20);
		snprintf(h->rating, sizeof h->rating, "%s", col_s(st, 21));
		h->unreasonable = sqlite3_column_int(st, 22) != 0;
		h->open_supervisions = sqlite3_column_int(st, 23);
		h->watch_due = sqlite3_column_int64(st, 24);
		h->watch_open = sqlite3_column_int(st, 25) != 0;
		h->watch_marked = sqlite3_column_int64(st, 26);
		snprintf(h->channel, sizeof h->channel, "%s", col_s(st, 27));
		h->reported_at = sqlite3_column_int64(st, 28);
		h->entry_unit = sqlite3_column_int64(st, 29);
	} else
		e = rc == SQLITE_DONE ? pa_errf(PA_NOT_FOUND, NULL, "no case %lld", (long long)id)
				      : map_rc(d, rc, "case head");
	done(d, st);
	return e;
}

#define CASE_COLS                                                                              \
	"c.id, c.number, c.type, c.category, c.status, c.title, c.grid, c.lng, c.lat,"         \
	" c.channel, c.unit_id, (SELECT name FROM units WHERE id = c.unit_id),"                \
	" c.created_at, c.updated_at, (SELECT name FROM regions WHERE code = c.grid),"         \
	" c.description, c.address, c.fields, c.reporter_id, c.version, c.tier, c.urgent,"     \
	" c.ext_pending, c.ext_days, c.rating, c.unreasonable, c.merged_into, c.routing_rule," \
	" c.profile, c.phase_started, c.due_yellow, c.due_red, c.paused_at, c.next_due,"       \
	" c.paused_days, c.paused_secs, c.sup_level, c.watch_due, c.watch_open, "              \
	"c.watch_marked_at,"                                                                   \
	" c.routing_version, c.seal_id"

static void case_from(struct pa_arena *a, sqlite3_stmt *st, bool full, struct pa_case_row *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->number = col_a(a, st, 1);
	r->type = col_a(a, st, 2);
	r->category = col_a(a, st, 3);
	r->status = col_a(a, st, 4);
	r->title = col_a(a, st, 5);
	r->grid = col_a(a, st, 6);
	r->lng = sqlite3_column_double(st, 7);
	r->lat = sqlite3_column_double(st, 8);
	r->channel = col_a(a, st, 9);
	r->unit_id = sqlite3_column_int64(st, 10);
	r->unit_name = col_a(a, st, 11);
	r->created_at = sqlite3_column_int64(st, 12);
	r->updated_at = sqlite3_column_int64(st, 13);
	r->grid_name = col_a(a, st, 14);
	r->version = sqlite3_column_int64(st, 19);
	r->tier = col_a(a, st, 20);
	r->urgent = sqlite3_column_int(st, 21) != 0;
	/* lists too: what a case's actions are judged by (the queues) */
	r->ext_pending = sqlite3_column_int(st, 22);
	r->rating = col_a(a, st, 24);
	r->unreasonable = sqlite3_column_int(st, 25) != 0;
	if (full) {
		r->description = col_a(a, st, 15);
		r->address = col_a(a, st, 16);
		r->fields = col_a(a, st, 17);
		r->reporter_id = sqlite3_column_int64(st, 18);
		r->ext_days = sqlite3_column_int(st, 23);
		r->merged_into = sqlite3_column_int64(st, 26);
		r->routing_rule = col_a(a, st, 27);
		r->profile = col_a(a, st, 28);
		r->routing_version = sqlite3_column_int64(st, 40);
		r->seal_id = col_a(a, st, 41);
	}
	/* lists show deadlines too: a workbench sorts and colours by them */
	clock_from(st, 29, &r->clock);
	r->watch_due = sqlite3_column_int64(st, 37);
	r->watch_open = sqlite3_column_int(st, 38) != 0;
	r->watch_marked = sqlite3_column_int64(st, 39);
}

static enum pa_err case_get(struct sq *d, const struct pa_scope *s, int64_t id, struct pa_arena *a,
			    struct pa_case_row *out);

/* The case, its parties and its steps from one snapshot: outside the writer's transaction
 * the three reads share one read transaction (one WAL read lock instead of three). */
static enum pa_err sq_case_get(struct pa_db *db, const struct pa_scope *s, int64_t id,
			       struct pa_arena *a, struct pa_case_row *out)
{
	struct sq *d = SQ(db);
	if (!sqlite3_get_autocommit(d->h))
		return case_get(d, s, id, a, out);
	enum pa_err e = simple(d, "BEGIN", "case get");
	if (e)
		return e;
	e = case_get(d, s, id, a, out);
	if (e)
		simple(d, "ROLLBACK", "case get");
	else
		simple(d, "COMMIT", "case get");
	return e;
}

static enum pa_err case_get(struct sq *d, const struct pa_scope *s, int64_t id, struct pa_arena *a,
			    struct pa_case_row *out)
{
	static const char sql[] =
		"SELECT " CASE_COLS " FROM cases c WHERE c.id = ?4 AND" SCOPE_WHERE;
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bind_scope(st, s);
	sqlite3_bind_int64(st, 4, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		enum pa_err e = rc == SQLITE_DONE
					? pa_errf(PA_NOT_FOUND, NULL, "no case %lld", (long long)id)
					: map_rc(d, rc, "case get");
		done(d, st);
		return e;
	}
	case_from(a, st, true, out);
	done(d, st);

	static const char psql[] = "SELECT role, name, id_number, phone, address FROM case_parties"
				   " WHERE case_id = ? ORDER BY idx";
	if (!(st = stmt(d, psql)))
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, id);
	int cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->parties = pa_grow(a, out->parties, out->nparties, &cap, sizeof *out->parties);
		struct pa_party_row *p = &out->parties[out->nparties++];
		p->role = col_a(a, st, 0);
		p->name = col_a(a, st, 1);
		p->id_number = col_a(a, st, 2);
		p->phone = col_a(a, st, 3);
		p->address = col_a(a, st, 4);
	}
	done(d, st);
	if (rc != SQLITE_DONE)
		return map_rc(d, rc, "case parties");

	static const char ssql[] =
		"SELECT s.action, s.from_state, s.to_state, s.from_unit, fu.name, s.to_unit,"
		" tu.name, s.actor_id, u.name, u.role, s.at, s.note FROM case_steps s"
		" LEFT JOIN units fu ON fu.id = s.from_unit LEFT JOIN units tu ON tu.id = s.to_unit"
		" LEFT JOIN users u ON u.id = s.actor_id WHERE s.case_id = ? ORDER BY s.id";
	if (!(st = stmt(d, ssql)))
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, id);
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->steps = pa_grow(a, out->steps, out->nsteps, &cap, sizeof *out->steps);
		struct pa_step_row *x = &out->steps[out->nsteps++];
		x->action = col_a(a, st, 0);
		x->from_state = col_a(a, st, 1);
		x->to_state = col_a(a, st, 2);
		x->from_unit = sqlite3_column_int64(st, 3);
		x->from_unit_name = col_a(a, st, 4);
		x->to_unit = sqlite3_column_int64(st, 5);
		x->to_unit_name = col_a(a, st, 6);
		x->actor_id = sqlite3_column_int64(st, 7);
		x->actor_name = col_a(a, st, 8);
		x->actor_role = col_a(a, st, 9);
		x->at = sqlite3_column_int64(st, 10);
		x->note = col_a(a, st, 11);
	}
	done(d, st);
	if (rc != SQLITE_DONE)
		return map_rc(d, rc, "case steps");

	/* Related cases are shown whatever their scope: number and status only, never their
	 * text, which may name people the reader may not see. */
	static const char lsql[] = "SELECT l.other_id, l.kind, o.number, NULL, o.status"
				   " FROM case_links l JOIN cases o ON o.id = l.other_id"
				   " WHERE l.case_id = ? ORDER BY l.at, l.other_id";
	if (!(st = stmt(d, lsql)))
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, id);
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->links = pa_grow(a, out->links, out->nlinks, &cap, sizeof *out->links);
		struct pa_link_row *l = &out->links[out->nlinks++];
		l->other_id = sqlite3_column_int64(st, 0);
		l->kind = col_a(a, st, 1);
		l->number = col_a(a, st, 2);
		l->title = col_a(a, st, 3);
		l->status = col_a(a, st, 4);
	}
	done(d, st);
	if (rc != SQLITE_DONE)
		return map_rc(d, rc, "case links");

	static const char asql[] = "SELECT a.sha256, a.mime, a.name, u.name, a.size, a.at"
				   " FROM case_attachments a LEFT JOIN users u ON u.id = a.actor_id"
				   " WHERE a.case_id = ? ORDER BY a.at, a.sha256";
	if (!(st = stmt(d, asql)))
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, id);
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->attachments = pa_grow(a, out->attachments, out->nattachments, &cap,
					   sizeof *out->attachments);
		struct pa_attachment_row *x = &out->attachments[out->nattachments++];
		x->sha256 = col_a(a, st, 0);
		x->mime = col_a(a, st, 1);
		x->name = col_a(a, st, 2);
		x->actor_name = col_a(a, st, 3);
		x->size = sqlite3_column_int64(st, 4);
		x->at = sqlite3_column_int64(st, 5);
	}
	done(d, st);
	if (rc != SQLITE_DONE)
		return map_rc(d, rc, "case attachments");

	static const char rsql[] = "SELECT r.kind, r.data, u.name, r.at FROM case_records r"
				   " LEFT JOIN users u ON u.id = r.actor_id WHERE r.case_id = ?"
				   " ORDER BY r.id";
	if (!(st = stmt(d, rsql)))
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, id);
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->records = pa_grow(a, out->records, out->nrecords, &cap, sizeof *out->records);
		struct pa_record_row *x = &out->records[out->nrecords++];
		x->kind = col_a(a, st, 0);
		x->data = col_a(a, st, 1);
		x->actor_name = col_a(a, st, 2);
		x->at = sqlite3_column_int64(st, 3);
	}
	done(d, st);
	if (rc != SQLITE_DONE)
		return map_rc(d, rc, "case records");

	static const char vsql[] = "SELECT v.level, v.note, u.name, v.at, v.due_at, v.report,"
				   " v.reported_at, v.late"
				   " FROM supervisions v LEFT JOIN users u ON u.id = v.by_user"
				   " WHERE v.case_id = ? ORDER BY v.id";
	if (!(st = stmt(d, vsql)))
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, id);
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->supervisions = pa_grow(a, out->supervisions, out->nsupervisions, &cap,
					    sizeof *out->supervisions);
		struct pa_supervision_row *v = &out->supervisions[out->nsupervisions++];
		v->level = col_a(a, st, 0);
		v->note = col_a(a, st, 1);
		v->by_name = col_a(a, st, 2);
		v->at = sqlite3_column_int64(st, 3);
		v->due_at = sqlite3_column_int64(st, 4);
		v->report = col_a(a, st, 5);
		v->reported_at = sqlite3_column_int64(st, 6);
		v->late = sqlite3_column_int(st, 7) != 0;
	}
	done(d, st);
	return rc == SQLITE_DONE ? PA_OK : map_rc(d, rc, "case supervisions");
}

/* The conditions of a case list and count: one statement for every filter combination,
 * NULL parameters matching anything. ?1-?3 are the scope, ?4 the cursor, ?10 the limit. */
#define CASE_FILTER_WHERE                                                                   \
	SCOPE_WHERE                                                                         \
	" AND c.id < ?4 AND (?5 IS NULL OR c.status = ?5)"                                  \
	" AND (?6 IS NULL OR c.category = ?6) AND (?7 IS NULL OR c.type = ?7)"              \
	" AND (?8 IS NULL OR (c.grid >= ?8 AND c.grid < ?8 || '~'))"                        \
	" AND (?9 IS NULL OR c.search LIKE '%' || ?9 || '%' ESCAPE '\\')"                   \
	" AND (?11 IS NULL OR c.id IN (SELECT case_id FROM case_persons WHERE bidx = ?11))" \
	" AND (?12 IS NULL OR c.status IN (SELECT value FROM json_each(?12)))"              \
	" AND (?13 IS NULL OR c.unit_id = ?13)"                                             \
	" AND (?14 IS NULL OR (c.due_red <= ?14 AND c.paused_at IS NULL))"                  \
	" AND (NOT ?15 OR c.sup_level <> 'none' OR EXISTS (SELECT 1 FROM supervisions v"    \
	" WHERE v.case_id = c.id AND v.level = 'manual' AND v.reported_at IS NULL))"        \
	" AND (?16 IS NULL OR (SELECT s.action FROM case_steps s WHERE s.case_id = c.id"    \
	" ORDER BY s.id DESC LIMIT 1) IN (SELECT value FROM json_each(?16)))"               \
	" AND (NOT ?17 OR c.rating IS NULL)"

/* Binds f's conditions (all but the limit); LIKE metacharacters in the words are literal. */
static void bind_filter(sqlite3_stmt *st, const struct pa_scope *s, const struct pa_case_filter *f,
			struct pa_arena *a)
{
	bind_scope(st, s);
	sqlite3_bind_int64(st, 4, f->before_id > 0 ? f->before_id : INT64_MAX);
	bt(st, 5, f->status);
	bt(st, 6, f->category);
	bt(st, 7, f->type);
	bt(st, 8, f->region);
	if (f->q) {
		size_t ql = strlen(f->q);
		char *esc = pa_alloc(a, 2 * ql + 1), *p = esc;
		for (const char *q = f->q; *q; q++) {
			if (*q == '%' || *q == '_' || *q == '\\')
				*p++ = '\\';
			*p++ = *q;
		}
		*p = 0;
		sqlite3_bind_text(st, 9, esc, -1, SQLITE_STATIC);
	}
	bt(st, 11, f->person);
	bt(st, 12, f->states);
	bid(st, 13, f->holder_unit);
	bid(st, 14, f->red_before);
	sqlite3_bind_int(st, 15, f->supervised);
	bt(st, 16, f->last_actions);
	sqlite3_bind_int(st, 17, f->unrated);
}

/* A list in another order than newest first: by (key, id) from after ?18, ?19 — the keys
 * as the indexes of migration 18 hold them. */
#define SQ_SORTED(sort, key, cmp, dir)                                                    \
	[sort] = "SELECT " CASE_COLS " FROM cases c WHERE" CASE_FILTER_WHERE " AND (" key \
		 ", c.id) " cmp " (?18, ?19) ORDER BY " key " " dir ", c.id " dir " LIMIT ?10",
static const char *const sq_sorted[] = {PA_CASE_SORTS(SQ_SORTED)};

/* The statement of f's order, with its cursor bound. */
static sqlite3_stmt *case_list_stmt(struct sq *d, const struct pa_case_filter *f)
{
	static const char newest[] = "SELECT " CASE_COLS " FROM cases c WHERE" CASE_FILTER_WHERE
				     " ORDER BY c.id DESC LIMIT ?10";
	if (f->sort == PA_SORT_NEWEST)
		return stmt(d, newest);
	sqlite3_stmt *st = stmt(d, sq_sorted[f->sort]);
	int64_t key, id;
	pa_case_sort_after(f, &key, &id);
	if (st) {
		sqlite3_bind_int64(st, 18, key);
		sqlite3_bind_int64(st, 19, id);
	}
	return st;
}

static enum pa_err sq_case_list(struct pa_db *db, const struct pa_scope *s,
				const struct pa_case_filter *f, struct pa_arena *a,
				struct pa_case_row **rows, int *n, int64_t *next)
{
	struct sq *d = SQ(db);
	sqlite3_stmt *st = case_list_stmt(d, f);
	if (!st)
		return pa_err_last()->code;
	bind_filter(st, s, f, a);
	sqlite3_bind_int(st, 10, f->limit + 1);
	*rows = pa_alloc(a, sizeof **rows * (size_t)(f->limit > 0 ? f->limit : 1));
	*n = 0;
	*next = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == f->limit) {
			*next = (*rows)[*n - 1].id;
			break;
		}
		case_from(a, st, false, &(*rows)[(*n)++]);
	}
	done(d, st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return map_rc(d, rc, "case list");
	return PA_OK;
}

static enum pa_err sq_case_count(struct pa_db *db, const struct pa_scope *s,
				 const struct pa_case_filter *f, int64_t *n)
{
	struct sq *d = SQ(db);
	/* every page: no limit (?10 is not used), no cursor */
	static const char sql[] = "SELECT count(*) FROM cases c WHERE" CASE_FILTER_WHERE;
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	struct pa_arena a;
	pa_arena_init(&a);
	struct pa_case_filter all = *f;
	all.before_id = 0;
	bind_filter(st, s, &all, &a);
	int rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	done(d, st);
	pa_arena_free(&a);
	if (rc != SQLITE_ROW)
		return map_rc(d, rc, "case count");
	return PA_OK;
}

static enum pa_err sq_case_step(struct pa_db *db, const struct pa_step_in *s)
{
	struct sq *d = SQ(db);
	/* The expected from_state guards against a racing action on the same case. */
	static const char sql[] =
		"UPDATE cases SET status = ?1, unit_id = coalesce(?2, unit_id), updated_at = ?3,"
		" version = version + 1, tier = coalesce(?6, tier),"
		" urgent = CASE WHEN ?7 < 0 THEN urgent ELSE ?7 END,"
		" ext_pending = CASE WHEN ?8 < 0 THEN ext_pending ELSE ?8 END,"
		" ext_days = ext_days + ?9,"
		" rating = CASE WHEN ?23 THEN NULL ELSE coalesce(?10, rating) END,"
		" unreasonable = CASE WHEN ?11 < 0 THEN unreasonable ELSE ?11 END,"
		" merged_into = coalesce(?12, merged_into),"
		" phase_started = CASE WHEN ?13 THEN ?14 ELSE phase_started END,"
		" due_yellow = CASE WHEN ?13 THEN ?15 ELSE due_yellow END,"
		" due_red = CASE WHEN ?13 THEN ?16 ELSE due_red END,"
		" paused_at = CASE WHEN ?13 THEN ?17 ELSE paused_at END,"
		" next_due = CASE WHEN ?13 THEN ?18 ELSE next_due END,"
		" paused_days = CASE WHEN ?13 THEN ?19 ELSE paused_days END,"
		" paused_secs = CASE WHEN ?13 THEN ?20 ELSE paused_secs END,"
		" sup_level = CASE WHEN ?13 THEN ?21 ELSE sup_level END,"
		" overdue = CASE WHEN ?22 THEN 1 ELSE overdue END,"
		" watch_open = CASE ?24 WHEN 1 THEN watch_due IS NOT NULL WHEN 2 THEN 0"
		" ELSE watch_open END,"
		" watch_marked_at = coalesce(?25, watch_marked_at),"
		" routing_rule = coalesce(?26, routing_rule),"
		" routing_version = CASE WHEN ?26 IS NULL THEN routing_version ELSE ?27 END,"
		" profile = coalesce(?28, profile)"
		" WHERE id = ?4 AND status = ?5";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, s->to_state);
	bid(st, 2, s->to_unit);
	sqlite3_bind_int64(st, 3, s->at);
	sqlite3_bind_int64(st, 4, s->case_id);
	bt(st, 5, s->from_state);
	const struct pa_case_patch none = {.urgent = -1, .ext_pending = -1, .unreasonable = -1};
	const struct pa_case_patch *p = s->patch ? s->patch : &none;
	bt(st, 6, p->tier);
	sqlite3_bind_int(st, 7, p->urgent);
	sqlite3_bind_int(st, 8, p->ext_pending);
	sqlite3_bind_int(st, 9, p->ext_add);
	bt(st, 10, p->rating);
	sqlite3_bind_int(st, 11, p->unreasonable);
	bid(st, 12, p->merged_into);
	sqlite3_bind_int(st, 22, p->mark_overdue);
	sqlite3_bind_int(st, 23, p->clear_rating);
	sqlite3_bind_int(st, 24, (int)p->watch);
	bid(st, 25, p->watch_marked);
	bt(st, 26, p->routing_rule);
	bid(st, 27, p->routing_version);
	bt(st, 28, p->profile);
	sqlite3_bind_int(st, 13, p->clock != NULL);
	if (p->clock)
		bind_clock(st, 14, p->clock);
	enum pa_err e = run(d, st, "case update");
	if (e)
		return e;
	if (sqlite3_changes(d->h) != 1)
		return pa_errf(PA_CONFLICT, NULL,
			       "the case changed meanwhile; reload it and try again");
	int64_t step_id;
	if ((e = insert_step(d, s, &step_id)))
		return e;
	char action[64];
	snprintf(action, sizeof action, "case.%s", s->action);
	if ((e = audit_json(d, s->actor_id, action, "case", s->case_id, NULL,
			    json_pack("{s:I, s:s?, s:s?, s:o, s:o}", "step", (json_int_t)step_id,
				      "from", s->from_state, "to", s->to_state, "from_unit",
				      jid(s->from_unit), "to_unit", jid(s->to_unit)))))
		return e;
	if ((e = apply_stats(d, s, s->to_unit ? s->to_unit : s->from_unit)))
		return e;
	if (strcmp(s->from_state, s->to_state) == 0)
		return PA_OK;
	if ((e = count_add(d, s->grid, s->type, s->category, s->from_state, -1)))
		return e;
	return count_add(d, s->grid, s->type, s->category, s->to_state, 1);
}

static enum pa_err sq_case_link(struct pa_db *db, int64_t a, int64_t b, const char *kind,
				int64_t at)
{
	struct sq *d = SQ(db);
	/* A merge replaces a plain link between the same cases; a link twice conflicts. */
	static const char sql[] =
		"INSERT INTO case_links (case_id, other_id, kind, at)"
		" VALUES (?1,?2,?3,?4) ON CONFLICT (case_id, other_id) DO UPDATE"
		" SET kind = excluded.kind, at = excluded.at"
		" WHERE case_links.kind = 'related' AND excluded.kind <> 'related'";
	static const char bump[] = "UPDATE cases SET version = version + 1 WHERE id = ?";
	/* the duplicate points at the case it joined; that case lists its merged reports */
	const char *back = strcmp(kind, "merged") == 0 ? "merged_report"
			   : strcmp(kind, "task") == 0 ? "warning"
						       : kind;
	int64_t pairs[2][2] = {{a, b}, {b, a}};
	for (int i = 0; i < 2; i++) {
		sqlite3_stmt *st = stmt(d, sql);
		if (!st)
			return pa_err_last()->code;
		sqlite3_bind_int64(st, 1, pairs[i][0]);
		sqlite3_bind_int64(st, 2, pairs[i][1]);
		bt(st, 3, i ? back : kind);
		sqlite3_bind_int64(st, 4, at);
		int rc = sqlite3_step(st);
		done(d, st);
		if (rc != SQLITE_DONE)
			return map_rc(d, rc, "case link");
		if (sqlite3_changes(d->h) == 0)
			return pa_errf(PA_CONFLICT, "target_case_id",
				       "the cases are already related");
		if (!(st = stmt(d, bump)))
			return pa_err_last()->code;
		sqlite3_bind_int64(st, 1, pairs[i][0]);
		enum pa_err e = run(d, st, "case link");
		if (e)
			return e;
	}
	return PA_OK;
}

static enum pa_err sq_linked(struct pa_db *db, int64_t id, const char *kind, json_t **rows)
{
	struct sq *d = SQ(db);
	static const char sql[] =
		"SELECT o.id, o.number, o.grid, o.status,"
		" (SELECT name FROM regions WHERE code = o.grid) FROM case_links l"
		" JOIN cases o ON o.id = l.other_id WHERE l.case_id = ? AND l.kind = ?"
		" ORDER BY o.grid, o.id";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, id);
	bt(st, 2, kind);
	*rows = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(*rows,
				      json_pack("{s:I, s:s, s:s, s:s, s:s}", "case_id",
						(json_int_t)sqlite3_column_int64(st, 0), "number",
						col_s(st, 1), "grid", col_s(st, 2), "status",
						col_s(st, 3), "grid_name", col_s(st, 4)));
	done(d, st);
	if (rc != SQLITE_DONE) {
		json_decref(*rows);
		*rows = NULL;
		return map_rc(d, rc, "linked cases");
	}
	return PA_OK;
}

static enum pa_err sq_case_dispatcher(struct pa_db *db, int64_t id, int64_t *unit_id)
{
	struct sq *d = SQ(db);
	/* a re-route leaves from the unit it takes the case away from: the dispatcher is the
	 * unit the last dispatch (交办 for petitions) left from */
	static const char sql[] = "SELECT from_unit FROM case_steps WHERE case_id = ?"
				  " AND action IN ('dispatch', 'assign') ORDER BY id DESC LIMIT 1";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	*unit_id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	done(d, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? PA_OK : map_rc(d, rc, "case dispatcher");
}

static enum pa_err sq_case_who(struct pa_db *db, int64_t id, const char *handle_states,
			       int64_t actor_unit, struct pa_case_who *out)
{
	struct sq *d = SQ(db);
	static const char sql[] =
		"SELECT c.reporter_id, (SELECT s.from_unit FROM case_steps s WHERE s.case_id = c.id"
		" AND instr(?1, ',' || s.from_state || ',') > 0"
		" AND instr(?1, ',' || s.to_state || ',') = 0 ORDER BY s.id DESC LIMIT 1),"
		" (SELECT region FROM units WHERE id = c.unit_id),"
		" (SELECT region FROM units WHERE id = ?2) FROM cases c WHERE c.id = ?3";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_text(st, 1, handle_states, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, actor_unit);
	sqlite3_bind_int64(st, 3, id);
	int rc = sqlite3_step(st);
	memset(out, 0, sizeof *out);
	if (rc == SQLITE_ROW) {
		const char *hr = (const char *)sqlite3_column_text(st, 2),
			   *ar = (const char *)sqlite3_column_text(st, 3);
		out->reporter_id = sqlite3_column_int64(st, 0);
		out->handled_by = sqlite3_column_int64(st, 1);
		snprintf(out->holder_region, sizeof out->holder_region, "%s", hr ? hr : "");
		snprintf(out->actor_region, sizeof out->actor_region, "%s", ar ? ar : "");
	}
	done(d, st);
	if (rc == SQLITE_DONE)
		return pa_errf(PA_NOT_FOUND, NULL, "no case %lld", (long long)id);
	return rc == SQLITE_ROW ? PA_OK : map_rc(d, rc, "case who");
}

static enum pa_err sq_unit_has_role(struct pa_db *db, int64_t unit, const char *roles, bool *yes)
{
	struct sq *d = SQ(db);
	static const char sql[] = "SELECT EXISTS (SELECT 1 FROM users WHERE unit_id = ?1"
				  " AND disabled = 0 AND instr(?2, ',' || role || ',') > 0)";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, unit);
	sqlite3_bind_text(st, 2, roles, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*yes = rc == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
	done(d, st);
	return rc == SQLITE_ROW ? PA_OK : map_rc(d, rc, "unit roles");
}

static enum pa_err sq_attachment_add(struct pa_db *db, int64_t case_id, const char *sha256,
				     const char *mime, int64_t size, const char *name,
				     int64_t actor_id, int64_t at)
{
	struct sq *d = SQ(db);
	static const char sql[] = "INSERT INTO case_attachments (case_id, sha256, mime, size, name,"
				  " actor_id, at) VALUES (?,?,?,?,?,?,?)";
	static const char bump[] = "UPDATE cases SET version = version + 1 WHERE id = ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, case_id);
	bt(st, 2, sha256);
	bt(st, 3, mime);
	sqlite3_bind_int64(st, 4, size);
	bt(st, 5, name);
	bid(st, 6, actor_id);
	sqlite3_bind_int64(st, 7, at);
	int rc = sqlite3_step(st);
	done(d, st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return pa_errf(PA_CONFLICT, NULL, "the case has this file already");
	if (rc != SQLITE_DONE)
		return map_rc(d, rc, "attachment");
	if (!(st = stmt(d, bump)))
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, case_id);
	return run(d, st, "attachment");
}

static enum pa_err sq_attachment_get(struct pa_db *db, int64_t case_id, const char *sha256,
				     char mime[32], char name[256], int64_t *size)
{
	struct sq *d = SQ(db);
	static const char sql[] = "SELECT mime, name, size FROM case_attachments"
				  " WHERE case_id = ? AND sha256 = ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, case_id);
	bt(st, 2, sha256);
	int rc = sqlite3_step(st);
	enum pa_err e = PA_OK;
	if (rc == SQLITE_ROW) {
		snprintf(mime, 32, "%s", col_s(st, 0));
		snprintf(name, 256, "%s", col_s(st, 1));
		*size = sqlite3_column_int64(st, 2);
	} else
		e = rc == SQLITE_DONE
			    ? pa_errf(PA_NOT_FOUND, NULL, "no such attachment on this case")
			    : map_rc(d, rc, "attachment");
	done(d, st);
	return e;
}

static enum pa_err sq_record_add(struct pa_db *db, int64_t case_id, const char *kind,
				 const char *data, int64_t actor_id, int64_t at)
{
	struct sq *d = SQ(db);
	static const char sql[] = "INSERT INTO case_records (case_id, kind, data, actor_id, at)"
				  " VALUES (?,?,?,?,?)";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, case_id);
	bt(st, 2, kind);
	bt(st, 3, data);
	bid(st, 4, actor_id);
	sqlite3_bind_int64(st, 5, at);
	return run(d, st, "record");
}

static enum pa_err sq_case_by_query(struct pa_db *db, const char *query_hash, int64_t *id)
{
	struct sq *d = SQ(db);
	static const char sql[] = "SELECT id FROM cases WHERE query_hash = ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, query_hash);
	int rc = sqlite3_step(st);
	enum pa_err e = PA_OK;
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else
		e = rc == SQLITE_DONE ? pa_errf(PA_NOT_FOUND, "code", "no case has this query code")
				      : map_rc(d, rc, "case by query");
	done(d, st);
	return e;
}

/* Ids and due times from a (due, id)-paged query bound ?1 now, ?2 after_due, ?3 after_id,
 * ?4 max. */
static enum pa_err due_page(struct sq *d, const char *sql, int64_t now, int64_t after_due,
			    int64_t after_id, int max, int64_t *ids, int64_t *dues, int *n)
{
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, after_due);
	sqlite3_bind_int64(st, 3, after_id);
	sqlite3_bind_int(st, 4, max);
	*n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		ids[*n] = sqlite3_column_int64(st, 0);
		dues[(*n)++] = sqlite3_column_int64(st, 1);
	}
	done(d, st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? PA_OK : map_rc(d, rc, "cases due");
}

static enum pa_err sq_cases_due(struct pa_db *db, int64_t now, int64_t after_due, int64_t after_id,
				int max, int64_t *ids, int64_t *dues, int *n)
{
	/* paged by (next_due, id): a case the sweeper cannot judge stays behind the page and
	 * never starves those after it */
	static const char sql[] =
		"SELECT id, next_due FROM cases WHERE next_due IS NOT NULL AND"
		" next_due <= ?1 AND (next_due > ?2 OR (next_due = ?2 AND id > ?3))"
		" ORDER BY next_due, id LIMIT ?4";
	return due_page(SQ(db), sql, now, after_due, after_id, max, ids, dues, n);
}

static enum pa_err sq_cases_watch_due(struct pa_db *db, int64_t now, int64_t after_due,
				      int64_t after_id, int max, int64_t *ids, int64_t *dues,
				      int *n)
{
	/* the terms of the partial index cases_watch_due, so it is the one read */
	static const char sql[] =
		"SELECT id, watch_due FROM cases WHERE watch_open = 1 AND watch_marked_at IS NULL"
		" AND watch_due <= ?1 AND (watch_due > ?2 OR (watch_due = ?2 AND id > ?3))"
		" ORDER BY watch_due, id LIMIT ?4";
	return due_page(SQ(db), sql, now, after_due, after_id, max, ids, dues, n);
}

static enum pa_err sq_unit_by_code(struct pa_db *db, const char *city, const char *code,
				   int64_t *id, char *name, size_t cap, char region[16])
{
	struct sq *d = SQ(db);
	static const char sql[] = "SELECT id, name, region FROM units WHERE code = ?1"
				  " AND (?2 IS NULL OR city = ?2) ORDER BY id LIMIT 1";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, code);
	bt(st, 2, city);
	int rc = sqlite3_step(st);
	enum pa_err e = PA_OK;
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		if (name)
			snprintf(name, cap, "%s", col_s(st, 1));
		if (region)
			snprintf(region, 16, "%s", col_s(st, 2));
	} else
		e = rc == SQLITE_DONE ? pa_errf(PA_NOT_FOUND, NULL, "no unit with code %s", code)
				      : map_rc(d, rc, "unit by code");
	done(d, st);
	return e;
}

static enum pa_err sq_supervision_report(struct pa_db *db, int64_t case_id, const char *report,
					 int64_t at)
{
	struct sq *d = SQ(db);
	static const char sql[] = "UPDATE supervisions SET report = ?, reported_at = ?"
				  " WHERE id = (SELECT id FROM supervisions WHERE case_id = ? AND"
				  " level = 'manual' AND reported_at IS NULL ORDER BY id LIMIT 1)";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, report);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_int64(st, 3, case_id);
	enum pa_err e = run(d, st, "supervision report");
	if (!e && sqlite3_changes(d->h) != 1)
		e = pa_errf(PA_ACTION_NOT_ALLOWED, "action", "no supervision waits for a report");
	return e;
}

static enum pa_err sq_supervisions_late(struct pa_db *db, int64_t now, int max, int64_t *case_ids,
					int64_t *ids, int *n)
{
	struct sq *d = SQ(db);
	static const char sql[] = "SELECT case_id, id FROM supervisions WHERE level = 'manual'"
				  " AND reported_at IS NULL AND late = 0 AND due_at <= ?"
				  " ORDER BY due_at, id LIMIT ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, max);
	*n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
		case_ids[*n] = sqlite3_column_int64(st, 0);
		ids[(*n)++] = sqlite3_column_int64(st, 1);
	}
	done(d, st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? PA_OK : map_rc(d, rc, "supervisions late");
}

static enum pa_err sq_supervision_mark_late(struct pa_db *db, int64_t id)
{
	struct sq *d = SQ(db);
	static const char sql[] = "UPDATE supervisions SET late = 1 WHERE id = ?"
				  " AND reported_at IS NULL AND late = 0";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, id);
	enum pa_err e = run(d, st, "supervision late");
	if (!e && sqlite3_changes(d->h) != 1)
		e = PA_NOT_FOUND;
	return e;
}

static enum pa_err sq_supervision_add(struct pa_db *db, int64_t case_id, const char *level,
				      int64_t by_user, const char *note, int64_t at, int64_t due_at)
{
	struct sq *d = SQ(db);
	static const char sql[] = "INSERT INTO supervisions (case_id, level, by_user, note, at,"
				  " due_at) VALUES (?,?,?,?,?,?)";
	static const char bump[] = "UPDATE cases SET version = version + 1 WHERE id = ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, case_id);
	bt(st, 2, level);
	bid(st, 3, by_user);
	bt(st, 4, note);
	sqlite3_bind_int64(st, 5, at);
	bid(st, 6, due_at);
	enum pa_err e = run(d, st, "supervision");
	if (e)
		return e;
	if (!(st = stmt(d, bump)))
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, case_id);
	return run(d, st, "supervision");
}

static enum pa_err sq_stats(struct pa_db *db, const struct pa_scope *s, const char *region,
			    json_t **out)
{
	struct sq *d = SQ(db);
	/* Region-scoped callers read the counters; unit-scoped ones count their own cases. */
	static const char by_counts[] =
		"SELECT status, category, type, sum(n) FROM stat_counts"
		" WHERE" CITY_BOUND("+city", "?1") " AND grid >= ?1 AND grid < ?1 || '~'"
						   " GROUP BY status, category, type";
	static const char by_cases[] =
		"SELECT c.status, c.category, c.type, count(*) FROM cases c WHERE" SCOPE_WHERE
		" AND c.grid >= ?4 AND c.grid < ?4 || '~' GROUP BY 1, 2, 3";
	sqlite3_stmt *st = stmt(d, s->by_unit ? by_cases : by_counts);
	if (!st)
		return pa_err_last()->code;
	if (s->by_unit) {
		bind_scope(st, s);
		bt(st, 4, region);
	} else
		bt(st, 1, region);
	json_t *status = json_object(), *category = json_object(), *type = json_object(),
	       *snap = json_object();
	json_int_t total = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_int_t n = sqlite3_column_int64(st, 3);
		if (!n)
			continue;
		if (col_s(st, 0)[0] == '~') {
			/* a snapshot metric (e.g. ~overdue: open cases past a red limit) */
			const char *k = col_s(st, 0) + 1;
			json_t *v = json_object_get(snap, k);
			json_object_set_new(snap, k,
					    json_integer((v ? json_integer_value(v) : 0) + n));
			continue;
		}
		const char *keys[3] = {col_s(st, 0), col_s(st, 1), col_s(st, 2)};
		json_t *objs[3] = {status, category, type};
		for (int i = 0; i < 3; i++) {
			json_t *v = json_object_get(objs[i], keys[i]);
			json_object_set_new(objs[i], keys[i],
					    json_integer((v ? json_integer_value(v) : 0) + n));
		}
		total += n;
	}
	done(d, st);
	if (rc != SQLITE_DONE) {
		json_decref(status);
		json_decref(category);
		json_decref(type);
		json_decref(snap);
		return map_rc(d, rc, "stats");
	}
	*out = json_pack("{s:s, s:I, s:o, s:o, s:o, s:o}", "region", region, "total", total,
			 "by_status", status, "by_category", category, "by_type", type, "snapshot",
			 snap);
	if (!s->by_unit)
		return PA_OK;
	/* a unit's cases past a red limit, by status (the caller knows which are open) */
	static const char overdue[] = "SELECT c.status, count(*) FROM cases c WHERE" SCOPE_WHERE
				      " AND c.grid >= ?4 AND c.grid < ?4 || '~'"
				      " AND c.overdue = 1 GROUP BY 1";
	if (!(st = stmt(d, overdue))) {
		json_decref(*out);
		*out = NULL;
		return pa_err_last()->code;
	}
	bind_scope(st, s);
	bt(st, 4, region);
	json_t *od = json_object();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_set_new(od, col_s(st, 0), json_integer(sqlite3_column_int64(st, 1)));
	done(d, st);
	json_object_set_new(*out, "overdue_by_status", od);
	if (rc != SQLITE_DONE) {
		json_decref(*out);
		*out = NULL;
		return map_rc(d, rc, "stats");
	}
	return PA_OK;
}

static enum pa_err sq_stat_events(struct pa_db *db, const char *region, int from, int to,
				  int group_digits, json_t **rows)
{
	struct sq *d = SQ(db);
	static const char sql[] =
		"SELECT CASE WHEN ?4 = 0 THEN CAST(month AS TEXT) WHEN ?4 < 0"
		" THEN CAST(unit_id AS TEXT) ELSE substr(grid, 1, ?4) END,"
		" metric, category, sum(n) FROM stat_month WHERE" CITY_BOUND(
			"+city",
			"?1") " AND grid >= ?1 AND grid < ?1 || '~' AND month BETWEEN ?2 AND ?3"
			      " GROUP BY 1, 2, 3";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, region);
	sqlite3_bind_int(st, 2, from);
	sqlite3_bind_int(st, 3, to);
	sqlite3_bind_int(st, 4, group_digits);
	*rows = json_array();
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(*rows, json_pack("[s, s, s, I]", col_s(st, 0), col_s(st, 1),
						       col_s(st, 2),
						       (json_int_t)sqlite3_column_int64(st, 3)));
	done(d, st);
	if (rc != SQLITE_DONE) {
		json_decref(*rows);
		*rows = NULL;
		return map_rc(d, rc, "stat events");
	}
	return PA_OK;
}

/* ---- routing versions ---- */

static enum pa_err sq_routing_version_add(struct pa_db *db, const struct pa_routing_version *v,
					  int64_t *version)
{
	struct sq *d = SQ(db);
	static const char sql[] =
		"INSERT INTO routing_versions (version, rules, sha256, source, actor_id, reason, "
		"at)"
		" VALUES ((SELECT coalesce(max(version), 0) + 1 FROM routing_versions),"
		" ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, v->rules);
	bt(st, 2, v->sha256);
	bt(st, 3, v->source);
	bid(st, 4, v->actor_id);
	bt(st, 5, v->reason);
	sqlite3_bind_int64(st, 6, v->at);
	enum pa_err e = run(d, st, "routing version insert");
	if (!e)
		*version = sqlite3_last_insert_rowid(d->h);
	return e;
}

#define ROUTING_VERSION_COLS                                                              \
	"v.version, v.sha256, v.source, v.actor_id, (SELECT coalesce(nullif(u.name, '')," \
	" u.username) FROM users u WHERE u.id = v.actor_id), v.reason, v.at"

static void routing_version_from(struct pa_arena *a, sqlite3_stmt *st, void *row)
{
	struct pa_routing_version *v = row;
	memset(v, 0, sizeof *v);
	v->version = sqlite3_column_int64(st, 0);
	v->sha256 = col_a(a, st, 1);
	v->source = col_a(a, st, 2);
	v->actor_id = sqlite3_column_int64(st, 3);
	v->actor_name = col_a(a, st, 4);
	v->reason = col_a(a, st, 5);
	v->at = sqlite3_column_int64(st, 6);
}

static enum pa_err sq_routing_version_get(struct pa_db *db, int64_t version, const char *source,
					  struct pa_arena *a, struct pa_routing_version *out)
{
	struct sq *d = SQ(db);
	static const char sql[] =
		"SELECT " ROUTING_VERSION_COLS ", v.rules"
		" FROM routing_versions v WHERE (?1 = 0 OR v.version = ?1)"
		" AND (?2 IS NULL OR v.source = ?2) ORDER BY v.version DESC LIMIT 1";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, version);
	bt(st, 2, source);
	int rc = sqlite3_step(st);
	enum pa_err e = PA_OK;
	if (rc == SQLITE_ROW) {
		routing_version_from(a, st, out);
		out->rules = col_a(a, st, 7);
	} else
		e = rc == SQLITE_DONE ? pa_errf(PA_NOT_FOUND, NULL, "no such routing version")
				      : map_rc(d, rc, "routing version");
	done(d, st);
	return e;
}

static enum pa_err sq_routing_versions(struct pa_db *db, int64_t before, int max,
				       struct pa_arena *a, struct pa_routing_version **rows, int *n,
				       int64_t *next)
{
	struct sq *d = SQ(db);
	static const char sql[] =
		"SELECT " ROUTING_VERSION_COLS " FROM routing_versions v"
		" WHERE ?1 = 0 OR v.version < ?1 ORDER BY v.version DESC LIMIT ?2";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int(st, 2, max + 1);
	return page_rows(d, st, a, sizeof **rows, max, routing_version_from, (void **)rows, n, next,
			 "routing versions");
}

/* ---- idempotency ---- */

static enum pa_err sq_seal_probe(struct pa_db *db, const char *fresh, char **stored)
{
	struct sq *d = SQ(db);
	static const char ins[] = "INSERT OR IGNORE INTO pii_key (id, probe) VALUES (1, ?)";
	static const char sel[] = "SELECT probe FROM pii_key WHERE id = 1";
	sqlite3_stmt *st;
	enum pa_err e = PA_OK;
	if (fresh) {
		if (!(st = stmt(d, ins)))
			return pa_err_last()->code;
		bt(st, 1, fresh);
		e = run(d, st, "personal data key");
	}
	if (e || !(st = stmt(d, sel)))
		return e ? e : pa_err_last()->code;
	int rc = sqlite3_step(st);
	*stored = rc == SQLITE_ROW ? strdup(col_s(st, 0)) : NULL;
	e = rc == SQLITE_ROW || rc == SQLITE_DONE ? PA_OK : map_rc(d, rc, "probe");
	done(d, st);
	return e;
}

static enum pa_err sq_plain_cases(struct pa_db *db, int64_t after, int max, int64_t *ids, int *n)
{
	struct sq *d = SQ(db);
	static const char sql[] =
		"SELECT id FROM cases c WHERE id > ? AND seal_id IS NULL AND (fields != '{}'"
		" OR EXISTS (SELECT 1 FROM case_parties p WHERE p.case_id = c.id))"
		" ORDER BY id LIMIT ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, max);
	int rc;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	done(d, st);
	return rc == SQLITE_DONE ? PA_OK : map_rc(d, rc, "plain cases");
}

static enum pa_err sq_case_reseal(struct pa_db *db, int64_t id, const struct pa_case_in *c)
{
	struct sq *d = SQ(db);
	static const char csql[] = "UPDATE cases SET seal_id = ?, fields = ? WHERE id = ?";
	static const char psql[] = "UPDATE case_parties SET name = ?, id_number = ?, phone = ?,"
				   " address = ? WHERE case_id = ? AND idx = ?";
	sqlite3_stmt *st = stmt(d, csql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, c->seal_id);
	bt(st, 2, c->fields_json ? c->fields_json : "{}");
	sqlite3_bind_int64(st, 3, id);
	enum pa_err e = run(d, st, "case reseal");
	for (int i = 0; !e && i < c->nparties; i++) {
		if (!(st = stmt(d, psql)))
			return pa_err_last()->code;
		bt(st, 1, c->parties[i].name);
		bt(st, 2, c->parties[i].id_number);
		bt(st, 3, c->parties[i].phone);
		bt(st, 4, c->parties[i].address);
		sqlite3_bind_int64(st, 5, id);
		sqlite3_bind_int(st, 6, i);
		e = run(d, st, "party reseal");
	}
	return e ? e : persons_add(d, id, c);
}

static enum pa_err sq_scrub(struct pa_db *db)
{
	struct sq *d = SQ(db);
	enum pa_err e = exec(d, "VACUUM", "scrub");
	return e ? e : exec(d, "PRAGMA wal_checkpoint(TRUNCATE)", "scrub");
}

static enum pa_err sq_idem_get(struct pa_db *db, int64_t user_id, const char *key, char *req_hash,
			       int *status, char **body)
{
	struct sq *d = SQ(db);
	static const char sql[] = "SELECT req_hash, status, body FROM idempotency"
				  " WHERE user_id = ? AND key = ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, user_id);
	bt(st, 2, key);
	int rc = sqlite3_step(st);
	enum pa_err e = PA_OK;
	if (rc == SQLITE_ROW) {
		snprintf(req_hash, 65, "%s", col_s(st, 0));
		*status = sqlite3_column_int(st, 1);
		*body = strdup(col_s(st, 2));
	} else
		e = rc == SQLITE_DONE ? PA_NOT_FOUND : map_rc(d, rc, "idempotency get");
	done(d, st);
	return e;
}

static enum pa_err sq_idem_put(struct pa_db *db, int64_t user_id, const char *key,
			       const char *req_hash, int status, const char *body, int64_t now)
{
	struct sq *d = SQ(db);
	static const char sql[] = "INSERT INTO idempotency (user_id, key, req_hash, status, body,"
				  " created_at) VALUES (?,?,?,?,?,?)";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, user_id);
	bt(st, 2, key);
	bt(st, 3, req_hash);
	sqlite3_bind_int(st, 4, status);
	bt(st, 5, body);
	sqlite3_bind_int64(st, 6, now);
	return run(d, st, "idempotency put");
}

static enum pa_err sq_idem_prune(struct pa_db *db, int64_t before, int max, int *n)
{
	struct sq *d = SQ(db);
	/* by the index on created_at: the work follows the keys due to go */
	static const char sql[] =
		"DELETE FROM idempotency WHERE (user_id, key) IN (SELECT user_id, key FROM"
		" idempotency WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, before);
	sqlite3_bind_int(st, 2, max);
	enum pa_err e = run(d, st, "idempotency prune");
	*n = e ? 0 : sqlite3_changes(d->h);
	return e;
}

/* ---- backup, restore and check ---- */

/* Steps of the copy: progress is heard after each; the snapshot is held between them. */
#define COPY_STEP_PAGES 1024

static enum pa_err fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		return pa_errf(PA_STORE_IO, NULL, "cannot sync %s: %s", path, strerror(err));
	}
	close(fd);
	return PA_OK;
}

/* Copy src into dst page by page (sqlite3_backup), telling progress after each step. */
static enum pa_err copy_pages(sqlite3 *dst, sqlite3 *src, const struct pa_copy_cbs *cb,
			      const char *what)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b)
		return pa_errf(PA_STORE_IO, NULL, "%s: %s", what, sqlite3_errmsg(dst));
	int rc, busy = 0;
	do {
		rc = sqlite3_backup_step(b, COPY_STEP_PAGES);
		if (cb && cb->progress)
			cb->progress(cb->arg,
				     sqlite3_backup_pagecount(b) - sqlite3_backup_remaining(b),
				     sqlite3_backup_pagecount(b));
		/* another connection holds a lock the step needs: wait a little, a few times */
		if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
			if (++busy > 250)
				break;
			sqlite3_sleep(20);
			rc = SQLITE_OK;
		}
	} while (rc == SQLITE_OK);
	sqlite3_backup_finish(b);
	if (rc == SQLITE_DONE)
		return PA_OK;
	if ((rc & 0xff) == SQLITE_READONLY)
		return pa_errf(PA_STORE_IO, NULL,
			       "%s: the copy's page size differs from the database's (%s)", what,
			       sqlite3_errstr(rc));
	return pa_errf(PA_STORE_IO, NULL, "%s: %s", what, sqlite3_errstr(rc));
}

/* The attachments a database refers to, to cb (statement on connection h). */
static enum pa_err files_each(sqlite3 *h, pa_file_cb cb, void *arg, int64_t *n)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(h,
			       "SELECT case_id, sha256, size FROM case_attachments"
			       " ORDER BY case_id, sha256",
			       -1, &st, NULL) != SQLITE_OK)
		return pa_errf(PA_STORE_IO, NULL, "attachments: %s", sqlite3_errmsg(h));
	enum pa_err e = PA_OK;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && !e) {
		if (n)
			(*n)++;
		if (cb)
			e = cb(arg, sqlite3_column_int64(st, 0), col_s(st, 1),
			       sqlite3_column_int64(st, 2));
	}
	if (!e && rc != SQLITE_DONE && rc != SQLITE_ROW)
		e = pa_errf(PA_STORE_IO, NULL, "attachments: %s", sqlite3_errmsg(h));
	sqlite3_finalize(st);
	return e;
}

static enum pa_err sq_backup(struct pa_db *db, const char *path, const struct pa_copy_cbs *cb)
{
	struct sq *d = SQ(db);
	struct stat sb;
	if (stat(path, &sb) == 0)
		return pa_errf(PA_CONFLICT, NULL, "%s exists already", path);
	/* One read transaction across every step: the copy is of one moment, and no writer
	 * restarts it. In WAL mode a reader never blocks the writer, so the serving pingan
	 * goes on committing meanwhile (its log grows until the copy ends). */
	enum pa_err e = exec(d, "BEGIN; SELECT count(*) FROM sqlite_schema", "backup");
	if (e)
		return e;
	sqlite3 *dst = NULL;
	int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK)
		e = pa_errf(PA_STORE_IO, NULL, "cannot create %s: %s", path,
			    dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
	if (!e)
		e = copy_pages(dst, d->h, cb, "backup");
	exec(d, "COMMIT", "backup");
	/* The copy keeps the WAL mark of its source: make it one self-contained file (no
	 * -wal beside it), and look it over before anyone relies on it. */
	char *msg = NULL;
	if (!e && sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, &msg) != SQLITE_OK)
		e = pa_errf(PA_STORE_IO, NULL, "backup: %s", msg ? msg : sqlite3_errmsg(dst));
	sqlite3_free(msg);
	sqlite3_stmt *st = NULL;
	if (!e && sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && strcmp(col_s(st, 0), "ok") != 0)
		e = pa_errf(PA_STORE_IO, NULL, "the copy does not read back whole: %s",
			    col_s(st, 0));
	sqlite3_finalize(st);
	if (!e && cb && cb->file)
		e = files_each(dst, cb->file, cb->arg, NULL);
	if (sqlite3_close(dst) != SQLITE_OK && !e)
		e = pa_errf(PA_STORE_IO, NULL, "cannot close %s", path);
	if (!e)
		e = fsync_path(path);
	return e;
}

static enum pa_err sq_restore(struct pa_db *db, const char *path, const struct pa_copy_cbs *cb)
{
	struct sq *d = SQ(db);
	sqlite3 *src = NULL;
	int rc = sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL);
	enum pa_err e = PA_OK;
	if (rc != SQLITE_OK)
		e = pa_errf(PA_STORE_IO, NULL, "cannot open %s: %s", path,
			    src ? sqlite3_errmsg(src) : sqlite3_errstr(rc));
	/* The whole copy lands in one write transaction of this connection (through its
	 * log): a crash leaves the database as it was before, never half restored. */
	if (!e)
		e = copy_pages(d->h, src, cb, "restore");
	sqlite3_close(src);
	if (!e)
		e = exec(d, "PRAGMA wal_checkpoint(TRUNCATE)", "restore");
	return e;
}

static void problem(struct pa_check_report *r, const char *area, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void problem(struct pa_check_report *r, const char *area, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	r->problems++;
	if (r->problem)
		r->problem(r->arg, area, msg);
}

/* Run sql (params ?1, ?2 bound to the JSON lists) and hand each row to fn. */
typedef void (*row_fn)(struct pa_check_report *r, sqlite3_stmt *st);

static enum pa_err each_row(struct sq *d, const char *sql, const char *j1, const char *j2,
			    struct pa_check_report *r, row_fn fn)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(d->h, sql, -1, &st, NULL) != SQLITE_OK) {
		enum pa_err e = map_rc(d, sqlite3_errcode(d->h), "check");
		sqlite3_finalize(st);
		return e;
	}
	if (j1)
		bt(st, 1, j1);
	if (j2)
		bt(st, 2, j2);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(r, st);
	enum pa_err e = rc == SQLITE_DONE ? PA_OK : map_rc(d, rc, "check");
	sqlite3_finalize(st);
	return e;
}

static void integrity_row(struct pa_check_report *r, sqlite3_stmt *st)
{
	if (strcmp(col_s(st, 0), "ok") != 0)
		problem(r, "integrity", "%s", col_s(st, 0));
}

static void fk_row(struct pa_check_report *r, sqlite3_stmt *st)
{
	problem(r, "foreign keys", "%s row %lld refers to a %s row that does not exist",
		col_s(st, 0), (long long)sqlite3_column_int64(st, 1), col_s(st, 2));
}

/* Columns: what (the counter's key), counted, cases. */
static void count_row(struct pa_check_report *r, sqlite3_stmt *st)
{
	problem(r, "counters", "%s: the counters say %lld, the cases %lld", col_s(st, 0),
		(long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2));
}

static void negative_row(struct pa_check_report *r, sqlite3_stmt *st)
{
	problem(r, "counters", "%s is negative (%lld)", col_s(st, 0),
		(long long)sqlite3_column_int64(st, 1));
}

static void number_row(struct pa_check_report *r, sqlite3_stmt *st)
{
	problem(r, "counters",
		"case numbers of %s reach %lld but their counter is at %lld: the next intake "
		"would reuse a number",
		col_s(st, 0), (long long)sqlite3_column_int64(st, 1),
		(long long)sqlite3_column_int64(st, 2));
}

static void city_row(struct pa_check_report *r, sqlite3_stmt *st)
{
	problem(r, "cities", "%s", col_s(st, 0));
}

/* Each sum kept in the same transaction as the cases, against a count of the cases. The
 * month of a report is its China month, as apply_stats counts it. */
static const char *const count_checks[] = {
	/* cases by grid, type, category and status */
	"SELECT grid || ' ' || type || '/' || category || ' ' || status, sum(a), sum(b) FROM ("
	" SELECT grid, type, category, status, n AS a, 0 AS b FROM stat_counts"
	" WHERE substr(status, 1, 1) <> '~'"
	" UNION ALL SELECT grid, type, category, status, 0, 1 FROM cases)"
	" GROUP BY grid, type, category, status HAVING sum(a) <> sum(b)",
	/* open cases past a red limit (~overdue), of the types that count */
	"SELECT grid || ' ' || type || '/' || category || ' open past red', sum(a), sum(b)"
	" FROM (SELECT grid, type, category, n AS a, 0 AS b FROM stat_counts"
	" WHERE status = '~overdue'"
	" UNION ALL SELECT grid, type, category, 0, 1 FROM cases WHERE overdue = 1"
	" AND type || '/' || status IN (SELECT value FROM json_each(?2))"
	" AND type NOT IN (SELECT value FROM json_each(?1)))"
	" GROUP BY grid, type, category HAVING sum(a) <> sum(b)",
	/* reports per month, of the types that count */
	"SELECT grid || ' ' || month || ' ' || type || '/' || category || ' reported',"
	" sum(a), sum(b) FROM (SELECT grid, month, type, category, n AS a, 0 AS b"
	" FROM stat_month WHERE metric = 'reported'"
	" UNION ALL SELECT grid, CAST(strftime('%Y%m', created_at + 8 * 3600, 'unixepoch')"
	" AS INTEGER), type, category, 0, 1 FROM cases"
	" WHERE type NOT IN (SELECT value FROM json_each(?1)))"
	" GROUP BY grid, month, type, category HAVING sum(a) <> sum(b)",
};

/* The cohort events the cases make, as apply_stats counts them (?1: the uncounted types,
 * ?2: the open type/state pairs, JSON lists): a case no longer open in the month of its report,
 * for the unit it was reported to; and a case ever past a red limit likewise. */
#define COHORT_CASE                                                                          \
	"SELECT c.grid AS grid, CAST(strftime('%Y%m', c.created_at + 8 * 3600, 'unixepoch')" \
	" AS INTEGER) AS month, c.type AS type, c.category AS category, coalesce((SELECT"    \
	" s.to_unit FROM case_steps s WHERE s.case_id = c.id ORDER BY s.id LIMIT 1), 0)"     \
	" AS unit_id, c.city AS city, "
#define COHORT_CLOSED                                                                     \
	"'reported_closed' AS metric FROM cases c WHERE c.type || '/' || c.status NOT IN" \
	" (SELECT value FROM json_each(?2)) AND c.type NOT IN"                            \
	" (SELECT value FROM json_each(?1))"
#define COHORT_OVERDUE                                                          \
	"'reported_overdue' FROM cases c WHERE c.overdue = 1 AND c.type NOT IN" \
	" (SELECT value FROM json_each(?1))"
#define COHORT_ROWS COHORT_CASE COHORT_CLOSED " UNION ALL " COHORT_CASE COHORT_OVERDUE

/* The cohort events kept, against the cases; not while a recount is pending. */
static const char check_cohort[] =
	"SELECT grid || ' ' || month || ' ' || type || '/' || category || ' ' || metric,"
	" sum(a), sum(b) FROM (SELECT grid, month, type, category, metric, n AS a, 0 AS b"
	" FROM stat_month WHERE metric IN ('reported_closed', 'reported_overdue')"
	" UNION ALL SELECT grid, month, type, category, metric, 0, 1 FROM (" COHORT_ROWS "))"
	" WHERE NOT EXISTS (SELECT 1 FROM counters WHERE name = 'stats_refill')"
	" GROUP BY grid, month, type, category, metric HAVING sum(a) <> sum(b)";

/* Each case's steps in order, beside the case: the history a case's state stands on. */
static enum pa_err check_history(struct sq *d, struct pa_check_report *r)
{
	sqlite3_stmt *cs = NULL, *ss = NULL;
	enum pa_err e = PA_OK;
	if (sqlite3_prepare_v2(d->h, "SELECT id, number, status, unit_id FROM cases ORDER BY id",
			       -1, &cs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(d->h,
			       "SELECT case_id, id, action, from_state, to_state, to_unit, at"
			       " FROM case_steps ORDER BY case_id, id",
			       -1, &ss, NULL) != SQLITE_OK) {
		e = map_rc(d, sqlite3_errcode(d->h), "check");
		goto out;
	}
	int src = sqlite3_step(ss);
	int crc;
	while ((crc = sqlite3_step(cs)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(cs, 0);
		const char *number = col_s(cs, 1), *status = col_s(cs, 2);
		int64_t unit = sqlite3_column_int64(cs, 3);
		r->cases++;
		/* steps of ids below this one belong to no case: foreign keys say so */
		while (src == SQLITE_ROW && sqlite3_column_int64(ss, 0) < id)
			src = sqlite3_step(ss);
		char last[64] = "", last_action[64] = "";
		int64_t last_at = 0, last_unit = 0, last_id = 0, nsteps = 0;
		for (; src == SQLITE_ROW && sqlite3_column_int64(ss, 0) == id;
		     src = sqlite3_step(ss)) {
			int64_t step = sqlite3_column_int64(ss, 1),
				at = sqlite3_column_int64(ss, 6);
			bool first = nsteps++ == 0;
			bool has_from = sqlite3_column_type(ss, 3) != SQLITE_NULL;
			const char *from = col_s(ss, 3), *to = col_s(ss, 4);
			if (first && has_from)
				problem(r, "history",
					"case %s: its first step #%lld (%s) starts from \"%s\", "
					"not "
					"from the report: the steps before it are missing",
					number, (long long)step, col_s(ss, 2), from);
			if (!first && (!has_from || strcmp(from, last) != 0))
				problem(r, "history",
					"case %s: step #%lld (%s) starts from \"%s\" but the step "
					"before it (#%lld %s) led to \"%s\": a step is missing",
					number, (long long)step, col_s(ss, 2), has_from ? from : "",
					(long long)last_id, last_action, last);
			if (!first && at < last_at)
				problem(r, "history",
					"case %s: step #%lld (%s) is dated before the step before "
					"it "
					"(%lld < %lld)",
					number, (long long)step, col_s(ss, 2), (long long)at,
					(long long)last_at);
			snprintf(last, sizeof last, "%s", to);
			snprintf(last_action, sizeof last_action, "%s", col_s(ss, 2));
			last_at = at;
			last_id = step;
			if (sqlite3_column_type(ss, 5) != SQLITE_NULL)
				last_unit = sqlite3_column_int64(ss, 5);
		}
		r->steps += nsteps;
		if (!nsteps) {
			problem(r, "history", "case %s has no steps: its history is gone", number);
			continue;
		}
		if (strcmp(status, last) != 0)
			problem(r, "history",
				"case %s is \"%s\" but its last step (#%lld %s) led to \"%s\"",
				number, status, (long long)last_id, last_action, last);
		if (unit != last_unit)
			problem(r, "history",
				"case %s is held by unit %lld but its steps last sent it to unit "
				"%lld",
				number, (long long)unit, (long long)last_unit);
	}
	if ((crc != SQLITE_DONE) || (src != SQLITE_DONE && src != SQLITE_ROW))
		e = map_rc(d, crc != SQLITE_DONE ? crc : src, "check");
out:
	sqlite3_finalize(cs);
	sqlite3_finalize(ss);
	return e;
}

/* A JSON array of the strings (for json_each in the checks). */
static char *json_list(const char *const *v, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	char *s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static enum pa_err sq_check(struct pa_db *db, const struct pa_check_rules *rules,
			    struct pa_check_report *r)
{
	struct sq *d = SQ(db);
	r->schema_version = 0;
	r->cases = r->steps = r->attachments = r->problems = 0;
	/* one read transaction: the counters and the cases are compared as of one moment */
	enum pa_err e = exec(d, "BEGIN; SELECT count(*) FROM sqlite_schema", "check");
	if (e)
		return e;
	char *uncounted = json_list(rules->uncounted, rules->nuncounted),
	     *open = json_list(rules->open, rules->nopen);
	if ((e = each_row(d, "PRAGMA integrity_check", NULL, NULL, r, integrity_row)) ||
	    (e = each_row(d, "PRAGMA foreign_key_check", NULL, NULL, r, fk_row)))
		goto out;
	sq_version(db, &r->schema_version);
	if (r->schema_version != pa_sqlite_nmigrations) {
		problem(r, "schema",
			r->schema_version == 0 ? "no pingan schema: not a pingan database"
			: r->schema_version > pa_sqlite_nmigrations
				? "schema version %d is newer than this pingan knows (%d)"
				: "schema version %d is older than this pingan's (%d): migrate a "
				  "copy first (pingan migrate)",
			r->schema_version, pa_sqlite_nmigrations);
		goto out;
	}
	if ((e = check_history(d, r)))
		goto out;
	for (size_t i = 0; i < sizeof count_checks / sizeof *count_checks && !e; i++)
		e = each_row(d, count_checks[i], uncounted, open, r, count_row);
	if (!e)
		e = each_row(d, check_cohort, uncounted, open, r, count_row);
	if (!e)
		e = each_row(
			d,
			"SELECT 'counter ' || grid || ' ' || type || '/' || category || ' '"
			" || status, n FROM stat_counts WHERE n < 0"
			" UNION ALL SELECT 'event ' || grid || ' ' || month || ' ' || type"
			" || '/' || category || ' ' || metric || ' (unit ' || unit_id || ')', n"
			" FROM stat_month WHERE n < 0",
			NULL, NULL, r, negative_row);
	if (!e)
		e = each_row(d, CHECK_NUMBERS, NULL, NULL, r, number_row);
	if (!e)
		e = each_row(d, CHECK_CITIES, NULL, NULL, r, city_row);
	if (!e)
		e = files_each(d->h, r->file, r->arg, &r->attachments);
out:
	free(uncounted);
	free(open);
	exec(d, "COMMIT", "check");
	return e;
}

static enum pa_err sq_stats_refill(struct pa_db *db, const struct pa_check_rules *rules, bool force,
				   bool *refilled)
{
	struct sq *d = SQ(db);
	*refilled = false;
	sqlite3_stmt *st = stmt(d, "SELECT 1 FROM counters WHERE name = 'stats_refill'");
	if (!st)
		return pa_err_last()->code;
	int rc = sqlite3_step(st);
	done(d, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return map_rc(d, rc, "statistics recount");
	if (rc == SQLITE_DONE && !force)
		return PA_OK;
	enum pa_err e =
		exec(d,
		     "DELETE FROM stat_month WHERE metric IN ('reported_closed',"
		     " 'reported_overdue'); DELETE FROM counters WHERE name = 'stats_refill'",
		     "statistics recount");
	if (e)
		return e;
	if (!(st = stmt(d, "INSERT INTO stat_month (grid, month, type, category, metric, n,"
			   " unit_id, city) SELECT grid, month, type, category, metric, count(*),"
			   " unit_id, city FROM (" COHORT_ROWS ") GROUP BY grid, month, type,"
			   " category, metric, unit_id, city")))
		return pa_err_last()->code;
	char *uncounted = json_list(rules->uncounted, rules->nuncounted),
	     *open = json_list(rules->open, rules->nopen);
	bt(st, 1, uncounted);
	bt(st, 2, open);
	e = run(d, st, "statistics recount");
	free(uncounted);
	free(open);
	*refilled = !e;
	return e;
}

const struct pa_store_ops pa_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.migrate = sq_migrate,
	.version = sq_version,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.savepoint = sq_savepoint,
	.rollback_to = sq_rollback_to,
	.release = sq_release,
	.region_put = sq_region_put,
	.region_get = sq_region_get,
	.region_children = sq_region_children,
	.grids_each = sq_grids_each,
	.unit_put = sq_unit_put,
	.unit_get = sq_unit_get,
	.unit_page = sq_unit_page,
	.unit_update = sq_unit_update,
	.unit_find = sq_unit_find,
	.user_put = sq_user_put,
	.user_by_name = sq_user_by_name,
	.session_put = sq_session_put,
	.session_user = sq_session_user,
	.session_delete = sq_session_delete,
	.user_by_id = pa_sq_user_by_id,
	.user_auth = pa_sq_user_auth,
	.user_list = pa_sq_user_list,
	.users_exempt = pa_sq_users_exempt,
	.user_password_set = pa_sq_user_password_set,
	.totp_offer = pa_sq_totp_offer,
	.totp_confirm = pa_sq_totp_confirm,
	.totp_clear = pa_sq_totp_clear,
	.totp_take = pa_sq_totp_take,
	.recovery_use = pa_sq_recovery_use,
	.login_failures_get = pa_sq_login_failures_get,
	.login_failures_put = pa_sq_login_failures_put,
	.login_failures_clear = pa_sq_login_failures_clear,
	.session_touch = pa_sq_session_touch,
	.session_needs_set = pa_sq_session_needs_set,
	.sessions_end = pa_sq_sessions_end,
	.case_insert = sq_case_insert,
	.case_head = sq_case_head,
	.case_get = sq_case_get,
	.case_list = sq_case_list,
	.case_count = sq_case_count,
	.case_step = sq_case_step,
	.case_link = sq_case_link,
	.case_dispatcher = sq_case_dispatcher,
	.case_who = sq_case_who,
	.unit_has_role = sq_unit_has_role,
	.linked = sq_linked,
	.supervision_add = sq_supervision_add,
	.supervision_report = sq_supervision_report,
	.supervisions_late = sq_supervisions_late,
	.supervision_mark_late = sq_supervision_mark_late,
	.cases_due = sq_cases_due,
	.cases_watch_due = sq_cases_watch_due,
	.case_by_query = sq_case_by_query,
	.record_add = sq_record_add,
	.attachment_add = sq_attachment_add,
	.attachment_get = sq_attachment_get,
	.unit_by_code = sq_unit_by_code,
	.stats = sq_stats,
	.stat_events = sq_stat_events,
	.routing_version_add = sq_routing_version_add,
	.routing_version_get = sq_routing_version_get,
	.routing_versions = sq_routing_versions,
	.audit_add = sq_audit_add,
	.audit_status = sq_audit_status,
	.audit_read = sq_audit_read,
	.audit_list = sq_audit_list,
	.seal_probe = sq_seal_probe,
	.plain_cases = sq_plain_cases,
	.case_reseal = sq_case_reseal,
	.scrub = sq_scrub,
	.idem_get = sq_idem_get,
	.idem_put = sq_idem_put,
	.idem_prune = sq_idem_prune,
	.sessions_prune = pa_sq_sessions_prune,
	.backup = sq_backup,
	.restore = sq_restore,
	.check = sq_check,
	.stats_refill = sq_stats_refill,
};
