/* cases.c: intake, reading, listing and acting on cases, and the statistics — the
 * domain rules between the HTTP face and the store. Every write runs as one writer job
 * whose answer (and idempotency record) is committed with the change itself. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/city.h"
#include "core/clock.h"
#include "core/jspec.h"
#include "core/pii.h"
#include "core/text.h"
#include "service/app.h"
#include "service/case_cache.h"
#include "service/internal.h"

/* Read a case back as the caller sees it and render it into out (also in a job). */
enum pa_err render_back(struct pa_db *db, const struct pa_app *app, const struct pa_actor *a,
			int64_t id, struct pa_jw *out)
{
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct pa_case_row row;
	enum pa_err rc = pa_case_get_open(db, app, &a->scope, id, &ar, &row);
	struct pa_case_cond cond = pa_case_cond_row(&row);
	struct pa_case_facts f;
	if (!rc)
		rc = pa_case_facts_load(db, app->cat, a, row.id, row.type, row.status, row.unit_id,
					&cond, &f);
	if (!rc)
		pa_render_case(out, app->cat, a, &row, &f);
	pa_arena_free(&ar);
	return rc;
}

/* ---- intake ---- */

/* The unit a routing rule sends a new case to; it must cover the place the case lies. */
enum pa_err pa_route_target(struct pa_db *db, const struct pa_routing_rule *r, const char *grid,
			    int64_t *unit, char name[128])
{
	if (!r->to_unit)
		return pa_centre_of(db, grid, r->tier, unit, name, 128);
	/* a rule names a unit by its code, which each city gives its own */
	char region[16], city[PA_CITY_LEN + 1];
	pa_city_of(grid, city);
	enum pa_err rc = db->ops->unit_by_code(db, city, r->unit, unit, name, 128, region);
	if (rc == PA_NOT_FOUND)
		return pa_errf(PA_CONFLICT, NULL,
			       "routing rule %s names unit %s, which does not exist", r->id,
			       r->unit);
	if (!rc && strncmp(grid, region, strlen(region)) != 0)
		return pa_errf(PA_CONFLICT, NULL,
			       "routing rule %s sends the case to %s, which does "
			       "not work in %s",
			       r->id, r->unit, grid);
	return rc;
}

static const struct pa_jspec case_spec[] = {
	{"type", PA_JT_STRING, true, 32},
	{"category", PA_JT_STRING, true, 32},
	{"title", PA_JT_STRING, true, 100},
	{"description", PA_JT_STRING, true, 5000},
	{"lng", PA_JT_NUMBER, true, 0},
	{"lat", PA_JT_NUMBER, true, 0},
	{"channel", PA_JT_STRING, true, 32},
	{"address", PA_JT_STRING, false, 200},
	{"parties", PA_JT_ARRAY, false, 20},
	{"fields", PA_JT_OBJECT, false, 0},
	{NULL, 0, false, 0},
};

static const struct pa_jspec party_spec[] = {
	{"role", PA_JT_STRING, true, 16},       {"name", PA_JT_STRING, true, 50},
	{"id_number", PA_JT_STRING, false, 18}, {"phone", PA_JT_STRING, false, 20},
	{"address", PA_JT_STRING, false, 200},  {NULL, 0, false, 0},
};

static const char *const party_roles[] = {"applicant", "respondent", "reporter", "other", NULL};

/* YYYY-MM-DD naming a day that exists. */
static enum pa_err check_date(const char *s)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return PA_BAD_FIELD;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return PA_BAD_FIELD;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && !leap))
		return PA_BAD_FIELD;
	return PA_OK;
}

/* Type-specific fields against the case type's field list. */
/* Values against a list of form fields (a case type's, or a record's): prefix names the
 * object in errors ("fields", "record"), what says whose fields they are. */
