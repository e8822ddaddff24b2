/* units.c: the handling units as everyone lists them (GET /api/v1/units, paged and filtered,
 * with each unit's accounts counted) and as the units administrator (units_admin) adds and
 * changes them: of known kinds and tiers, in a region of their own, audited with actor and
 * address (unit.create, unit.update), once per Idempotency-Key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jspec.h"
#include "core/text.h"
#include "core/city.h"
#include "service/internal.h"

/* The kinds of unit pingan knows. A centre is found by its kind in exactly its region
 * (effects.c: pa_centre_of), so a centre's region is of its level and its tier is that
 * level's; other kinds sit in any region above the grids, at any tier. */
static const struct kind {
	const char *code, *name, *name_en;
	int level; /* a centre's region level (1 city, 2 town, 3 village); 0 = any of them */
} kinds[] = {
	{"city_centre", "市综治中心", "City centre", 1},
	{"town_centre", "镇街综治中心", "Town centre", 2},
	{"village_centre", "村(社区)综治中心", "Village centre", 3},
	{"committee", "人民调解委员会", "Mediation committee", 0},
	{"department", "职能部门", "Department", 0},
	{"petition_bureau", "信访部门", "Petition bureau", 0},
	{"police_station", "派出所", "Police station", 0},
	{"justice_office", "司法所", "Justice office", 0},
};
#define NKINDS (int)(sizeof kinds / sizeof kinds[0])
static const char *const level_tiers[] = {NULL, "city", "town", "village"};

static const struct kind *kind_of(const char *code)
{
	for (int i = 0; code && i < NKINDS; i++)
		if (strcmp(kinds[i].code, code) == 0)
			return &kinds[i];
	return NULL;
}

static bool may_manage(const struct pa_actor *a)
{
	return pa_role_can(a->role, PA_PERM_UNITS_ADMIN);
}

enum pa_err pa_units_list(struct pa_app *app, const struct pa_actor *a,
			  const struct pa_unit_query *q, json_t **out)
{
	long long max = 100000, after = 0;
	enum pa_err rc;
	if ((q->limit && (rc = query_int(q->limit, 1, 200, "limit", &max))) ||
	    (q->cursor && (rc = query_int(q->cursor, 1, INT64_MAX, "cursor", &after))))
		return rc;
	if (q->region && !pa_region_code_valid(q->region))
		return pa_errf(PA_BAD_QUERY, "region", "\"%.20s\" is not a region code", q->region);
	if (q->kind && !kind_of(q->kind))
		return pa_errf(PA_BAD_QUERY, "kind", "unknown kind of unit \"%.40s\"", q->kind);
	/* the units of the caller's city (a province's: of its cities) — units of the city
	 * take cases from its towns, so a town sees them too — or of a region in it */
	char city[PA_CITY_LEN + 1];
	pa_city_of(a->user.region, city);
	if (q->region && !pa_city_within(q->region, a->user.region))
		return pa_errf(PA_NOT_FOUND, "region", "no region %.20s here", q->region);
	json_t *items = NULL;
	int64_t next = 0;
	rc = PA_OK;
	PA_WITH_READ(app, db, rc,
		     rc = db->ops->unit_page(db, q->region ? q->region : city, q->kind, after,
					     (int)max, &items, &next));
	if (rc)
		return rc;
	json_t *ks = json_array();
	for (int i = 0; i < NKINDS; i++)
		json_array_append_new(ks,
				      json_pack("{s:s, s:s, s:s}", "code", kinds[i].code, "name",
						kinds[i].name, "name_en", kinds[i].name_en));
	char cur[24];
	snprintf(cur, sizeof cur, "%lld", (long long)next);
	*out = json_pack("{s:o, s:o, s:o, s:b}", "items", items, "next_cursor",
			 next ? json_string(cur) : json_null(), "kinds", ks, "may_manage",
			 may_manage(a));
	return PA_OK;
}

