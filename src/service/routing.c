/* routing.c: the routing rules as recorded versions, and the table in force. Intake takes
 * the table once per case through an atomic pointer; a new version replaces it whole, so
 * no reader ever sees half of one. Every version is kept with its text, hash, source,
 * author and reason, and audited. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/jspec.h"
#include "core/log.h"
#include "service/internal.h"

const struct pa_routing *pa_app_routing(struct pa_app *app)
{
	return atomic_load(&app->routing);
}

/* Put t in force unless a later version already is (two edits may finish out of order);
 * returns false, and frees t, when it was not. */
static bool install(struct pa_app *app, struct pa_routing *t)
{
	struct pa_routing *cur = atomic_load(&app->routing);
	do {
		if (cur && cur->version > t->version) {
			pa_routing_free(t);
			return false;
		}
		t->replaced = cur;
	} while (!atomic_compare_exchange_weak(&app->routing, &cur, t));
	return true;
}

void routing_sha256(const char *text, char out[65])
{
	uint8_t h[32];
	crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
	sodium_bin2hex(out, 65, h, sizeof h);
}

enum pa_err routing_audit(struct pa_db *db, const struct pa_routing_version *v, int64_t replaces)
{
	json_t *d = json_pack("{s:I, s:s, s:s, s:s}", "version", (json_int_t)v->version, "source",
			      v->source, "sha256", v->sha256, "reason", v->reason);
	json_object_set_new(d, "replaces", replaces ? json_integer(replaces) : json_null());
	char *detail = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(d);
	struct pa_audit_in e = {.actor_id = v->actor_id,
				.at = v->at,
				.action = "routing.record",
				.subject = "routing",
				.detail = detail};
	enum pa_err rc =
		detail ? db->ops->audit_add(db, &e) : pa_errf(PA_INTERNAL, NULL, "out of memory");
	free(detail);
	return rc;
}

/* In the start-up transaction: the version in force. routing.conf's text is recorded as a
 * new version when it differs from the last one recorded from the file — an edit on disk,
 * audited like any other — and is then in force; otherwise the latest version is, which
 * may be an edit made through the API since. */
static enum pa_err choose(struct pa_db *w, const struct pa_catalog *c, struct pa_arena *ar,
			  struct pa_routing_version *v, bool *recorded)
{
	struct pa_routing_version file;
	char sha[65];
	routing_sha256(c->routing_text, sha);
	enum pa_err rc = w->ops->routing_version_get(w, 0, "file", ar, &file);
	if (rc && rc != PA_NOT_FOUND)
		return rc;
	*recorded = rc == PA_NOT_FOUND || strcmp(file.sha256, sha) != 0;
	if (!*recorded)
		return w->ops->routing_version_get(w, 0, NULL, ar, v);
	int64_t latest = 0;
	struct pa_routing_version last;
	if ((rc = w->ops->routing_version_get(w, 0, NULL, ar, &last)) == PA_OK)
		latest = last.version;
	else if (rc != PA_NOT_FOUND)
		return rc;
	*v = (struct pa_routing_version){
		.rules = c->routing_text,
		.sha256 = pa_strdup(ar, sha),
		.source = "file",
		.reason = latest ? "data/routing.conf changed on disk"
				 : "data/routing.conf as found at the first start",
		.at = pa_now()};
	if ((rc = w->ops->routing_version_add(w, v, &v->version)))
		return rc;
	return routing_audit(w, v, latest);
}

enum pa_err routing_start(struct pa_app *app)
{
	const struct pa_catalog *c = app->cat;
	struct pa_db *w;
	enum pa_err rc = pa_store_open_writer(app->store, &w);
	if (rc)
		return rc;
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct pa_routing_version v;
	bool recorded = false;
	if (!(rc = w->ops->begin(w)) && !(rc = choose(w, c, &ar, &v, &recorded)))
		rc = w->ops->commit(w);
	w->ops->rollback(w); /* undoes a failure; nothing once committed */
	w->ops->close(w);
	struct pa_routing *t = NULL;
	if (!rc) {
		bool file = strcmp(v.source, "file") == 0;
		const char *name =
			file ? c->routing_path
			     : pa_sprintf(&ar, "routing version %lld", (long long)v.version);
		rc = pa_routing_parse(c, name, v.rules, strlen(v.rules), &t);
		if (rc && !file) {
			/* edited through the API, and no longer fitting the data files since
			 * (a profile or case type gone): the way out is a new version */
			rc = pa_err_wrap(PA_DATA_FILE, pa_err_last()->field,
					 "%s (the rules in force no longer fit the data files; any "
					 "change to data/routing.conf puts that file in force as a "
					 "new version)");
		}
	}
	if (!rc) {
		t->version = v.version;
		install(app, t);
		pa_log(PA_LOG_INFO, recorded ? "routing_recorded" : "routing_in_force",
		       "\"version\":%lld,\"source\":\"%s\",\"rules\":%d", (long long)v.version,
		       v.source, t->nrules);
	}
	pa_arena_free(&ar);
	return rc;
}

