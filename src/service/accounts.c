/* accounts.c: the administrators' work, each duty its own (三员分立) — the system
 * administrator adds and lists accounts, the security administrator lists them, unlocks
 * them, resets their second factor and reads the security events, the auditor reads the
 * audit log. Each change is audited with it; nobody can change or stop the audit log. */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/jspec.h"
#include "service/internal.h"

static enum pa_err may(const struct pa_actor *a, enum pa_perm p, const char *what)
{
	return pa_role_can(a->role, p) ? PA_OK
				       : pa_errf(PA_FORBIDDEN, NULL, "your role may not %s", what);
}

/* The page a list asks for: limit 1 to 200 (default 50), cursor a positive id. */
static enum pa_err page_of(const char *limit, const char *cursor, long long *max, long long *from)
{
	*max = 50;
	*from = 0;
	enum pa_err rc = PA_OK;
	if ((limit && (rc = query_int(limit, 1, 200, "limit", max))) ||
	    (cursor && (rc = query_int(cursor, 1, INT64_MAX, "cursor", from))))
		return rc;
	return PA_OK;
}

static void render_user(struct pa_jw *w, const struct pa_user_row *u, int64_t now)
{
	pa_jw_obj(w);
	pa_jw_kint(w, "id", u->id);
	pa_jw_kstr(w, "username", u->username);
	pa_jw_kstr(w, "name", u->name ? u->name : "");
	pa_jw_kstr(w, "role", u->role);
	pa_jw_kstr(w, "region", u->region);
	pa_jw_kid(w, "unit_id", u->unit_id);
	pa_jw_kstr(w, "unit_name", u->unit_id ? u->unit_name : NULL);
	pa_jw_ktime(w, "created_at", u->created_at);
	pa_jw_kstr(w, "second_factor",
		   u->totp_on       ? "enrolled"
		   : u->totp_exempt ? "exempt"
				    : "none");
	pa_jw_kbool(w, "must_change_password", u->must_change);
	pa_jw_kbool(w, "disabled", u->disabled);
	bool locked = u->locked_until > now;
	pa_jw_kint(w, "failed_logins", locked || u->failures ? u->failures : 0);
	pa_jw_key(w, "locked_until");
	if (locked)
		pa_jw_time(w, u->locked_until);
	else
		pa_jw_null(w);
	pa_jw_obj_end(w);
}

enum pa_err pa_users_list(struct pa_app *app, const struct pa_actor *a, const char *username,
			  const char *limit, const char *cursor, struct pa_jw *out)
{
	if (!pa_role_can(a->role, PA_PERM_USERS_ADMIN) &&
	    !pa_role_can(a->role, PA_PERM_SECURITY_ADMIN))
		return pa_errf(PA_FORBIDDEN, NULL, "your role may not list the accounts");
	long long max, from;
	enum pa_err rc = page_of(limit, cursor, &max, &from);
	if (rc)
		return rc;
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct pa_user_row *rows = NULL;
	int n = 0;
	int64_t next = 0, now = pa_now();
	PA_WITH_READ(app, db, rc,
		     rc = db->ops->user_list(db, a->user.region, username, from, (int)max, &ar,
					     &rows, &n, &next));
	if (!rc) {
		page_begin(out);
		for (int i = 0; i < n; i++)
			render_user(out, &rows[i], now);
		page_end(out, next);
	}
	pa_arena_free(&ar);
	return rc;
}

static const struct pa_jspec user_spec[] = {
	{"username", PA_JT_STRING, true, 60},
	{"password", PA_JT_STRING, true, 200},
	{"role", PA_JT_STRING, true, 32},
	{"region", PA_JT_STRING, true, 15},
	{"unit_id", PA_JT_INTEGER, false, 0},
	{"name", PA_JT_STRING, false, 60},
	{NULL, 0, false, 0},
};

struct add_job {
	const struct pa_app *app;
	const struct pa_actor *a;
	json_t *body;
	const char *from;
	int64_t id, at;
};

static enum pa_err add_job(struct pa_db *db, void *arg)
{
	struct add_job *j = arg;
	json_t *b = j->body;
	const char *username = pa_json_str(b, "username"), *role = pa_json_str(b, "role"),
		   *region = pa_json_str(b, "region");
	json_t *unit = json_object_get(b, "unit_id");
	struct pa_account_new n = {.username = username,
				   .password = pa_json_str(b, "password"),
				   .role = role,
				   .region = region,
				   .name = pa_json_str(b, "name"),
				   .unit_id = unit ? json_integer_value(unit) : 0,
				   .by = j->a->user.id,
				   .from = j->from};
	return pa_user_create(db, j->app->cat, &n, &j->id);
}

