/* audit.c: the audit log as the auditor reads it (GET /api/v1/audit) — newest first, paged,
 * by subject, actor or action. Only a role with audit_read over the whole city: separation
 * of duties keeps it from those who administer, and its rows are not bounded by region.
 * The security administrator reads its security events alone: the records of accounts and
 * log-ins (GET /api/v1/security/events). Read only: no route changes or stops the log. */
#include <sodium.h>
#include <string.h>

#include "service/internal.h"

static enum pa_err may_read(const struct pa_actor *a, bool security)
{
	if (security)
		return pa_role_can(a->role, PA_PERM_SECURITY_ADMIN)
			       ? PA_OK
			       : pa_errf(PA_FORBIDDEN, NULL,
					 "only the security administrator reads the security "
					 "events");
	if (!pa_role_can(a->role, PA_PERM_AUDIT_READ))
		return pa_errf(PA_FORBIDDEN, NULL, "only the auditor reads the audit log");
	if (a->scope.by_unit || strlen(a->scope.region) != 6)
		return pa_errf(PA_FORBIDDEN, NULL,
			       "the audit log covers the whole city: only an account over the "
			       "whole city reads it");
	return PA_OK;
}

/* A text filter: at most 64 printable ASCII characters (subjects and actions are). */
static enum pa_err text_param(const char *v, const char *name)
{
	if (!v)
		return PA_OK;
	size_t n = strlen(v);
	bool ok = n >= 1 && n <= 64;
	for (size_t i = 0; ok && i < n; i++)
		ok = v[i] > 0x20 && v[i] < 0x7f;
	return ok ? PA_OK
		  : pa_errf(PA_BAD_QUERY, name, "%s: 1 to 64 printable ASCII characters", name);
}

static void render_row(struct pa_jw *w, const struct pa_audit_entry *e)
{
	const struct pa_audit_row *r = &e->row;
	pa_jw_obj(w);
	pa_jw_kint(w, "index", r->idx);
	pa_jw_ktime(w, "at", r->at);
	pa_jw_key(w, "actor");
	if (r->actor_id) {
		pa_jw_obj(w);
		pa_jw_kint(w, "id", r->actor_id);
		pa_jw_kstr(w, "username", e->actor_name);
		pa_jw_obj_end(w);
	} else
		pa_jw_null(w);
	pa_jw_kstr(w, "action", r->action);
	pa_jw_kstr(w, "subject", r->subject);
	pa_jw_key(w, "detail");
	/* as written; a detail that is no JSON object (only a hand on the file makes one)
	 * is shown as the text it is, for pingan audit verify to explain */
	json_t *d = json_loads(r->detail, 0, NULL);
	if (json_is_object(d))
		pa_jw_raw(w, r->detail, strlen(r->detail));
	else
		pa_jw_str(w, r->detail);
	json_decref(d);
	char mac[2 * PA_AUDIT_MAC_BYTES + 1];
	sodium_bin2hex(mac, sizeof mac, r->mac, PA_AUDIT_MAC_BYTES);
	pa_jw_kstr(w, "mac", mac);
	pa_jw_obj_end(w);
}

enum pa_err pa_audit_page(struct pa_app *app, const struct pa_actor *a,
			  const struct pa_audit_query *q, struct pa_jw *out)
{
	long long limit = 50, before = 0, actor = 0;
	enum pa_err rc = may_read(a, q->security);
	if (rc || (q->limit && (rc = query_int(q->limit, 1, 200, "limit", &limit))) ||
	    (q->cursor && (rc = query_int(q->cursor, 1, INT64_MAX, "cursor", &before))) ||
	    (q->actor && (rc = query_int(q->actor, 1, INT64_MAX, "actor", &actor))) ||
	    (rc = text_param(q->subject, "subject")) || (rc = text_param(q->action, "action")))
		return rc;
	struct pa_audit_filter f = {.before = before,
				    .limit = (int)limit,
				    .subject = q->subject,
				    .action = q->action,
				    .actor_id = actor,
				    .region = a->user.region};
	if (q->security) {
		f.prefixes[0] = "auth.";
		f.prefixes[1] = "user.";
	}
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct pa_audit_entry *rows = NULL;
	int n = 0;
	int64_t next = 0;
	PA_WITH_READ(app, db, rc, rc = db->ops->audit_list(db, &f, &ar, &rows, &n, &next));
	if (!rc) {
		pa_jw_obj(out);
		pa_jw_key(out, "items");
		pa_jw_arr(out);
		for (int i = 0; i < n; i++)
			render_row(out, &rows[i]);
		page_end(out, next);
	}
	pa_arena_free(&ar);
	return rc;
}