enum pa_err pa_check_fields(const struct pa_field *list, int n, json_t *obj, const char *prefix,
			    const char *what)
{
	const char *key;
	json_t *v;
	char name[80];
	if (!json_is_object(obj))
		return pa_errf(PA_BAD_FIELD, prefix, "\"%s\" must be an object", prefix);
	json_object_foreach (obj, key, v) {
		const struct pa_field *f = NULL;
		for (int i = 0; i < n; i++)
			if (strcmp(list[i].code, key) == 0)
				f = &list[i];
		snprintf(name, sizeof name, "%s.%s", prefix, key);
		if (!f)
			return pa_errf(PA_UNKNOWN_FIELD, name, "%s has no field \"%s\"", what, key);
		bool ok = true;
		const char *sv = json_string_value(v);
		switch (f->type) {
		case PA_FIELD_TEXT:
			ok = sv && pa_utf8_len(sv) <= 200;
			break;
		case PA_FIELD_LONGTEXT:
			ok = sv && pa_utf8_len(sv) <= 5000;
			break;
		case PA_FIELD_INT:
			ok = json_is_integer(v) && json_integer_value(v) >= 0;
			break;
		case PA_FIELD_MONEY:
			ok = json_is_number(v) && json_number_value(v) >= 0 &&
			     json_number_value(v) < 1e12;
			break;
		case PA_FIELD_DATE:
			ok = check_date(sv) == PA_OK;
			break;
		case PA_FIELD_BOOL:
			ok = json_is_boolean(v);
			break;
		case PA_FIELD_PHONE:
			ok = pa_phone_valid(sv);
			break;
		case PA_FIELD_CHOICE:
			ok = false;
			for (int i = 0; sv && i < f->nchoices; i++)
				ok |= strcmp(sv, f->choices[i]) == 0;
			break;
		}
		if (ok && sv && !pa_utf8_valid(sv))
			ok = false;
		if (!ok)
			return pa_errf(PA_BAD_FIELD, name, "\"%s\" is not a valid %s", name,
				       pa_field_type_name(f->type));
		/* a date of something that happened is not after today (China time, by the
		 * server's clock) */
		char today[32];
		if (f->past && strncmp(sv, pa_time_iso(pa_now(), today), 10) > 0)
			return pa_errf(PA_BAD_FIELD, name,
				       "%.0s%s (%s) cannot be after today (%.10s)", f->name,
				       f->name_en, sv, today);
	}
	for (int i = 0; i < n; i++)
		if (list[i].required && !json_object_get(obj, list[i].code)) {
			snprintf(name, sizeof name, "%s.%s", prefix, list[i].code);
			return pa_errf(PA_MISSING_FIELD, name, "\"%s\" is required for %s", name,
				       what);
		}
	return PA_OK;
}

static enum pa_err check_fields(const struct pa_casetype *t, json_t *fields)
{
	/* whose fields: the type by its name, which people read (data, Chinese) */
	return pa_check_fields(t->fields, t->nfields, fields, "fields", t->name);
}

static enum pa_err check_parties(json_t *parties, struct pa_arena *ar, struct pa_party_in **out,
				 int *n)
{
	*n = (int)json_array_size(parties);
	*out = pa_alloc(ar, sizeof **out * (size_t)(*n ? *n : 1));
	for (int i = 0; i < *n; i++) {
		json_t *p = json_array_get(parties, (size_t)i);
		char prefix[32];
		snprintf(prefix, sizeof prefix, "parties[%d]", i);
		enum pa_err rc = pa_jspec_check(p, party_spec, prefix);
		if (rc)
			return rc;
		struct pa_party_in *q = &(*out)[i];
		q->role = pa_json_str(p, "role");
		bool role_ok = false;
		for (int k = 0; party_roles[k]; k++)
			role_ok |= strcmp(q->role, party_roles[k]) == 0;
		char f[48];
		if (!role_ok)
			return pa_errf(
				PA_BAD_FIELD, (snprintf(f, sizeof f, "%s.role", prefix), f),
				"a party's role is applicant, respondent, reporter or other");
		q->name = pa_json_str(p, "name");
		q->id_number = pa_json_str(p, "id_number");
		q->phone = pa_json_str(p, "phone");
		q->address = pa_json_str(p, "address");
		if (q->id_number && *q->id_number && !pa_idno_valid(q->id_number))
			return pa_errf(PA_BAD_FIELD,
				       (snprintf(f, sizeof f, "%s.id_number", prefix), f),
				       "not a valid resident ID number (GB 11643 check digit)");
		if (q->phone && *q->phone && !pa_phone_valid(q->phone))
			return pa_errf(PA_BAD_FIELD, (snprintf(f, sizeof f, "%s.phone", prefix), f),
				       "not a valid mobile or landline number");
		if (q->id_number && !*q->id_number)
			q->id_number = NULL;
		if (q->phone && !*q->phone)
			q->phone = NULL;
		if (q->address && !*q->address)
			q->address = NULL;
	}
	return PA_OK;
}