/* Kind and tier agree with each other and with a region of this level. */
static enum pa_err kind_fits(const char *kind, const char *tier, int level)
{
	const struct kind *k = kind_of(kind);
	if (!k)
		return pa_errf(PA_BAD_FIELD, "kind", "unknown kind of unit \"%.40s\"", kind);
	if (pa_tier_of(tier) < 0)
		return pa_errf(PA_BAD_FIELD, "tier", "tier must be village, town or city");
	if (level < 1 || level > 3)
		return pa_errf(PA_BAD_FIELD, "region",
			       "a unit belongs to the city, a town or a village, not a grid");
	if (k->level && k->level != level)
		return pa_errf(PA_BAD_FIELD, "kind", "a %s belongs to a %s's own region", k->code,
			       level_tiers[k->level]);
	if (k->level && strcmp(tier, level_tiers[k->level]) != 0)
		return pa_errf(PA_BAD_FIELD, "tier", "a %s is of the %s tier", k->code,
			       level_tiers[k->level]);
	return PA_OK;
}

static enum pa_err name_ok(const char *name)
{
	if (name && strspn(name, " \t\n") == strlen(name))
		return pa_errf(PA_BAD_FIELD, "name", "give the unit a name");
	return PA_OK;
}

/* The level of a region in the caller's own, or why not. */
static enum pa_err region_level(struct pa_app *app, const struct pa_actor *a, const char *region,
				int *level)
{
	if (!pa_region_code_valid(region))
		return pa_errf(PA_BAD_FIELD, "region", "%.20s is not a region code", region);
	if (!pa_region_within(region, a->user.region))
		return pa_errf(PA_FORBIDDEN, "region", "%s lies outside your region %s", region,
			       a->user.region);
	json_t *r = NULL;
	enum pa_err rc = PA_OK;
	PA_WITH_READ(app, db, rc, rc = db->ops->region_get(db, region, &r));
	if (rc == PA_NOT_FOUND)
		return pa_errf(PA_BAD_FIELD, "region", "no region %s", region);
	if (rc)
		return rc;
	*level = (int)json_integer_value(json_object_get(r, "level"));
	json_decref(r);
	return PA_OK;
}

struct unit_job {
	struct idem idem;
	struct pa_unit_in u;
	int64_t id; /* 0: a new unit */
	struct pa_jw *out;
};

static enum pa_err unit_job(struct pa_db *db, void *arg)
{
	struct unit_job *j = arg;
	enum pa_err rc = idem_lookup(db, &j->idem, j->out);
	if (rc != PA_NOT_FOUND)
		return rc;
	if (!j->id) {
		/* codes are unique within a city (routing rules name units by code there) */
		int64_t other;
		char name[8], region[16], city[PA_CITY_LEN + 1];
		pa_city_of(j->u.region, city);
		rc = db->ops->unit_by_code(db, city, j->u.code, &other, name, sizeof name, region);
		if (!rc)
			return pa_errf(PA_CONFLICT, "code",
				       "the code %s is another unit's in city %s", j->u.code, city);
		if (rc != PA_NOT_FOUND || (rc = db->ops->unit_put(db, &j->u, &j->id)))
			return rc;
	} else if ((rc = db->ops->unit_update(db, j->id, &j->u)))
		return rc;
	json_t *row = NULL;
	if ((rc = db->ops->unit_get(db, j->id, &row)))
		return rc;
	char *s = json_dumps(row, JSON_COMPACT);
	json_decref(row);
	if (!s)
		return pa_errf(PA_INTERNAL, NULL, "out of memory");
	pa_jw_raw(j->out, s, strlen(s));
	free(s);
	return idem_store(db, &j->idem, j->u.code ? 201 : 200, j->out);
}

static const struct pa_jspec create_spec[] = {
	{"code", PA_JT_STRING, true, 31}, {"name", PA_JT_STRING, true, 60},
	{"kind", PA_JT_STRING, true, 32}, {"region", PA_JT_STRING, true, 15},
	{"tier", PA_JT_STRING, true, 8},  {NULL, 0, false, 0},
};