enum pa_err pa_user_add(struct pa_app *app, const struct pa_actor *a, json_t *body,
			const char *from, struct pa_jw *out)
{
	enum pa_err rc = may(a, PA_PERM_USERS_ADMIN, PA_W("add accounts"));
	if (rc || (rc = pa_jspec_check(body, user_spec, NULL)))
		return rc;
	const char *region = pa_json_str(body, "region");
	if (!pa_region_code_valid(region))
		return pa_errf(PA_BAD_FIELD, "region", "%s is not a region code", region);
	if (!pa_region_within(region, a->user.region))
		return pa_errf(PA_FORBIDDEN, "region", "%s lies outside your region %s", region,
			       a->user.region);
	const struct pa_role *role = pa_catalog_role(app->cat, pa_json_str(body, "role"));
	if (!role)
		return pa_errf(PA_BAD_FIELD, "role", "unknown role %s", pa_json_str(body, "role"));
	/* an administrator made through the API could be one the system administrator holds
	 * the password of: the three duties' accounts come from the command line alone */
	if (role->duty)
		return pa_errf(PA_FORBIDDEN, "role",
			       "accounts of the system, security and audit administrators are "
			       "added with pingan user add on the server, not through the API");
	struct add_job j = {.app = app, .a = a, .body = body, .from = from, .at = pa_now()};
	if ((rc = pa_writer_run(app->writer, add_job, &j)))
		return rc;
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct pa_user_row *rows = NULL;
	int n = 0;
	int64_t next;
	PA_WITH_READ(app, db, rc,
		     rc = db->ops->user_list(db, a->user.region, NULL, j.id - 1, 1, &ar, &rows, &n,
					     &next));
	if (!rc && n == 1)
		render_user(out, &rows[0], j.at);
	pa_arena_free(&ar);
	return rc       ? rc
	       : n == 1 ? PA_OK
			: pa_errf(PA_INTERNAL, NULL, "the account just added is gone");
}

/* The account a security administrator acts on: in their region, and not their own. */
static enum pa_err target_of(struct pa_app *app, const struct pa_actor *a, int64_t id,
			     struct pa_user *u)
{
	enum pa_err rc = may(a, PA_PERM_SECURITY_ADMIN, PA_W("manage the accounts' security"));
	if (rc)
		return rc;
	PA_WITH_READ(app, db, rc, rc = db->ops->user_by_id(db, id, u));
	if (rc == PA_NOT_FOUND || (!rc && !pa_region_within(u->region, a->user.region)))
		return pa_errf(PA_NOT_FOUND, NULL, "no account %lld in your region", (long long)id);
	if (!rc && u->id == a->user.id)
		return pa_errf(PA_FORBIDDEN, NULL,
			       "another security administrator must do this for your own account");
	return rc;
}

struct security_job {
	const struct pa_actor *a;
	const struct pa_user *u;
	const char *from;
	int64_t at;
	bool reset; /* reset the second factor; else unlock */
};

static enum pa_err security_job(struct pa_db *db, void *arg)
{
	struct security_job *j = arg;
	enum pa_err rc;
	if (j->reset) {
		if ((rc = db->ops->totp_clear(db, j->u->id)) ||
		    (rc = db->ops->sessions_end(db, j->u->id, NULL)))
			return rc;
	} else if ((rc = db->ops->login_failures_clear(db, j->u->username, 0)))
		return rc;
	char subject[32];
	snprintf(subject, sizeof subject, "user:%lld", (long long)j->u->id);
	return login_audit(
		db, j->a->user.id, j->reset ? "auth.totp_reset" : "auth.unlocked", subject,
		json_pack("{s:s, s:s}", "username", j->u->username, "from", j->from ? j->from : ""),
		j->at);
}

enum pa_err pa_user_security(struct pa_app *app, const struct pa_actor *a, int64_t id,
			     bool reset_totp, const char *from)
{
	struct pa_user u;
	enum pa_err rc = target_of(app, a, id, &u);
	if (rc)
		return rc;
	struct security_job j = {
		.a = a, .u = &u, .from = from, .at = pa_now(), .reset = reset_totp};
	if ((rc = pa_writer_run(app->writer, security_job, &j)))
		return rc;
	if (reset_totp)
		sessions_forget_user(u.id);
	return PA_OK;
}
