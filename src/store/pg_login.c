/* pg_login.c: accounts and log-in security on PostgreSQL (as sqlite_login.c keeps them) —
 * the second factor and its recovery codes, failed log-ins and locks, sessions' use and
 * duties, the account list. */
#include <stdio.h>
#include <string.h>

#include "store/pg.h"

#define USER_COLS                                                                     \
	"u.id, u.username, u.role, u.region, u.unit_id, u.name, un.name FROM users u" \
	" LEFT JOIN units un ON un.id = u.unit_id"

/* The one row a read answers, or NOT_FOUND naming what. */
static PGresult *one(struct pg *d, const char *sql, const struct pg_args *a, const char *what,
		     int64_t id, enum pa_err *e)
{
	PGresult *r = pg_run(d, sql, a, what, e);
	if (r && PQntuples(r) != 1) {
		PQclear(r);
		*e = pa_errf(PA_NOT_FOUND, NULL, "no account %lld", (long long)id);
		return NULL;
	}
	return r;
}

static enum pa_err pl_user_by_id(struct pa_db *db, int64_t id, struct pa_user *u)
{
	static const char sql[] = "SELECT " USER_COLS " WHERE u.id = $1";
	struct pg_args a = {0};
	pg_int(&a, id);
	enum pa_err e;
	PGresult *r = one(PG(db), sql, &a, "user get", id, &e);
	if (!r)
		return e;
	pg_user_from(r, 0, u);
	PQclear(r);
	return PA_OK;
}

/* A second factor's key as stored: sealed text, or NULL for none. */
static void key_from(const PGresult *r, int col, char out[128], bool *on)
{
	*on = !pg_null(r, 0, col);
	snprintf(out, 128, "%s", pg_s(r, 0, col));
}

static enum pa_err pl_user_auth(struct pa_db *db, int64_t id, struct pa_user_auth *out)
{
	static const char sql[] =
		"SELECT pw_hash, totp_secret, totp_next, totp_last_step, totp_exempt,"
		" pw_must_change, (SELECT count(*) FROM recovery_codes r"
		" WHERE r.user_id = users.id AND r.used_at IS NULL)"
		" FROM users WHERE id = $1 AND disabled = 0";
	struct pg_args a = {0};
	pg_int(&a, id);
	memset(out, 0, sizeof *out);
	enum pa_err e;
	PGresult *r = one(PG(db), sql, &a, "user auth", id, &e);
	if (!r)
		return e;
	snprintf(out->pw_hash, sizeof out->pw_hash, "%s", pg_s(r, 0, 0));
	key_from(r, 1, out->totp_secret, &out->totp_on);
	key_from(r, 2, out->totp_next, &out->totp_pending);
	out->totp_last_step = pg_i(r, 0, 3);
	out->totp_exempt = pg_i(r, 0, 4);
	out->must_change = pg_i(r, 0, 5);
	out->recovery_left = (int)pg_i(r, 0, 6);
	PQclear(r);
	return PA_OK;
}

static enum pa_err pl_user_list(struct pa_db *db, const char *region, const char *username,
				int64_t after, int max, struct pa_arena *ar,
				struct pa_user_row **rows, int *n, int64_t *next)
{
	static const char sql[] =
		"SELECT u.id, u.username, u.name, u.role, u.region, u.unit_id, un.name,"
		" u.created_at, u.totp_secret IS NOT NULL, u.totp_exempt, u.pw_must_change,"
		" u.disabled, coalesce(f.failures, 0), coalesce(f.locked_until, 0)"
		" FROM users u LEFT JOIN units un ON un.id = u.unit_id"
		" LEFT JOIN login_failures f ON f.username = u.username"
		" WHERE u.id > $1 AND" CITY_BOUND(
			"u.city",
			"$3::text") " AND u.region >= $3::text AND u.region < $3::text || '~'"
				    " AND ($4::text IS NULL OR u.username = $4) ORDER BY u.id "
				    "LIMIT $2";
	struct pg_args a = {0};
	pg_int(&a, after);
	pg_int(&a, max + 1); /* one more says whether a next page exists */
	pg_text(&a, region);
	pg_text(&a, username);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "user list", &e);
	if (!r)
		return e;
	*rows = pa_alloc(ar, sizeof **rows * (size_t)(max + 1));
	*n = 0;
	*next = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		if (*n == max) {
			*next = (*rows)[max - 1].id;
			break;
		}
		struct pa_user_row *x = &(*rows)[(*n)++];
		memset(x, 0, sizeof *x);
		x->id = pg_i(r, i, 0);
		x->username = pg_a(ar, r, i, 1);
		x->name = pg_a(ar, r, i, 2);
		x->role = pg_a(ar, r, i, 3);
		x->region = pg_a(ar, r, i, 4);
		x->unit_id = pg_i(r, i, 5);
		x->unit_name = pg_a(ar, r, i, 6);
		x->created_at = pg_i(r, i, 7);
		x->totp_on = *pg_s(r, i, 8) == 't';
		x->totp_exempt = pg_i(r, i, 9);
		x->must_change = pg_i(r, i, 10);
		x->disabled = pg_i(r, i, 11);
		x->failures = (int)pg_i(r, i, 12);
		x->locked_until = pg_i(r, i, 13);
	}
	PQclear(r);
	return PA_OK;
}