enum pa_err pa_unit_create(struct pa_app *app, const struct pa_actor *a, json_t *body,
			   const char *from, const char *idem_key, struct pa_jw *out)
{
	if (!may_manage(a))
		return pa_errf(PA_FORBIDDEN, NULL, "your role may not add units");
	enum pa_err rc = pa_jspec_check(body, create_spec, NULL);
	if (rc)
		return rc;
	struct unit_job j = {.out = out,
			     .u = {.code = pa_json_str(body, "code"),
				   .name = pa_json_str(body, "name"),
				   .kind = pa_json_str(body, "kind"),
				   .region = pa_json_str(body, "region"),
				   .tier = pa_json_str(body, "tier"),
				   .by = a->user.id,
				   .from = from}};
	size_t n = strlen(j.u.code);
	if (n < 2 || strspn(j.u.code, "abcdefghijklmnopqrstuvwxyz0123456789-_") != n)
		return pa_errf(PA_BAD_FIELD, "code",
			       "a unit's code is 2 to 31 of a-z, 0-9, - and _ (routing rules name "
			       "units by it)");
	int level = 0;
	if ((rc = name_ok(j.u.name)) || (rc = region_level(app, a, j.u.region, &level)) ||
	    (rc = kind_fits(j.u.kind, j.u.tier, level)) ||
	    (rc = idem_prepare(&j.idem, app, a, idem_key, "POST /units", body)))
		return rc;
	return pa_writer_run(app->writer, unit_job, &j);
}

static const struct pa_jspec update_spec[] = {
	{"name", PA_JT_STRING, false, 60},
	{"kind", PA_JT_STRING, false, 32},
	{"tier", PA_JT_STRING, false, 8},
	{NULL, 0, false, 0},
};

enum pa_err pa_unit_change(struct pa_app *app, const struct pa_actor *a, int64_t id, json_t *body,
			   const char *from, const char *idem_key, struct pa_jw *out)
{
	if (!may_manage(a))
		return pa_errf(PA_FORBIDDEN, NULL, "your role may not change units");
	/* the code is what routing rules name a unit by, the region what its cases and
	 * accounts lie in: a unit moved or renamed in code would quietly change both */
	for (int i = 0; i < 2; i++) {
		const char *fixed = i ? "region" : "code";
		if (json_object_get(body, fixed))
			return pa_errf(
				PA_BAD_FIELD, fixed,
				"a unit's code and region are fixed; add a new unit instead");
	}
	enum pa_err rc = pa_jspec_check(body, update_spec, NULL);
	if (rc)
		return rc;
	json_t *row = NULL;
	PA_WITH_READ(app, db, rc, rc = db->ops->unit_get(db, id, &row));
	const char *region = row ? json_string_value(json_object_get(row, "region")) : NULL;
	if (rc == PA_NOT_FOUND || (!rc && !pa_region_within(region, a->user.region))) {
		json_decref(row);
		return pa_errf(PA_NOT_FOUND, NULL, "no unit %lld in your region", (long long)id);
	}
	if (rc)
		return rc;
	struct pa_arena ar;
	pa_arena_init(&ar);
	/* what the body leaves out stays as it is */
	const char *was[3];
	static const char *const keys[3] = {"name", "kind", "tier"};
	for (int i = 0; i < 3; i++) {
		const char *v = pa_json_str(body, keys[i]);
		if (!v)
			v = json_string_value(json_object_get(row, keys[i]));
		was[i] = v ? pa_sprintf(&ar, "%s", v) : NULL;
	}
	struct unit_job j = {.out = out,
			     .id = id,
			     .u = {.name = was[0],
				   .kind = was[1],
				   .tier = was[2] ? was[2] : "",
				   .by = a->user.id,
				   .from = from}};
	int level = 0;
	if (!(rc = name_ok(j.u.name)) && !(rc = region_level(app, a, region, &level)) &&
	    !(rc = kind_fits(j.u.kind, j.u.tier, level))) {
		char what[48];
		snprintf(what, sizeof what, "PATCH /units/%lld", (long long)id);
		if (!(rc = idem_prepare(&j.idem, app, a, idem_key, what, body)))
			rc = pa_writer_run(app->writer, unit_job, &j);
	}
	json_decref(row);
	pa_arena_free(&ar);
	return rc;
}
