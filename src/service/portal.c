/* portal.c: the public portal — what residents do without an account. They report a case of
 * a type open to them (portal = yes), over the channel "online", and get its query code
 * once; with that code they follow it (pa_case_track) and, once it is closed, rate the
 * outcome themselves (the action whose effect is rate). They act as the role
 * PA_PORTAL_ROLE, which roles.conf and the lifecycles give exactly these rights; no
 * account has it. */
#include <string.h>

#include "core/city.h"
#include "core/geo.h"
#include "core/jspec.h"
#include "service/internal.h"

/* The portal's actor: nobody in particular, over the whole city, no unit. */
static enum pa_err portal_actor(const struct pa_app *app, struct pa_actor *a)
{
	memset(a, 0, sizeof *a);
	a->role = pa_catalog_role(app->cat, PA_PORTAL_ROLE);
	if (!a->role)
		return pa_errf(PA_NOT_FOUND, NULL,
			       "the public portal is not open here (roles.conf has no role %s)",
			       PA_PORTAL_ROLE);
	snprintf(a->user.role, sizeof a->user.role, "%s", PA_PORTAL_ROLE);
	snprintf(a->user.username, sizeof a->user.username, "%s", "portal");
	return PA_OK;
}

/* The cities the grids lie in (the index holds them in code order), with their names. */
static enum pa_err cities(struct pa_app *app, json_t **out)
{
	*out = json_array();
	char last[PA_CITY_LEN + 1] = "";
	enum pa_err rc = PA_OK;
	PA_WITH_READ(app, db, rc, {
		for (int g = 0; g < pa_geo_index_count(app->geo) && !rc; g++) {
			const char *code, *name;
			const double *xy;
			int n;
			pa_geo_index_get(app->geo, g, &code, &name, &xy, &n);
			char c[PA_CITY_LEN + 1];
			pa_city_of(code, c);
			if (!strcmp(c, last))
				continue;
			memcpy(last, c, sizeof c);
			json_t *r = NULL;
			rc = db->ops->region_get(db, c, &r);
			if (!rc)
				json_array_append_new(*out,
						      json_pack("{s:s, s:O, s:O, s:O}", "code", c,
								"name", json_object_get(r, "name"),
								"lng", json_object_get(r, "lng"),
								"lat", json_object_get(r, "lat")));
			json_decref(r);
		}
	});
	return rc;
}

enum pa_err pa_portal_catalog(struct pa_app *app, const char *city, json_t **out)
{
	json_t *list = NULL;
	enum pa_err rc = cities(app, &list);
	if (rc) {
		json_decref(list);
		return rc;
	}
	bool known = !city;
	size_t i;
	json_t *c;
	json_array_foreach (list, i, c)
		known = known || !strcmp(city, json_string_value(json_object_get(c, "code")));
	if (!known) {
		json_decref(list);
		return pa_errf(PA_NOT_FOUND, "city", "no city %s here", city);
	}
	/* one city: its grids, as before there were several */
	if (!city && json_array_size(list) == 1)
		city = json_string_value(json_object_get(json_array_get(list, 0), "code"));
	/* the types residents report, as staff intake describes them */
	json_t *all = pa_case_types_json(app->cat), *items = json_array();
	json_t *t;
	json_array_foreach (json_object_get(all, "items"), i, t)
		if (json_is_true(json_object_get(t, "portal")))
			json_array_append(items, t);
	json_decref(all);
	/* the grids with their boundaries: a map to point at, the server finds the grid */
	json_t *grids = json_array();
	for (int g = 0; city && g < pa_geo_index_count(app->geo); g++) {
		const char *code, *name;
		const double *xy;
		int n;
		pa_geo_index_get(app->geo, g, &code, &name, &xy, &n);
		if (strncmp(code, city, PA_CITY_LEN) != 0)
			continue;
		json_t *ring = json_array();
		for (int k = 0; k < n; k++)
			json_array_append_new(ring, json_pack("[f, f]", xy[2 * k], xy[2 * k + 1]));
		json_array_append_new(grids, json_pack("{s:s, s:s?, s:o}", "code", code, "name",
						       name, "boundary", ring));
	}
	*out = json_pack("{s:o, s:o, s:o}", "items", items, "cities", list, "grids", grids);
	return PA_OK;
}