static enum pa_err pl_users_exempt(struct pa_db *db, int64_t *n)
{
	static const char sql[] = "SELECT count(*) FROM users WHERE totp_exempt = 1";
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &(struct pg_args){0}, "users exempt", &e);
	*n = 0;
	if (!r)
		return e;
	*n = pg_i(r, 0, 0);
	PQclear(r);
	return PA_OK;
}

/* Run a change of one row; NOT_FOUND if it changed none. */
static enum pa_err one_row(struct pg *d, const char *sql, const struct pg_args *a, const char *what)
{
	int64_t n = 0;
	enum pa_err e = pg_do(d, sql, a, what, &n);
	if (!e && n == 0)
		e = pa_errf(PA_NOT_FOUND, NULL, "%s: no such row", what);
	return e;
}

static enum pa_err pl_user_password_set(struct pa_db *db, int64_t id, const char *pw_hash,
					bool must_change, int64_t at)
{
	static const char sql[] = "UPDATE users SET pw_hash = $1, pw_must_change = $2,"
				  " pw_changed_at = $3 WHERE id = $4";
	struct pg_args a = {0};
	pg_text(&a, pw_hash);
	pg_int(&a, must_change);
	pg_int(&a, at);
	pg_int(&a, id);
	return one_row(PG(db), sql, &a, "password");
}

static enum pa_err pl_totp_offer(struct pa_db *db, int64_t id, const char *sealed_key)
{
	static const char sql[] = "UPDATE users SET totp_next = $1 WHERE id = $2";
	struct pg_args a = {0};
	pg_text(&a, sealed_key);
	pg_int(&a, id);
	return one_row(PG(db), sql, &a, "second factor");
}

static enum pa_err codes_forget(struct pg *d, int64_t id)
{
	static const char del[] = "DELETE FROM recovery_codes WHERE user_id = $1";
	struct pg_args a = {0};
	pg_int(&a, id);
	return pg_do(d, del, &a, "recovery codes", NULL);
}

static enum pa_err pl_totp_confirm(struct pa_db *db, int64_t id, int64_t step,
				   const char *const *code_hashes, int n)
{
	struct pg *d = PG(db);
	static const char sql[] = "UPDATE users SET totp_secret = totp_next, totp_next = NULL,"
				  " totp_last_step = $1 WHERE id = $2 AND totp_next IS NOT NULL";
	static const char ins[] = "INSERT INTO recovery_codes (user_id, code_hash)"
				  " VALUES ($1, $2) ON CONFLICT DO NOTHING";
	struct pg_args a = {0};
	pg_int(&a, step);
	pg_int(&a, id);
	enum pa_err e = one_row(d, sql, &a, "second factor awaiting");
	if (e || (e = codes_forget(d, id)))
		return e;
	for (int i = 0; i < n && !e; i++) {
		struct pg_args c = {0};
		pg_int(&c, id);
		pg_text(&c, code_hashes[i]);
		e = pg_do(d, ins, &c, "recovery code", NULL);
	}
	return e;
}

static enum pa_err pl_totp_clear(struct pa_db *db, int64_t id)
{
	static const char sql[] = "UPDATE users SET totp_secret = NULL, totp_next = NULL"
				  " WHERE id = $1";
	struct pg_args a = {0};
	pg_int(&a, id);
	enum pa_err e = one_row(PG(db), sql, &a, "second factor");
	return e ? e : codes_forget(PG(db), id);
}

static enum pa_err pl_totp_take(struct pa_db *db, int64_t id, int64_t step)
{
	static const char sql[] = "UPDATE users SET totp_last_step = $1"
				  " WHERE id = $2 AND totp_last_step < $1";
	struct pg_args a = {0};
	pg_int(&a, step);
	pg_int(&a, id);
	int64_t n = 0;
	enum pa_err e = pg_do(PG(db), sql, &a, "one-time code", &n);
	if (!e && n == 0)
		e = pa_errf(PA_CONFLICT, NULL, "this one-time code was used already");
	return e;
}

static enum pa_err pl_recovery_use(struct pa_db *db, int64_t id, const char *code_hash, int64_t at)
{
	static const char sql[] = "UPDATE recovery_codes SET used_at = $1"
				  " WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL";
	struct pg_args a = {0};
	pg_int(&a, at);
	pg_int(&a, id);
	pg_text(&a, code_hash);
	return one_row(PG(db), sql, &a, "recovery code");
}

