/* sqlite_login.c: the SQLite side of accounts and log-in security — the second factor and
 * its recovery codes, failed log-ins and locks, sessions' use and duties, the account list —
 * and the audit log read back (see store.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/city_sql.h"
#include "store/sqlite_internal.h"

#define USER_COLS                                                                     \
	"u.id, u.username, u.role, u.region, u.unit_id, u.name, un.name FROM users u" \
	" LEFT JOIN units un ON un.id = u.unit_id"

enum pa_err pa_sq_user_by_id(struct pa_db *db, int64_t id, struct pa_user *u)
{
	struct sq *d = SQ(db);
	static const char sql[] = "SELECT " USER_COLS " WHERE u.id = ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	enum pa_err e = PA_OK;
	if (rc == SQLITE_ROW) {
		user_from(st, 0, u);
	} else
		e = rc == SQLITE_DONE
			    ? pa_errf(PA_NOT_FOUND, NULL, "no account %lld", (long long)id)
			    : map_rc(d, rc, "user get");
	done(d, st);
	return e;
}

/* A second factor's key as stored: sealed text, or NULL for none. */
static void key_from(sqlite3_stmt *st, int i, char out[128], bool *on)
{
	*on = sqlite3_column_type(st, i) != SQLITE_NULL;
	snprintf(out, 128, "%s", *on ? col_s(st, i) : "");
}

enum pa_err pa_sq_user_auth(struct pa_db *db, int64_t id, struct pa_user_auth *out)
{
	struct sq *d = SQ(db);
	static const char sql[] =
		"SELECT pw_hash, totp_secret, totp_next, totp_last_step, totp_exempt,"
		" pw_must_change, (SELECT count(*) FROM recovery_codes r"
		" WHERE r.user_id = users.id AND r.used_at IS NULL)"
		" FROM users WHERE id = ? AND disabled = 0";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	enum pa_err e = PA_OK;
	memset(out, 0, sizeof *out);
	if (rc == SQLITE_ROW) {
		snprintf(out->pw_hash, sizeof out->pw_hash, "%s", col_s(st, 0));
		key_from(st, 1, out->totp_secret, &out->totp_on);
		key_from(st, 2, out->totp_next, &out->totp_pending);
		out->totp_last_step = sqlite3_column_int64(st, 3);
		out->totp_exempt = sqlite3_column_int(st, 4);
		out->must_change = sqlite3_column_int(st, 5);
		out->recovery_left = sqlite3_column_int(st, 6);
	} else
		e = rc == SQLITE_DONE
			    ? pa_errf(PA_NOT_FOUND, NULL, "no account %lld", (long long)id)
			    : map_rc(d, rc, "user auth");
	done(d, st);
	return e;
}

static void user_row_from(struct pa_arena *a, sqlite3_stmt *st, void *row)
{
	struct pa_user_row *r = row;
	r->id = sqlite3_column_int64(st, 0);
	r->username = col_a(a, st, 1);
	r->name = col_a(a, st, 2);
	r->role = col_a(a, st, 3);
	r->region = col_a(a, st, 4);
	r->unit_id = sqlite3_column_int64(st, 5);
	r->unit_name = col_a(a, st, 6);
	r->created_at = sqlite3_column_int64(st, 7);
	r->totp_on = sqlite3_column_int(st, 8);
	r->totp_exempt = sqlite3_column_int(st, 9);
	r->must_change = sqlite3_column_int(st, 10);
	r->disabled = sqlite3_column_int(st, 11);
	r->failures = sqlite3_column_int(st, 12);
	r->locked_until = sqlite3_column_int64(st, 13);
}

enum pa_err pa_sq_user_list(struct pa_db *db, const char *region, const char *username,
			    int64_t after, int max, struct pa_arena *a, struct pa_user_row **rows,
			    int *n, int64_t *next)
{
	struct sq *d = SQ(db);
	static const char sql[] =
		"SELECT u.id, u.username, u.name, u.role, u.region, u.unit_id, un.name,"
		" u.created_at, u.totp_secret IS NOT NULL, u.totp_exempt, u.pw_must_change,"
		" u.disabled, coalesce(f.failures, 0), coalesce(f.locked_until, 0)"
		" FROM users u LEFT JOIN units un ON un.id = u.unit_id"
		" LEFT JOIN login_failures f ON f.username = u.username"
		" WHERE u.id > ?1 AND" CITY_BOUND(
			"+u.city",
			"?3") " AND u.region >= ?3 AND u.region < ?3 || '~'"
			      " AND (?4 IS NULL OR u.username = ?4) ORDER BY u.id LIMIT ?2";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, max + 1);
	bt(st, 3, region);
	bt(st, 4, username);
	return page_rows(d, st, a, sizeof **rows, max, user_row_from, (void **)rows, n, next,
			 "user list");
}