struct create_job {
	struct pa_app *app;
	const struct pa_actor *actor;
	struct pa_case_in in;            /* as stored: its personal data sealed */
	const struct pa_party_in *plain; /* the parties as given, for the answer */
	const char *plain_fields;
	const char *grid_name, *unit_name;
	char query_code[20], query_hash[65]; /* for types the reporter follows by a code */
	struct idem idem;
	struct pa_jw *out;
};

/* The answer to an intake is rendered from what was written, not read back: the writer
 * thread is the one serial resource, and three reads per case were most of its work. */
static enum pa_err render_new(struct pa_db *db, struct create_job *j, const struct pa_case_ref *ref)
{
	const struct pa_case_in *in = &j->in;
	const struct pa_actor *a = j->actor;
	struct pa_party_row parties[20];
	int np = in->nparties < 20 ? in->nparties : 20;
	for (int i = 0; i < np; i++)
		parties[i] = (struct pa_party_row){j->plain[i].role, j->plain[i].name,
						   j->plain[i].id_number, j->plain[i].phone,
						   j->plain[i].address};
	struct pa_step_row step = {
		.action = in->action,
		.to_state = in->status,
		.from_unit = in->from_unit,
		.from_unit_name = in->from_unit ? a->user.unit_name : NULL,
		.to_unit = in->unit_id,
		.to_unit_name = j->unit_name,
		.actor_id = a->user.id,
		.actor_name = a->user.name,
		.actor_role = a->user.role,
		.at = in->at,
		.note = in->note,
	};
	struct pa_case_row row = {
		.id = ref->id,
		.unit_id = in->unit_id,
		.reporter_id = in->reporter_id,
		.created_at = in->at,
		.updated_at = in->at,
		.number = ref->number,
		.type = in->type,
		.category = in->category,
		.status = in->status,
		.title = in->title,
		.grid = in->grid,
		.grid_name = j->grid_name,
		.channel = in->channel,
		.unit_name = j->unit_name,
		.tier = in->tier,
		.routing_rule = in->routing_rule,
		.routing_version = in->routing_version,
		.query_code = j->query_code[0] ? j->query_code : NULL,
		.profile = in->profile,
		.clock = in->clock,
		.watch_due = in->watch_due,
		.watch_open = in->watch_due && in->watch_open,
		.lng = in->lng,
		.lat = in->lat,
		.description = in->description,
		.address = in->address,
		.fields = j->plain_fields ? j->plain_fields : "{}",
		.nparties = np,
		.parties = parties,
		.nsteps = 1,
		.steps = &step,
	};
	/* what the reporter may do next is judged as on any read (one query more) */
	struct pa_case_cond cond = pa_case_cond_row(&row);
	struct pa_case_facts f;
	enum pa_err rc = pa_case_facts_load(db, j->app->cat, a, row.id, row.type, row.status,
					    row.unit_id, &cond, &f);
	if (!rc)
		pa_render_case(j->out, j->app->cat, a, &row, &f);
	return rc;
}