static enum pa_err pl_login_failures_get(struct pa_db *db, const char *username,
					 struct pa_login_failures *out)
{
	static const char sql[] = "SELECT failures, first_at, locked_until FROM login_failures"
				  " WHERE username = $1";
	struct pg_args a = {0};
	pg_text(&a, username);
	memset(out, 0, sizeof *out);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "login failures", &e);
	if (!r)
		return e;
	if (PQntuples(r) == 1) {
		out->failures = (int)pg_i(r, 0, 0);
		out->first_at = pg_i(r, 0, 1);
		out->locked_until = pg_i(r, 0, 2);
	}
	PQclear(r);
	return PA_OK;
}

static enum pa_err pl_login_failures_put(struct pa_db *db, const char *username,
					 const struct pa_login_failures *f)
{
	static const char sql[] =
		"INSERT INTO login_failures (username, failures, first_at, locked_until)"
		" VALUES ($1, $2, $3, $4) ON CONFLICT (username) DO UPDATE SET"
		" failures = excluded.failures, first_at = excluded.first_at,"
		" locked_until = excluded.locked_until";
	struct pg_args a = {0};
	pg_text(&a, username);
	pg_int(&a, f->failures);
	pg_int(&a, f->first_at);
	pg_int(&a, f->locked_until);
	return pg_do(PG(db), sql, &a, "login failures", NULL);
}

static enum pa_err pl_login_failures_clear(struct pa_db *db, const char *username, int64_t stale)
{
	static const char sql[] = "DELETE FROM login_failures WHERE username = $1"
				  " OR (first_at < $2 AND locked_until < $2)";
	struct pg_args a = {0};
	pg_text(&a, username);
	pg_int(&a, stale);
	return pg_do(PG(db), sql, &a, "login failures", NULL);
}

static enum pa_err pl_session_touch(struct pa_db *db, const uint8_t hash[32], int64_t seen)
{
	static const char sql[] = "UPDATE sessions SET last_seen = greatest(last_seen, $1)"
				  " WHERE token_hash = $2";
	struct pg_args a = {0};
	pg_int(&a, seen);
	pg_bytes(&a, hash, 32);
	return pg_do(PG(db), sql, &a, "session touch", NULL);
}

static enum pa_err pl_session_needs_set(struct pa_db *db, const uint8_t hash[32], unsigned needs)
{
	static const char sql[] = "UPDATE sessions SET needs = $1 WHERE token_hash = $2";
	struct pg_args a = {0};
	pg_int(&a, needs);
	pg_bytes(&a, hash, 32);
	return one_row(PG(db), sql, &a, "session");
}

static enum pa_err pl_sessions_end(struct pa_db *db, int64_t user_id, const uint8_t *keep)
{
	static const char sql[] = "DELETE FROM sessions WHERE user_id = $1"
				  " AND ($2::bytea IS NULL OR token_hash <> $2)";
	struct pg_args a = {0};
	pg_int(&a, user_id);
	if (keep)
		pg_bytes(&a, keep, 32);
	else
		pg_text(&a, NULL);
	return pg_do(PG(db), sql, &a, "sessions end", NULL);
}

static enum pa_err pl_sessions_prune(struct pa_db *db, int64_t now, int64_t seen_before, int max,
				     int *n)
{
	/* few rows (the sessions open now and those ended since the last sweep): a scan */
	static const char sql[] =
		"DELETE FROM sessions WHERE token_hash IN (SELECT token_hash FROM sessions"
		" WHERE expires_at <= $1 OR last_seen < $2 LIMIT $3)";
	struct pg_args a = {0};
	pg_int(&a, now);
	pg_int(&a, seen_before);
	pg_int(&a, max);
	int64_t k = 0;
	enum pa_err e = pg_do(PG(db), sql, &a, "sessions prune", &k);
	*n = e ? 0 : (int)k;
	return e;
}

void pg_ops_login(struct pa_store_ops *o)
{
	o->user_by_id = pl_user_by_id;
	o->user_auth = pl_user_auth;
	o->user_list = pl_user_list;
	o->users_exempt = pl_users_exempt;
	o->user_password_set = pl_user_password_set;
	o->totp_offer = pl_totp_offer;
	o->totp_confirm = pl_totp_confirm;
	o->totp_clear = pl_totp_clear;
	o->totp_take = pl_totp_take;
	o->recovery_use = pl_recovery_use;
	o->login_failures_get = pl_login_failures_get;
	o->login_failures_put = pl_login_failures_put;
	o->login_failures_clear = pl_login_failures_clear;
	o->session_touch = pl_session_touch;
	o->session_needs_set = pl_session_needs_set;
	o->sessions_end = pl_sessions_end;
	o->sessions_prune = pl_sessions_prune;
}