void routing_close(struct pa_app *app)
{
	struct pa_routing *t = atomic_exchange(&app->routing, NULL);
	while (t) {
		struct pa_routing *older = t->replaced;
		pa_routing_free(t);
		t = older;
	}
}

/* ---- the API: read the rules in force and their history, put new ones in force ---- */

static void render_rule(struct pa_jw *w, const struct pa_routing_rule *r)
{
	pa_jw_obj(w);
	pa_jw_kstr(w, "id", r->id);
	pa_jw_kint(w, "line", r->line);
	pa_jw_kstr(w, "type", r->type); /* null: any */
	pa_jw_kstr(w, "category", r->category);
	pa_jw_kstr(w, "region", r->region);
	pa_jw_kstr(w, "channel", r->channel);
	char target[80];
	snprintf(target, sizeof target, "%s:%s", r->to_unit ? "unit" : "tier",
		 r->to_unit ? r->unit : pa_tier_name(r->tier));
	pa_jw_kstr(w, "target", target);
	pa_jw_kstr(w, "tier", pa_tier_name(r->tier));
	pa_jw_kstr(w, "profile", r->profile->code);
	pa_jw_obj_end(w);
}

/* A version's record; with t (its parsed table), its text and rules too. The object is
 * left open for the caller to close. */
static void render_version(struct pa_jw *w, const struct pa_routing_version *v,
			   const struct pa_routing *t)
{
	pa_jw_obj(w);
	pa_jw_kint(w, "version", v->version);
	pa_jw_kstr(w, "source", v->source);
	pa_jw_key(w, "by");
	if (v->actor_id) {
		pa_jw_obj(w);
		pa_jw_kint(w, "id", v->actor_id);
		pa_jw_kstr(w, "name", v->actor_name);
		pa_jw_obj_end(w);
	} else
		pa_jw_null(w);
	pa_jw_kstr(w, "reason", v->reason);
	pa_jw_ktime(w, "at", v->at);
	pa_jw_kstr(w, "sha256", v->sha256);
	if (!t)
		return;
	pa_jw_kstr(w, "text", v->rules);
	pa_jw_key(w, "rules");
	pa_jw_arr(w);
	for (int i = 0; i < t->nrules; i++)
		render_rule(w, &t->rules[i]);
	pa_jw_arr_end(w);
}

static enum pa_err may(const struct pa_actor *a, enum pa_perm p)
{
	/* the rules route the whole city: only an account scoped to the whole city (its
	 * 6-digit code) may change them, whatever its role */
	if (p == PA_PERM_ROUTING_ADMIN && pa_role_can(a->role, p) &&
	    (a->role->scope == PA_SCOPE_UNIT ||
	     (strlen(a->scope.region) != 6 && strlen(a->scope.region) != 2)))
		return pa_errf(PA_FORBIDDEN, NULL,
			       "only an account over the whole city may change the routing rules");
	if (pa_role_can(a->role, p))
		return PA_OK;
	if (p == PA_PERM_ROUTING_ADMIN)
		return pa_errf(PA_FORBIDDEN, NULL, "your role may not change the routing rules");
	return pa_errf(PA_FORBIDDEN, NULL, "your role may not read the routing rules");
}

enum pa_err pa_routing_current(struct pa_app *app, const struct pa_actor *a, struct pa_jw *out)
{
	enum pa_err rc = may(a, PA_PERM_ROUTING_READ);
	if (rc)
		return rc;
	const struct pa_routing *t = pa_app_routing(app);
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct pa_routing_version v;
	PA_WITH_READ(app, db, rc, rc = db->ops->routing_version_get(db, t->version, NULL, &ar, &v));
	if (!rc) {
		render_version(out, &v, t);
		pa_jw_obj_end(out);
	}
	pa_arena_free(&ar);
	return rc;
}

enum pa_err pa_routing_history(struct pa_app *app, const struct pa_actor *a, const char *limit,
			       const char *cursor, struct pa_jw *out)
{
	long long max = 50, before = 0;
	enum pa_err rc = may(a, PA_PERM_ROUTING_READ);
	if (rc || (limit && (rc = query_int(limit, 1, 200, "limit", &max))) ||
	    (cursor && (rc = query_int(cursor, 1, INT64_MAX, "cursor", &before))))
		return rc;
	int64_t in_force = pa_app_routing(app)->version;
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct pa_routing_version *rows = NULL;
	int n = 0;
	int64_t next = 0;
	PA_WITH_READ(app, db, rc,
		     rc = db->ops->routing_versions(db, before, (int)max, &ar, &rows, &n, &next));
	if (!rc) {
		pa_jw_obj(out);
		pa_jw_key(out, "items");
		pa_jw_arr(out);
		for (int i = 0; i < n; i++) {
			render_version(out, &rows[i], NULL);
			pa_jw_kbool(out, "in_force", rows[i].version == in_force);
			pa_jw_obj_end(out);
		}
		page_end(out, next);
	}
	pa_arena_free(&ar);
	return rc;
}