enum pa_err pa_sq_users_exempt(struct pa_db *db, int64_t *n)
{
	struct sq *d = SQ(db);
	static const char sql[] = "SELECT count(*) FROM users WHERE totp_exempt = 1";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	int rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	done(d, st);
	return rc == SQLITE_ROW ? PA_OK : map_rc(d, rc, "users exempt");
}

/* Run an UPDATE of one account; NOT_FOUND if it changed no row. */
static enum pa_err one_row(struct sq *d, sqlite3_stmt *st, const char *what)
{
	enum pa_err e = run(d, st, what);
	if (!e && sqlite3_changes(d->h) == 0)
		e = pa_errf(PA_NOT_FOUND, NULL, "%s: no such row", what);
	return e;
}

enum pa_err pa_sq_user_password_set(struct pa_db *db, int64_t id, const char *pw_hash,
				    bool must_change, int64_t at)
{
	struct sq *d = SQ(db);
	static const char sql[] = "UPDATE users SET pw_hash = ?, pw_must_change = ?,"
				  " pw_changed_at = ? WHERE id = ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, pw_hash);
	sqlite3_bind_int(st, 2, must_change);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_int64(st, 4, id);
	return one_row(d, st, "password");
}

enum pa_err pa_sq_totp_offer(struct pa_db *db, int64_t id, const char *sealed_key)
{
	struct sq *d = SQ(db);
	static const char sql[] = "UPDATE users SET totp_next = ? WHERE id = ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, sealed_key);
	sqlite3_bind_int64(st, 2, id);
	return one_row(d, st, "second factor");
}

enum pa_err pa_sq_totp_confirm(struct pa_db *db, int64_t id, int64_t step,
			       const char *const *code_hashes, int n)
{
	struct sq *d = SQ(db);
	static const char sql[] = "UPDATE users SET totp_secret = totp_next, totp_next = NULL,"
				  " totp_last_step = ? WHERE id = ? AND totp_next IS NOT NULL";
	static const char del[] = "DELETE FROM recovery_codes WHERE user_id = ?";
	static const char ins[] = "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, step);
	sqlite3_bind_int64(st, 2, id);
	enum pa_err e = one_row(d, st, "second factor awaiting");
	if (e || !(st = stmt(d, del)))
		return e ? e : pa_err_last()->code;
	sqlite3_bind_int64(st, 1, id);
	if ((e = run(d, st, "recovery codes")))
		return e;
	for (int i = 0; i < n; i++) {
		if (!(st = stmt(d, ins)))
			return pa_err_last()->code;
		sqlite3_bind_int64(st, 1, id);
		bt(st, 2, code_hashes[i]);
		if ((e = run(d, st, "recovery code")))
			return e;
	}
	return PA_OK;
}

enum pa_err pa_sq_totp_clear(struct pa_db *db, int64_t id)
{
	struct sq *d = SQ(db);
	static const char sql[] = "UPDATE users SET totp_secret = NULL, totp_next = NULL"
				  " WHERE id = ?";
	static const char del[] = "DELETE FROM recovery_codes WHERE user_id = ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, id);
	enum pa_err e = one_row(d, st, "second factor");
	if (e || !(st = stmt(d, del)))
		return e ? e : pa_err_last()->code;
	sqlite3_bind_int64(st, 1, id);
	return run(d, st, "recovery codes");
}

enum pa_err pa_sq_totp_take(struct pa_db *db, int64_t id, int64_t step)
{
	struct sq *d = SQ(db);
	static const char sql[] = "UPDATE users SET totp_last_step = ?1"
				  " WHERE id = ?2 AND totp_last_step < ?1";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, step);
	sqlite3_bind_int64(st, 2, id);
	enum pa_err e = run(d, st, "one-time code");
	if (!e && sqlite3_changes(d->h) == 0)
		e = pa_errf(PA_CONFLICT, NULL, "this one-time code was used already");
	return e;
}