/* What a resident sends: a staff intake's fields but the channel, which is "online". */
static const struct pa_jspec submit_spec[] = {
	{"type", PA_JT_STRING, true, 32},      {"category", PA_JT_STRING, true, 32},
	{"title", PA_JT_STRING, true, 100},    {"description", PA_JT_STRING, true, 5000},
	{"lng", PA_JT_NUMBER, true, 0},        {"lat", PA_JT_NUMBER, true, 0},
	{"address", PA_JT_STRING, false, 200}, {"parties", PA_JT_ARRAY, false, 20},
	{"fields", PA_JT_OBJECT, false, 0},    {NULL, 0, false, 0},
};

enum pa_err pa_portal_submit(struct pa_app *app, json_t *body, const char *idem_key,
			     struct pa_jw *out)
{
	struct pa_actor a;
	enum pa_err rc = pa_jspec_check(body, submit_spec, NULL);
	if (rc || (rc = portal_actor(app, &a)))
		return rc;
	/* Every resident acts as the one portal actor, so their keys share one space: a key
	 * must be a random one (a phone's retry after a lost answer), never a guessable one,
	 * and it answers again only the very same report (the request hash). */
	if (idem_key && strlen(idem_key) < PA_PORTAL_KEY_MIN)
		return pa_errf(PA_BAD_REQUEST, "Idempotency-Key",
			       "a resident's Idempotency-Key is a random value of at least %d "
			       "characters (e.g. 32 hexadecimal digits)",
			       PA_PORTAL_KEY_MIN);
	const struct pa_casetype *t = pa_catalog_type(app->cat, pa_json_str(body, "type"));
	if (!t || !t->portal)
		return pa_errf(PA_BAD_FIELD, "type",
			       "\"%s\" is not a kind of case residents report here: see GET "
			       "/api/v1/case-types (portal)",
			       pa_json_str(body, "type"));
	json_t *in = json_deep_copy(body);
	json_object_set_new(in, "channel", json_string("online"));
	/* the staff intake's own checks, routing, sealing, idempotency and group commit */
	struct pa_jw made;
	pa_jw_init(&made, 0);
	rc = pa_case_create(app, &a, in, idem_key, &made);
	json_decref(in);
	json_t *c = NULL;
	if (!rc) {
		size_t n;
		char *text = pa_jw_take(&made, &n);
		c = json_loadb(text, n, 0, NULL);
		free(text);
		if (!c)
			rc = pa_errf(PA_INTERNAL, NULL, "the new case could not be read back");
	}
	pa_jw_free(&made);
	if (rc)
		return rc;
	/* what the resident may know: its number, the code to follow it, where it stands —
	 * not who received it */
	pa_jw_obj(out);
	pa_jw_kstr(out, "number", json_string_value(json_object_get(c, "number")));
	pa_jw_kstr(out, "query_code", json_string_value(json_object_get(c, "query_code")));
	pa_jw_kstr(out, "type_name", t->name);
	pa_jw_kstr(out, "status_name", json_string_value(json_object_get(c, "status_name")));
	pa_jw_kstr(out, "created_at", json_string_value(json_object_get(c, "created_at")));
	pa_jw_obj_end(out);
	json_decref(c);
	return PA_OK;
}

static const struct pa_jspec rate_spec[] = {
	{"code", PA_JT_STRING, true, 40},
	{"rating", PA_JT_STRING, true, 32},
	{"note", PA_JT_STRING, false, 500},
	{NULL, 0, false, 0},
};

enum pa_err pa_portal_rate(struct pa_app *app, json_t *body, struct pa_jw *out)
{
	struct pa_actor a;
	enum pa_err rc = pa_jspec_check(body, rate_spec, NULL);
	if (rc || (rc = portal_actor(app, &a)))
		return rc;
	int64_t id = 0;
	if ((rc = pa_case_by_code(app, pa_json_str(body, "code"), &id)))
		return rc;
	/* the action that rates, in this case's lifecycle: its rules decide whether now */
	char action[32] = "";
	if ((rc = pa_case_rate_action(app, id, action, sizeof action)))
		return rc;
	json_t *act = json_pack("{s:s, s:O}", "action", action, "rating",
				json_object_get(body, "rating"));
	if (json_object_get(body, "note"))
		json_object_set(act, "note", json_object_get(body, "note"));
	struct pa_jw done;
	pa_jw_init(&done, 0);
	rc = pa_case_act(app, &a, id, act, NULL, &done);
	json_decref(act);
	pa_jw_free(&done);
	if (rc)
		return rc;
	pa_jw_obj(out);
	pa_jw_kbool(out, "rated", true);
	pa_jw_obj_end(out);
	return PA_OK;
}
