/* routing.c: the routing rules as recorded versions, and the table in force. Intake takes
 * the table once per case through an atomic pointer; a new version replaces it whole, so
 * no reader ever sees half of one. Every version is kept with its text, hash, source,
 * author and reason, and audited. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
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
			char msg[512];
			snprintf(msg, sizeof msg, "%s", pa_err_last()->message);
			rc = pa_errf(PA_DATA_FILE, pa_err_last()->field,
				     "%s (the rules in force no longer fit the data files; any "
				     "change to data/routing.conf puts that file in force as a "
				     "new version)",
				     msg);
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