static const struct pa_jspec put_spec[] = {
	{"rules", PA_JT_STRING, true, 100000},
	{"reason", PA_JT_STRING, true, 500},
	{NULL, 0, false, 0},
};

struct put_job {
	const struct pa_routing *table;
	struct pa_routing_version v;
	struct idem idem;
	struct pa_jw *out;
};

/* A unit a rule names must exist: intake would otherwise refuse every case it matches. */
static enum pa_err units_exist(struct pa_db *db, const struct pa_routing *t)
{
	for (int i = 0; i < t->nrules; i++) {
		const struct pa_routing_rule *r = &t->rules[i];
		int64_t id;
		enum pa_err rc =
			r->to_unit ? db->ops->unit_by_code(db, NULL, r->unit, &id, NULL, 0, NULL)
				   : PA_OK;
		if (rc == PA_NOT_FOUND)
			return pa_errf(PA_BAD_FIELD, "rules", "rules:%d: target: no unit \"%s\"",
				       r->line, r->unit);
		if (rc)
			return rc;
	}
	return PA_OK;
}

static enum pa_err put_job(struct pa_db *db, void *arg)
{
	struct put_job *j = arg;
	enum pa_err rc = idem_lookup(db, &j->idem, j->out);
	if (rc != PA_NOT_FOUND)
		return rc;
	if ((rc = units_exist(db, j->table)))
		return rc;
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct pa_routing_version last;
	int64_t replaces = 0;
	rc = db->ops->routing_version_get(db, 0, NULL, &ar, &last);
	if (!rc)
		replaces = last.version;
	pa_arena_free(&ar);
	if ((rc && rc != PA_NOT_FOUND) ||
	    (rc = db->ops->routing_version_add(db, &j->v, &j->v.version)) ||
	    (rc = routing_audit(db, &j->v, replaces)))
		return rc;
	render_version(j->out, &j->v, j->table);
	pa_jw_obj_end(j->out);
	return idem_store(db, &j->idem, 200, j->out);
}

enum pa_err pa_routing_put(struct pa_app *app, const struct pa_actor *a, json_t *body,
			   const char *idem_key, struct pa_jw *out)
{
	enum pa_err rc = may(a, PA_PERM_ROUTING_ADMIN);
	/* the rules route every city of the database: an account of one city of several
	 * would change another's */
	if (!rc && !pa_app_within_scope(app, a->scope.region))
		rc = pa_errf(PA_FORBIDDEN, NULL,
			     "the routing rules route every city of this database: only an "
			     "account over all of them (the province's) may change them");
	if (rc || (rc = pa_jspec_check(body, put_spec, NULL)))
		return rc;
	const char *text = pa_json_str(body, "rules"), *reason = pa_json_str(body, "reason");
	if (strspn(reason, " \t\n") == strlen(reason))
		return pa_errf(PA_MISSING_FIELD, "reason",
			       "say why the routing rules change (\"reason\")");
	struct pa_routing *t;
	if ((rc = pa_routing_parse(app->cat, "rules", text, strlen(text), &t))) {
		/* the same words start-up would use, as the fault of the request's "rules" */
		return pa_err_wrap(rc == PA_DATA_FILE ? PA_BAD_FIELD : rc, "rules", "%s");
	}
	char sha[65];
	routing_sha256(text, sha);
	struct put_job j = {.table = t, .out = out};
	j.v = (struct pa_routing_version){.rules = text,
					  .sha256 = sha,
					  .source = "api",
					  .reason = reason,
					  .actor_id = a->user.id,
					  .actor_name =
						  a->user.name[0] ? a->user.name : a->user.username,
					  .at = pa_now()};
	if ((rc = idem_prepare(&j.idem, app, a, idem_key, "PUT /routing", body)) ||
	    (rc = pa_writer_run(app->writer, put_job, &j)) || j.idem.replayed) {
		pa_routing_free(t);
		return rc;
	}
	t->version = j.v.version;
	if (install(app, t))
		pa_log(PA_LOG_INFO, "routing_put", "\"version\":%lld,\"by\":%lld,\"rules\":%d",
		       (long long)j.v.version, (long long)a->user.id, t->nrules);
	return PA_OK;
}
