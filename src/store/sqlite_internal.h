/* sqlite_internal.h: what the files of the SQLite backend share — the connection with its
 * statement cache, and the helpers that bind, run and read statements. Nothing outside
 * src/store/sqlite*.c includes it. */
#ifndef PA_SQLITE_INTERNAL_H
#define PA_SQLITE_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "store/store.h"

#define CACHE 64

/* The audit chain's head: how many rows, the last one's MAC, the algorithm. */
struct chain_head {
	bool found;
	int64_t n;
	uint8_t mac[PA_AUDIT_MAC_BYTES];
	enum pa_audit_alg alg;
};

struct sq {
	struct pa_db base;
	sqlite3 *h;
	int ncache;
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[CACHE];
	/* The chain's head as rows are appended in the open transaction (known), and whether
	 * the head row must be written before it commits (moved): see chain_head. */
	bool head_known, head_moved;
	struct chain_head head;
};

static inline struct sq *SQ(struct pa_db *db)
{
	return (struct sq *)db;
}

static inline enum pa_err map_rc(struct sq *d, int rc, const char *what)
{
	const char *msg = d && d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc);
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return PA_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return pa_errf(PA_STORE_BUSY, NULL, "the store is busy (%s); try again", what);
	case SQLITE_FULL:
		return pa_errf(
			PA_STORE_IO, NULL,
			"the disk is full (%s); nothing was saved: try again once space is freed",
			what);
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_NOMEM:
		return pa_errf(PA_STORE_IO, NULL,
			       "the store cannot write (%s: %s); nothing was saved", what, msg);
	case SQLITE_CONSTRAINT:
		return pa_errf(PA_CONFLICT, NULL, "%s: %s", what, msg);
	default:
		return pa_errf(PA_INTERNAL, NULL, "store error in %s: %s", what, msg);
	}
}

/* The cached statement for sql (keyed by the literal's address), reset and unbound. */
static inline sqlite3_stmt *stmt(struct sq *d, const char *sql)
{
	for (int i = 0; i < d->ncache; i++)
		if (d->cache[i].sql == sql) {
			sqlite3_reset(d->cache[i].st);
			sqlite3_clear_bindings(d->cache[i].st);
			return d->cache[i].st;
		}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		map_rc(d, sqlite3_errcode(d->h), "prepare");
		return NULL;
	}
	if (d->ncache < CACHE) {
		d->cache[d->ncache].sql = sql;
		d->cache[d->ncache++].st = st;
	}
	return st;
}

/* Statements beyond the cache are finalised by done(); cached ones only reset. */
static inline void done(struct sq *d, sqlite3_stmt *st)
{
	for (int i = 0; i < d->ncache; i++)
		if (d->cache[i].st == st) {
			sqlite3_reset(st);
			return;
		}
	sqlite3_finalize(st);
}

static inline void bt(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static inline void bid(sqlite3_stmt *st, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static inline const char *col_s(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? (const char *)s : "";
}

static inline json_t *col_json_s(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? json_null() : json_string(col_s(st, i));
}

/* Run one statement to completion. */
static inline enum pa_err run(struct sq *d, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	enum pa_err e = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? PA_OK : map_rc(d, rc, what);
	done(d, st);
	return e;
}

static inline const char *col_a(struct pa_arena *a, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	const char *s = (const char *)sqlite3_column_text(st, i);
	return pa_strndup(a, s, (size_t)sqlite3_column_bytes(st, i));
}

/* A user from the columns id, username, role, region, unit_id, name, unit name from i on. */
static inline void user_from(sqlite3_stmt *st, int i, struct pa_user *u)
{
	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(st, i);
	snprintf(u->username, sizeof u->username, "%s", col_s(st, i + 1));
	snprintf(u->role, sizeof u->role, "%s", col_s(st, i + 2));
	snprintf(u->region, sizeof u->region, "%s", col_s(st, i + 3));
	u->unit_id = sqlite3_column_int64(st, i + 4);
	snprintf(u->name, sizeof u->name, "%s", col_s(st, i + 5));
	snprintf(u->unit_name, sizeof u->unit_name, "%s", col_s(st, i + 6));
}

/* Read a page of rows keyed by column 0, newest or oldest first as the statement orders
 * them, which asks for max + 1 rows: the one more says whether a next page exists, and
 * *next is then the key of the page's last row (else 0). read fills one row of size bytes
 * (strings in arena a); *rows gets max + 1 of them, *n used. */
static inline enum pa_err page_rows(struct sq *d, sqlite3_stmt *st, struct pa_arena *a, size_t size,
				    int max,
				    void (*read)(struct pa_arena *, sqlite3_stmt *, void *),
				    void **rows, int *n, int64_t *next, const char *what)
{
	char *out = pa_alloc(a, size * (size_t)(max + 1));
	int64_t last = 0;
	int rc;
	*n = 0;
	*next = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == max) {
			*next = last;
			break;
		}
		last = sqlite3_column_int64(st, 0);
		read(a, st, out + size * (size_t)(*n)++);
	}
	done(d, st);
	*rows = out;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? PA_OK : map_rc(d, rc, what);
}

/* ---- sqlite_login.c: accounts, log-in security and the audit log read back ---- */
enum pa_err pa_sq_user_by_id(struct pa_db *db, int64_t id, struct pa_user *u);
enum pa_err pa_sq_user_auth(struct pa_db *db, int64_t id, struct pa_user_auth *out);
enum pa_err pa_sq_user_list(struct pa_db *db, const char *region, const char *username,
			    int64_t after, int max, struct pa_arena *a, struct pa_user_row **rows,
			    int *n, int64_t *next);
enum pa_err pa_sq_users_exempt(struct pa_db *db, int64_t *n);
enum pa_err pa_sq_user_password_set(struct pa_db *db, int64_t id, const char *pw_hash,
				    bool must_change, int64_t at);
enum pa_err pa_sq_totp_offer(struct pa_db *db, int64_t id, const char *sealed_key);
enum pa_err pa_sq_totp_confirm(struct pa_db *db, int64_t id, int64_t step,
			       const char *const *code_hashes, int n);
enum pa_err pa_sq_totp_clear(struct pa_db *db, int64_t id);
enum pa_err pa_sq_totp_take(struct pa_db *db, int64_t id, int64_t step);
enum pa_err pa_sq_recovery_use(struct pa_db *db, int64_t id, const char *code_hash, int64_t at);
enum pa_err pa_sq_login_failures_get(struct pa_db *db, const char *username,
				     struct pa_login_failures *out);
enum pa_err pa_sq_login_failures_put(struct pa_db *db, const char *username,
				     const struct pa_login_failures *f);
enum pa_err pa_sq_login_failures_clear(struct pa_db *db, const char *username, int64_t stale);
enum pa_err pa_sq_session_touch(struct pa_db *db, const uint8_t hash[32], int64_t seen);
enum pa_err pa_sq_session_needs_set(struct pa_db *db, const uint8_t hash[32], unsigned needs);
enum pa_err pa_sq_sessions_end(struct pa_db *db, int64_t user_id, const uint8_t *keep);
enum pa_err pa_sq_sessions_prune(struct pa_db *db, int64_t now, int64_t seen_before, int max,
				 int *n);

#endif