static enum pa_err create_job(struct pa_db *db, void *arg)
{
	struct create_job *j = arg;
	enum pa_err rc = idem_lookup(db, &j->idem, j->out);
	if (rc != PA_NOT_FOUND)
		return rc;
	struct pa_case_ref ref;
	if ((rc = db->ops->case_insert(db, &j->in, &ref)))
		return rc;
	if ((rc = render_new(db, j, &ref)))
		return rc;
	return idem_store(db, &j->idem, 201, j->out);
}

enum pa_err pa_case_create(struct pa_app *app, const struct pa_actor *a, json_t *body,
			   const char *idem_key, struct pa_jw *out)
{
	enum pa_err rc = pa_jspec_check(body, case_spec, NULL);
	if (rc)
		return rc;
	const struct pa_casetype *t = pa_catalog_type(app->cat, pa_json_str(body, "type"));
	if (!t)
		return pa_errf(PA_BAD_FIELD, "type", "unknown case type \"%s\"",
			       pa_json_str(body, "type"));
	if (t->intake)
		return pa_errf(PA_BAD_FIELD, "type", "%s cases are created by %s", t->code,
			       t->intake);
	if (!pa_type_category(t, pa_json_str(body, "category")))
		return pa_errf(PA_BAD_FIELD, "category", "a %s case has no category \"%s\"",
			       t->code, pa_json_str(body, "category"));
	if (!pa_catalog_channel(app->cat, pa_json_str(body, "channel")))
		return pa_errf(PA_BAD_FIELD, "channel", "unknown channel \"%s\"",
			       pa_json_str(body, "channel"));
	const struct pa_transition *report = NULL;
	for (int i = 0; i < t->lc->ntrans; i++)
		if (t->lc->trans[i].from == PA_FROM_CREATE)
			report = &t->lc->trans[i];
	if (!pa_role_may(report, a->role))
		return pa_errf(PA_FORBIDDEN, NULL, "your role may not report a %s case", t->code);
	double lng = json_number_value(json_object_get(body, "lng"));
	double lat = json_number_value(json_object_get(body, "lat"));
	if (!pa_geo_valid(lng, lat))
		return pa_errf(PA_BAD_FIELD, "lng",
			       "lng must be in [-180, 180] and lat in [-90, 90]");
	const char *grid_name;
	const char *grid = pa_geo_locate(app->geo, lng, lat, &grid_name);
	if (!grid)
		return pa_errf(PA_BAD_FIELD, "lng",
			       "the point (%.6f, %.6f) lies outside every grid", lng, lat);
	if (!pa_region_within(grid, a->scope.region))
		return pa_errf(PA_FORBIDDEN, "lng",
			       "the point lies in grid %s, outside your region %s", grid,
			       a->scope.region);
	json_t *fields = json_object_get(body, "fields");
	if (fields && (rc = check_fields(t, fields)))
		return rc;
	if (!fields && (rc = check_fields(t, (fields = json_object()))))
		return json_decref(fields), rc;
	/* the date its type watches (a hazard's 整改期限), checked as a date just above */
	const char *watched =
		t->watch ? json_string_value(json_object_get(fields, t->watch->code)) : NULL;
	int64_t watch_due = watched ? pa_day_end(watched) : 0;
	if (!json_object_get(body, "fields"))
		json_decref(fields), fields = NULL;

	struct pa_arena ar;
	pa_arena_init(&ar);
	struct create_job j = {.app = app, .actor = a, .out = out};
	if ((rc = check_parties(json_object_get(body, "parties"), &ar,
				(struct pa_party_in **)&j.in.parties, &j.in.nparties)))
		goto out;
	/* Routing decides who receives the case and by which limits its clock runs. */
	const struct pa_routing *rt = pa_app_routing(app);
	const struct pa_routing_rule *route = pa_routing_match(
		rt, t->code, pa_json_str(body, "category"), grid, pa_json_str(body, "channel"));
	char unit_name[128];
	PA_WITH_READ(app, db, rc, rc = pa_route_target(db, route, grid, &j.in.unit_id, unit_name));
	if (rc)
		goto out;
	j.grid_name = grid_name;
	j.unit_name = unit_name;
	if ((rc = idem_prepare(&j.idem, app, a, idem_key, "POST /cases", body)))
		goto out;
	j.in.type = t->code;
	j.in.category = pa_json_str(body, "category");
	j.in.status = t->lc->states[report->to].code;
	j.in.title = pa_json_str(body, "title");
	j.in.description = pa_json_str(body, "description");
	j.in.grid = grid;
	j.in.channel = pa_json_str(body, "channel");
	j.in.address = pa_json_str(body, "address");
	if (j.in.address && !*j.in.address)
		j.in.address = NULL; /* an empty optional string is stored as absent */
	j.in.fields_json = fields ? json_dumps(fields, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	j.in.search = pa_text_fold(&ar, pa_sprintf(&ar, "%s %s %s", j.in.title, j.in.description,
						   j.in.address ? j.in.address : ""));
	j.in.lng = lng;
	j.in.lat = lat;
	j.in.from_unit = a->user.unit_id;
	j.in.reporter_id = a->user.id;
	j.in.at = pa_now();
	j.in.year = pa_time_year(j.in.at);
	j.in.action = report->action->code;
	j.in.tier = pa_tier_name(route->tier);
	j.in.routing_rule = route->id;
	j.in.routing_version = rt->version;
	j.in.profile = route->profile->code;
	j.in.watch_due = watch_due;
	j.in.watch_open = pa_state_watched(t->lc, report->to);
	if (t->query_code) {
		/* 16 characters a person can read out: no 0/O, 1/I; only the hash is kept */
		static const char alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
		for (int i = 0; i < 16; i++)
			j.query_code[i] = alphabet[randombytes_uniform(32)];
		j.query_code[16] = 0;
		pa_query_hash(j.query_code, j.query_hash);
		j.in.query_hash = j.query_hash;
	}
	pa_clock_after(app, t->lc, route->profile, route->tier, route->tier, -1, report->to,
		       j.in.at, 0, NULL, &j.in.clock);
	j.plain = j.in.parties;
	j.plain_fields = j.in.fields_json;
	if (!(rc = pa_case_seal(app, &ar, &j.in)))
		rc = pa_writer_run(app->writer, create_job, &j);
	free((char *)j.plain_fields);
out:
	pa_arena_free(&ar);
	return rc;
}

/* ---- reading ---- */

/* A read answers from the case cache while the case's version holds; the version query is
 * also the scope check. */
static enum pa_err read_case(struct pa_db *db, struct pa_app *app, const struct pa_actor *a,
			     int64_t id, struct pa_jw *out)
{
	struct pa_case_head h;
	enum pa_err rc = db->ops->case_head(db, &a->scope, id, &h);
	if (rc)
		return rc;
	if (!pa_case_shared_ok(app->cat, h.type)) {
		/* a type that hides things from some readers: rendered for this one */
		pa_jw_free(out);
		pa_jw_init(out, 0);
		return render_back(db, app, a, id, out);
	}
	if (!pa_case_cache_get(app->case_cache, id, h.version, out)) {
		struct pa_arena ar;
		pa_arena_init(&ar);
		struct pa_case_row row;
		if ((rc = pa_case_get_open(db, app, &a->scope, id, &ar, &row))) {
			pa_arena_free(&ar);
			return rc;
		}
		struct pa_jw shared;
		pa_jw_init(&shared, 0);
		pa_render_case_shared(&shared, app->cat, &row);
		if (!shared.overflow) {
			pa_case_cache_put(app->case_cache, id, row.version, shared.buf, shared.len);
			pa_jw_append(out, shared.buf, shared.len - 1);
		}
		/* what the actions are decided on is the state just read */
		snprintf(h.type, sizeof h.type, "%s", row.type);
		snprintf(h.status, sizeof h.status, "%s", row.status);
		snprintf(h.tier, sizeof h.tier, "%s", row.tier ? row.tier : "");
		snprintf(h.rating, sizeof h.rating, "%s", row.rating ? row.rating : "");
		h.unreasonable = row.unreasonable;
		h.unit_id = row.unit_id;
		h.urgent = row.urgent;
		h.ext_pending = row.ext_pending;
		pa_jw_free(&shared);
		pa_arena_free(&ar);
	}
	pa_jw_reopen(out);
	struct pa_case_cond cond = pa_case_cond_of(&h);
	struct pa_case_facts f;
	if ((rc = pa_case_facts_load(db, app->cat, a, h.id, h.type, h.status, h.unit_id, &cond,
				     &f)))
		return rc;
	pa_render_actions(out, app->cat, a, &f);
	pa_jw_obj_end(out);
	return PA_OK;
}

enum pa_err pa_case_read(struct pa_app *app, const struct pa_actor *a, int64_t id,
			 struct pa_jw *out)
{
	enum pa_err rc = PA_OK;
	PA_WITH_READ(app, db, rc, rc = read_case(db, app, a, id, out));
	return rc;
}

static bool state_known(const struct pa_catalog *cat, const char *code)
{
	for (int i = 0; i < cat->nlifecycles; i++)
		if (pa_lifecycle_state(&cat->lifecycles[i], code) >= 0)
			return true;
	return false;
}

static bool category_known(const struct pa_catalog *cat, const char *code)
{
	for (int i = 0; i < cat->ntypes; i++)
		if (pa_type_category(&cat->types[i], code))
			return true;
	return false;
}

enum pa_err query_int(const char *s, long long lo, long long hi, const char *name, long long *out)
{
	char *end;
	if (!s || !*s || strlen(s) > 19)
		return pa_errf(PA_BAD_QUERY, name, "%s must be a number", name);
	long long v = strtoll(s, &end, 10);
	if (*end || v < lo || v > hi)
		return pa_errf(PA_BAD_QUERY, name, "%s must be a whole number from %lld to %lld",
			       name, lo, hi);
	*out = v;
	return PA_OK;
}

void page_begin(struct pa_jw *out)
{
	pa_jw_obj(out);
	pa_jw_key(out, "items");
	pa_jw_arr(out);
}

void page_end(struct pa_jw *out, int64_t next)
{
	pa_jw_arr_end(out);
	pa_jw_key(out, "next_cursor");
	if (next) {
		char cur[24];
		snprintf(cur, sizeof cur, "%lld", (long long)next);
		pa_jw_str(out, cur);
	} else
		pa_jw_null(out);
	pa_jw_obj_end(out);
}

enum pa_err pa_case_search(struct pa_app *app, const struct pa_actor *a,
			   const struct pa_case_query *q, struct pa_jw *out)
{
	struct pa_case_filter f = {.limit = 50};
	long long v;
	enum pa_err rc;
	if (q->limit) {
		if ((rc = query_int(q->limit, 1, 200, "limit", &v)))
			return rc;
		f.limit = (int)v;
	}
	if ((rc = pa_case_sort_parse(q->sort, q->cursor, &f)))
		return rc;
	if (q->cursor && f.sort == PA_SORT_NEWEST) {
		if ((rc = query_int(q->cursor, 1, INT64_MAX, "cursor", &v)))
			return rc;
		f.before_id = v;
	}
	if (q->status && !state_known(app->cat, q->status))
		return pa_errf(PA_BAD_QUERY, "status", "unknown status \"%s\"", q->status);
	if (q->category && !category_known(app->cat, q->category))
		return pa_errf(PA_BAD_QUERY, "category", "unknown category \"%s\"", q->category);
	if (q->type && !pa_catalog_type(app->cat, q->type))
		return pa_errf(PA_BAD_QUERY, "type", "unknown case type \"%s\"", q->type);
	if (q->region && !pa_region_code_valid(q->region))
		return pa_errf(PA_BAD_QUERY, "region", "\"%s\" is not a region code", q->region);
	if (q->q && pa_utf8_len(q->q) > 100)
		return pa_errf(PA_BAD_QUERY, "q", "q is longer than 100 characters");
	f.status = q->status;
	f.category = q->category;
	f.type = q->type;
	f.region = q->region;
	char person[65];
	if (q->person) {
		if ((rc = pa_person_index(app, q->person, person)))
			return rc;
		f.person = person;
	}
	struct pa_arena ar;
	pa_arena_init(&ar);
	if (q->q && *q->q)
		f.q = pa_text_fold_query(&ar, q->q);
	if (q->queue && (rc = pa_queue_apply(app, a, q->queue, &ar, &f))) {
		pa_arena_free(&ar);
		return rc;
	}
	struct pa_case_row *rows = NULL;
	int n = 0;
	int64_t next = 0;
	const struct pa_case_row *after = NULL;
	rc = PA_OK;
	/* a queue's page holds only the cases the caller may act on (queues.c) */
	PA_WITH_LIST_READ(
		app, a, db, rc,
		rc = q->queue ? pa_queue_page(db, app, a, q->queue, &f, &ar, &rows, &n, &after)
			      : db->ops->case_list(db, &a->scope, &f, &ar, &rows, &n, &next));
	if (!rc) {
		pa_jw_obj(out);
		pa_jw_key(out, "items");
		pa_jw_arr(out);
		for (int i = 0; i < n; i++)
			pa_render_case(out, app->cat, a, &rows[i], NULL);
		pa_jw_arr_end(out);
		pa_jw_key(out, "next_cursor");
		char cur[48];
		if (next && !q->queue)
			after = &rows[n - 1];
		if (after) {
			pa_case_sort_cursor(&f, after, cur, sizeof cur);
			pa_jw_str(out, cur);
		} else
			pa_jw_null(out);
		pa_jw_obj_end(out);
	}
	pa_arena_free(&ar);
	return rc;
}

void pa_query_hash(const char *code, char out[65])
{
	uint8_t h[32];
	char up[32];
	size_t n = 0;
	/* what a person types: case and spaces do not matter */
	for (const char *p = code; *p && n + 1 < sizeof up; p++)
		if (*p != ' ' && *p != '-')
			up[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	up[n] = 0;
	crypto_hash_sha256(h, (const unsigned char *)up, n);
	sodium_bin2hex(out, 65, h, sizeof h);
}

/* The action with effect rate the portal's role may take in state `state` of lifecycle lc
 * (state -1: in any state), or NULL. */
static const struct pa_action *portal_rating(const struct pa_app *app,
					     const struct pa_lifecycle *lc, int state)
{
	const struct pa_role *portal = pa_catalog_role(app->cat, PA_PORTAL_ROLE);
	for (int i = 0; portal && i < lc->ntrans; i++) {
		const struct pa_transition *tr = &lc->trans[i];
		if (tr->action->effect == PA_EFFECT_RATE && pa_role_may(tr, portal) &&
		    (state < 0 || pa_transition_applies(lc, tr, state)))
			return tr->action;
	}
	return NULL;
}

enum pa_err pa_case_by_code(struct pa_app *app, const char *code, int64_t *id)
{
	if (!code || strlen(code) < 8 || strlen(code) > 40 || !pa_utf8_valid(code))
		return pa_errf(PA_BAD_QUERY, "code", "give the query code you were given");
	char hash[65];
	pa_query_hash(code, hash);
	enum pa_err rc = PA_OK;
	PA_WITH_READ(app, db, rc, rc = db->ops->case_by_query(db, hash, id));
	if (rc == PA_NOT_FOUND)
		pa_errf(PA_NOT_FOUND, "code",
			"no case has this query code: check it and try again");
	return rc;
}

enum pa_err pa_case_rate_action(struct pa_app *app, int64_t id, char *action, size_t cap)
{
	struct pa_case_head h;
	static const struct pa_scope everywhere = {.region = ""};
	enum pa_err rc = PA_OK;
	PA_WITH_READ(app, db, rc, rc = db->ops->case_head(db, &everywhere, id, &h));
	if (rc)
		return rc;
	const struct pa_casetype *t = pa_catalog_type(app->cat, h.type);
	const struct pa_action *ac = t ? portal_rating(app, t->lc, -1) : NULL;
	if (!ac)
		return pa_errf(PA_ACTION_NOT_ALLOWED, NULL, "this kind of case is not rated here");
	snprintf(action, cap, "%s", ac->code);
	return PA_OK;
}

enum pa_err pa_case_track(struct pa_app *app, const char *code, struct pa_jw *out)
{
	static const struct pa_scope everywhere = {.region = ""};
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct pa_case_row row;
	int64_t id = 0;
	enum pa_err rc = pa_case_by_code(app, code, &id);
	if (!rc) {
		PA_WITH_READ(app, db, rc, rc = db->ops->case_get(db, &everywhere, id, &ar, &row));
	}
	if (!rc) {
		/* what the reporter may know: where the case stands, never who handles it by name
		 * nor anything about the people in it */
		const struct pa_casetype *t = pa_catalog_type(app->cat, row.type);
		pa_jw_obj(out);
		pa_jw_kstr(out, "number", row.number);
		pa_jw_kstr(out, "type_name", t ? t->name : row.type);
		pa_jw_kstr(out, "status", row.status);
		pa_jw_kstr(out, "status_name", t ? state_name(t->lc, row.status) : row.status);
		pa_jw_ktime(out, "created_at", row.created_at);
		pa_jw_ktime(out, "updated_at", row.updated_at);
		/* whether the resident may rate the outcome now (POST /api/v1/track/rating) */
		pa_jw_kbool(
			out, "may_rate",
			t && !(row.rating && *row.rating) &&
				portal_rating(app, t->lc, pa_lifecycle_state(t->lc, row.status)));
		/* the unit that has it now (a unit, never a person) — not for a type that
		 * protects its reporter (a tip-off: who looks into it is not theirs to know) —
		 * and the answers given */
		pa_jw_kstr(out, "unit_name", t && !t->protect_reporter ? row.unit_name : NULL);
		const struct pa_step_row *last = NULL;
		pa_jw_key(out, "progress");
		pa_jw_arr(out);
		for (int i = 0; i < row.nsteps; i++) {
			const struct pa_step_row *s = &row.steps[i];
			const struct pa_action *ac =
				t ? pa_lifecycle_action(t->lc, s->action) : NULL;
			bool reply = ac && ac->reply && s->note && *s->note;
			if (!ac ||
			    (!reply && !strcmp(s->from_state ? s->from_state : "", s->to_state)))
				continue; /* state changes and answers only */
			pa_jw_obj(out);
			pa_jw_kstr(out, "stage", ac->name);
			pa_jw_kstr(out, "status_name",
				   t ? state_name(t->lc, s->to_state) : s->to_state);
			pa_jw_ktime(out, "at", s->at);
			if (reply)
				pa_jw_kstr(out, "reply", s->note);
			pa_jw_obj_end(out);
			last = reply ? s : last;
		}
		pa_jw_arr_end(out);
		pa_jw_key(out, "reply");
		if (last) {
			pa_jw_obj(out);
			pa_jw_kstr(out, "text", last->note);
			pa_jw_ktime(out, "at", last->at);
			pa_jw_obj_end(out);
		} else
			pa_jw_null(out);
		pa_jw_obj_end(out);
	}
	pa_arena_free(&ar);
	return rc;
}