enum pa_err pa_sq_recovery_use(struct pa_db *db, int64_t id, const char *code_hash, int64_t at)
{
	struct sq *d = SQ(db);
	static const char sql[] = "UPDATE recovery_codes SET used_at = ?"
				  " WHERE user_id = ? AND code_hash = ? AND used_at IS NULL";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_int64(st, 2, id);
	bt(st, 3, code_hash);
	return one_row(d, st, "recovery code");
}

enum pa_err pa_sq_login_failures_get(struct pa_db *db, const char *username,
				     struct pa_login_failures *out)
{
	struct sq *d = SQ(db);
	static const char sql[] = "SELECT failures, first_at, locked_until FROM login_failures"
				  " WHERE username = ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, username);
	int rc = sqlite3_step(st);
	memset(out, 0, sizeof *out);
	if (rc == SQLITE_ROW) {
		out->failures = sqlite3_column_int(st, 0);
		out->first_at = sqlite3_column_int64(st, 1);
		out->locked_until = sqlite3_column_int64(st, 2);
	}
	done(d, st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? PA_OK : map_rc(d, rc, "login failures");
}

enum pa_err pa_sq_login_failures_put(struct pa_db *db, const char *username,
				     const struct pa_login_failures *f)
{
	struct sq *d = SQ(db);
	static const char sql[] =
		"INSERT INTO login_failures (username, failures, first_at, locked_until)"
		" VALUES (?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET"
		" failures = excluded.failures, first_at = excluded.first_at,"
		" locked_until = excluded.locked_until";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, username);
	sqlite3_bind_int(st, 2, f->failures);
	sqlite3_bind_int64(st, 3, f->first_at);
	sqlite3_bind_int64(st, 4, f->locked_until);
	return run(d, st, "login failures");
}

enum pa_err pa_sq_login_failures_clear(struct pa_db *db, const char *username, int64_t stale)
{
	struct sq *d = SQ(db);
	static const char sql[] = "DELETE FROM login_failures WHERE username = ?1"
				  " OR (first_at < ?2 AND locked_until < ?2)";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	bt(st, 1, username);
	sqlite3_bind_int64(st, 2, stale);
	return run(d, st, "login failures");
}

enum pa_err pa_sq_session_touch(struct pa_db *db, const uint8_t hash[32], int64_t seen)
{
	struct sq *d = SQ(db);
	static const char sql[] = "UPDATE sessions SET last_seen = max(last_seen, ?)"
				  " WHERE token_hash = ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, seen);
	sqlite3_bind_blob(st, 2, hash, 32, SQLITE_TRANSIENT);
	return run(d, st, "session touch");
}

enum pa_err pa_sq_session_needs_set(struct pa_db *db, const uint8_t hash[32], unsigned needs)
{
	struct sq *d = SQ(db);
	static const char sql[] = "UPDATE sessions SET needs = ? WHERE token_hash = ?";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int(st, 1, (int)needs);
	sqlite3_bind_blob(st, 2, hash, 32, SQLITE_TRANSIENT);
	return one_row(d, st, "session");
}

enum pa_err pa_sq_sessions_end(struct pa_db *db, int64_t user_id, const uint8_t *keep)
{
	struct sq *d = SQ(db);
	static const char sql[] = "DELETE FROM sessions WHERE user_id = ?"
				  " AND (?2 IS NULL OR token_hash <> ?2)";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, user_id);
	if (keep)
		sqlite3_bind_blob(st, 2, keep, 32, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 2);
	return run(d, st, "sessions end");
}

enum pa_err pa_sq_sessions_prune(struct pa_db *db, int64_t now, int64_t seen_before, int max,
				 int *n)
{
	struct sq *d = SQ(db);
	/* few rows (the sessions open now and those ended since the last sweep): a scan */
	static const char sql[] =
		"DELETE FROM sessions WHERE token_hash IN (SELECT token_hash FROM sessions"
		" WHERE expires_at <= ?1 OR last_seen < ?2 LIMIT ?3)";
	sqlite3_stmt *st = stmt(d, sql);
	if (!st)
		return pa_err_last()->code;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, seen_before);
	sqlite3_bind_int(st, 3, max);
	enum pa_err e = run(d, st, "sessions prune");
	*n = e ? 0 : sqlite3_changes(d->h);
	return e;
}
