/* cases.c: intake, reading, listing and acting on cases, and the statistics — the
 * domain rules between the HTTP face and the store. Every write runs as one writer job
 * whose answer (and idempotency record) is committed with the change itself. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/jspec.h"
#include "core/pii.h"
#include "core/text.h"
#include "service/app.h"

/* ---- shaping a case for the caller ---- */

static const char *state_name(const struct pa_lifecycle *lc, const char *code)
{
	int i = pa_lifecycle_state(lc, code);
	return i >= 0 ? lc->states[i].name : code;
}

static void mask_parties(json_t *c)
{
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(c, "parties"), i, p)
	{
		char buf[64];
		const char *id = pa_json_str(p, "id_number"), *ph = pa_json_str(p, "phone");
		if (id) {
			pa_mask_idno(id, buf, sizeof buf);
			json_object_set_new(p, "id_number", json_string(buf));
		}
		if (ph) {
			pa_mask_phone(ph, buf, sizeof buf);
			json_object_set_new(p, "phone", json_string(buf));
		}
	}
}

/* Names for codes, and the actions this caller may take now. */
static void decorate(const struct pa_app *app, const struct pa_actor *a, json_t *c)
{
	const struct pa_casetype *t = pa_catalog_type(app->cat, pa_json_str(c, "type"));
	if (!t)
		return;
	const struct pa_category *k = pa_type_category(t, pa_json_str(c, "category"));
	json_object_set_new(c, "type_name", json_string(t->name));
	json_object_set_new(c, "category_name", json_string(k ? k->name : ""));
	const char *status = pa_json_str(c, "status");
	json_object_set_new(c, "status_name", json_string(state_name(t->lc, status)));
	int from = pa_lifecycle_state(t->lc, status);
	if (from >= 0)
		json_object_set_new(c, "status_kind",
				    json_string(pa_state_kind_name(t->lc->states[from].kind)));
	json_t *steps = json_object_get(c, "steps");
	if (steps) {
		size_t i;
		json_t *s;
		json_array_foreach(steps, i, s)
		{
			const struct pa_action *ac = pa_lifecycle_action(t->lc, pa_json_str(s, "action"));
			json_object_set_new(s, "action_name", json_string(ac ? ac->name : ""));
		}
		json_t *actions = json_array();
		for (int k2 = 0; k2 < t->lc->ntrans && from >= 0; k2++) {
			const struct pa_transition *tr = &t->lc->trans[k2];
			if (tr->from != from || !pa_role_may(tr, a->role))
				continue;
			json_array_append_new(
				actions, json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "action",
						   tr->action->code, "name", tr->action->name,
						   "name_en", tr->action->name_en, "to",
						   t->lc->states[tr->to].code, "needs_note",
						   (tr->action->needs & PA_NEED_NOTE) != 0, "needs_unit",
						   (tr->action->needs & PA_NEED_UNIT) != 0));
		}
		json_object_set_new(c, "actions", actions);
		mask_parties(c);
	}
}

/* ---- idempotency ---- */

static void request_hash(const char *what, json_t *body, char out[65])
{
	char *s = json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT);
	crypto_hash_sha256_state st;
	uint8_t h[32];
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)what, strlen(what) + 1);
	if (s)
		crypto_hash_sha256_update(&st, (const unsigned char *)s, strlen(s));
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, 65, h, sizeof h);
	free(s);
}

struct idem {
	const char *key; /* NULL: no idempotency */
	int64_t user_id;
	char hash[65];
	bool replayed;
};

static bool idem_key_valid(const char *k)
{
	size_t n = strlen(k);
	if (n < 8 || n > 128)
		return false;
	for (const char *p = k; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

static enum pa_err idem_prepare(struct idem *im, const struct pa_actor *a, const char *key,
				const char *what, json_t *body)
{
	memset(im, 0, sizeof *im);
	if (!key)
		return PA_OK;
	if (!idem_key_valid(key))
		return pa_errf(PA_BAD_REQUEST, "Idempotency-Key",
			       "Idempotency-Key must be 8 to 128 printable ASCII characters");
	im->key = key;
	im->user_id = a->user.id;
	request_hash(what, body, im->hash);
	return PA_OK;
}

/* Inside the job: a stored answer for this key ends the job early with it. */
static enum pa_err idem_lookup(struct pa_db *db, struct idem *im, json_t **out)
{
	if (!im->key)
		return PA_NOT_FOUND;
	char hash[65];
	int status;
	char *body = NULL;
	enum pa_err rc = db->ops->idem_get(db, im->user_id, im->key, hash, &status, &body);
	if (rc)
		return rc;
	if (strcmp(hash, im->hash) != 0) {
		free(body);
		return pa_errf(PA_CONFLICT, "Idempotency-Key",
			       "this Idempotency-Key was used for a different request");
	}
	*out = json_loads(body, 0, NULL);
	free(body);
	im->replayed = true;
	return *out ? PA_OK : pa_errf(PA_INTERNAL, NULL, "a stored answer is unreadable");
}

static enum pa_err idem_store(struct pa_db *db, struct idem *im, int status, json_t *answer)
{
	if (!im->key)
		return PA_OK;
	char *s = json_dumps(answer, JSON_COMPACT);
	enum pa_err rc = db->ops->idem_put(db, im->user_id, im->key, im->hash, status, s, pa_now());
	free(s);
	return rc;
}

/* ---- intake ---- */

static const struct pa_jspec case_spec[] = {
	{"type", PA_JT_STRING, true, 32},	{"category", PA_JT_STRING, true, 32},
	{"title", PA_JT_STRING, true, 100},	{"description", PA_JT_STRING, true, 5000},
	{"lng", PA_JT_NUMBER, true, 0},		{"lat", PA_JT_NUMBER, true, 0},
	{"channel", PA_JT_STRING, true, 32},	{"address", PA_JT_STRING, false, 200},
	{"parties", PA_JT_ARRAY, false, 20},	{"fields", PA_JT_OBJECT, false, 0},
	{NULL, 0, false, 0},
};

static const struct pa_jspec party_spec[] = {
	{"role", PA_JT_STRING, true, 16},	 {"name", PA_JT_STRING, true, 50},
	{"id_number", PA_JT_STRING, false, 18}, {"phone", PA_JT_STRING, false, 20},
	{"address", PA_JT_STRING, false, 200},	 {NULL, 0, false, 0},
};

static const char *const party_roles[] = {"applicant", "respondent", "reporter", "other", NULL};

static enum pa_err check_date(const char *s)
{
	int y, m, d;
	char tail;
	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
	    y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31)
		return PA_BAD_FIELD;
	return PA_OK;
}

/* Type-specific fields against the case type's field list. */
static enum pa_err check_fields(const struct pa_casetype *t, json_t *fields)
{
	const char *key;
	json_t *v;
	char name[80];
	json_object_foreach(fields, key, v)
	{
		const struct pa_field *f = NULL;
		for (int i = 0; i < t->nfields; i++)
			if (strcmp(t->fields[i].code, key) == 0)
				f = &t->fields[i];
		snprintf(name, sizeof name, "fields.%s", key);
		if (!f)
			return pa_errf(PA_UNKNOWN_FIELD, name, "a %s case has no field \"%s\"",
				       t->code, key);
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
		if (!ok)
			return pa_errf(PA_BAD_FIELD, name, "\"%s\" is not a valid %s", name,
				       pa_field_type_name(f->type));
	}
	for (int i = 0; i < t->nfields; i++)
		if (t->fields[i].required && !json_object_get(fields, t->fields[i].code)) {
			snprintf(name, sizeof name, "fields.%s", t->fields[i].code);
			return pa_errf(PA_MISSING_FIELD, name, "\"%s\" is required for a %s case",
				       name, t->code);
		}
	return PA_OK;
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
			return pa_errf(PA_BAD_FIELD, (snprintf(f, sizeof f, "%s.role", prefix), f),
				       "a party's role is applicant, respondent, reporter or other");
		q->name = pa_json_str(p, "name");
		q->id_number = pa_json_str(p, "id_number");
		q->phone = pa_json_str(p, "phone");
		q->address = pa_json_str(p, "address");
		if (q->id_number && *q->id_number && !pa_idno_valid(q->id_number))
			return pa_errf(PA_BAD_FIELD, (snprintf(f, sizeof f, "%s.id_number", prefix), f),
				       "not a valid resident ID number (GB 11643 check digit)");
		if (q->phone && *q->phone && !pa_phone_valid(q->phone))
			return pa_errf(PA_BAD_FIELD, (snprintf(f, sizeof f, "%s.phone", prefix), f),
				       "not a valid mobile or landline number");
		if (q->id_number && !*q->id_number)
			q->id_number = NULL;
		if (q->phone && !*q->phone)
			q->phone = NULL;
	}
	return PA_OK;
}

struct create_job {
	struct pa_app *app;
	const struct pa_actor *actor;
	struct pa_case_in in;
	struct idem idem;
	json_t *out;
};

static enum pa_err create_job(struct pa_db *db, void *arg)
{
	struct create_job *j = arg;
	j->out = NULL;
	enum pa_err rc = idem_lookup(db, &j->idem, &j->out);
	if (rc != PA_NOT_FOUND)
		return rc;
	struct pa_case_ref ref;
	if ((rc = db->ops->case_insert(db, &j->in, &ref)))
		return rc;
	if ((rc = db->ops->case_get(db, &j->actor->scope, ref.id, &j->out)))
		return rc == PA_NOT_FOUND ? pa_errf(PA_INTERNAL, NULL, "a new case is out of its reporter's scope") : rc;
	decorate(j->app, j->actor, j->out);
	if ((rc = idem_store(db, &j->idem, 201, j->out))) {
		json_decref(j->out);
		j->out = NULL;
	}
	return rc;
}

enum pa_err pa_case_create(struct pa_app *app, const struct pa_actor *a, json_t *body,
			   const char *idem_key, json_t **out)
{
	enum pa_err rc = pa_jspec_check(body, case_spec, NULL);
	if (rc)
		return rc;
	const struct pa_casetype *t = pa_catalog_type(app->cat, pa_json_str(body, "type"));
	if (!t)
		return pa_errf(PA_BAD_FIELD, "type", "unknown case type \"%s\"",
			       pa_json_str(body, "type"));
	if (!pa_type_category(t, pa_json_str(body, "category")))
		return pa_errf(PA_BAD_FIELD, "category", "a %s case has no category \"%s\"", t->code,
			       pa_json_str(body, "category"));
	if (!pa_catalog_channel(app->cat, pa_json_str(body, "channel")))
		return pa_errf(PA_BAD_FIELD, "channel", "unknown channel \"%s\"",
			       pa_json_str(body, "channel"));
	const struct pa_transition *report = NULL;
	for (int i = 0; i < t->lc->ntrans; i++)
		if (t->lc->trans[i].from < 0)
			report = &t->lc->trans[i];
	if (!pa_role_may(report, a->role))
		return pa_errf(PA_FORBIDDEN, NULL, "your role may not report a %s case", t->code);
	double lng = json_number_value(json_object_get(body, "lng"));
	double lat = json_number_value(json_object_get(body, "lat"));
	if (!pa_geo_valid(lng, lat))
		return pa_errf(PA_BAD_FIELD, "lng", "lng must be in [-180, 180] and lat in [-90, 90]");
	const char *grid = pa_geo_locate(app->geo, lng, lat);
	if (!grid)
		return pa_errf(PA_BAD_FIELD, "lng", "the point (%.6f, %.6f) lies outside every grid",
			       lng, lat);
	if (!pa_region_within(grid, a->scope.region))
		return pa_errf(PA_FORBIDDEN, "lng", "the point lies in grid %s, outside your region %s",
			       grid, a->scope.region);
	json_t *fields = json_object_get(body, "fields");
	if (fields && (rc = check_fields(t, fields)))
		return rc;
	if (!fields && (rc = check_fields(t, (fields = json_object()))))
		return json_decref(fields), rc;
	if (!json_object_get(body, "fields"))
		json_decref(fields), fields = NULL;

	struct pa_arena ar;
	pa_arena_init(&ar);
	struct create_job j = {.app = app, .actor = a};
	if ((rc = check_parties(json_object_get(body, "parties"), &ar,
				(struct pa_party_in **)&j.in.parties, &j.in.nparties)))
		goto out;
	/* The case goes first to the centre of the town it lies in. */
	char town[10];
	snprintf(town, sizeof town, "%.9s", grid);
	PA_WITH_READ(app, db, rc, rc = db->ops->unit_find(db, town, "town_centre", &j.in.unit_id));
	if (rc == PA_NOT_FOUND)
		rc = pa_errf(PA_CONFLICT, "lng", "town %s has no centre to receive the case", town);
	if (rc)
		goto out;
	if ((rc = idem_prepare(&j.idem, a, idem_key, "POST /cases", body)))
		goto out;
	j.in.type = t->code;
	j.in.category = pa_json_str(body, "category");
	j.in.status = t->lc->states[report->to].code;
	j.in.title = pa_json_str(body, "title");
	j.in.description = pa_json_str(body, "description");
	j.in.grid = grid;
	j.in.channel = pa_json_str(body, "channel");
	j.in.address = pa_json_str(body, "address");
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
	rc = pa_writer_run(app->writer, create_job, &j);
	free((char *)j.in.fields_json);
	*out = j.out;
out:
	pa_arena_free(&ar);
	return rc;
}

/* ---- reading ---- */

enum pa_err pa_case_read(struct pa_app *app, const struct pa_actor *a, int64_t id, json_t **out)
{
	enum pa_err rc = PA_OK;
	PA_WITH_READ(app, db, rc, rc = db->ops->case_get(db, &a->scope, id, out));
	if (!rc)
		decorate(app, a, *out);
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

static enum pa_err parse_int(const char *s, long long lo, long long hi, const char *name,
			     long long *out)
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

enum pa_err pa_case_search(struct pa_app *app, const struct pa_actor *a,
			   const struct pa_case_query *q, json_t **out)
{
	struct pa_case_filter f = {.limit = 50};
	long long v;
	enum pa_err rc;
	if (q->limit) {
		if ((rc = parse_int(q->limit, 1, 200, "limit", &v)))
			return rc;
		f.limit = (int)v;
	}
	if (q->cursor) {
		if ((rc = parse_int(q->cursor, 1, INT64_MAX, "cursor", &v)))
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
	struct pa_arena ar;
	pa_arena_init(&ar);
	if (q->q && *q->q)
		f.q = pa_text_fold(&ar, q->q);
	json_t *items = NULL;
	int64_t next = 0;
	rc = PA_OK;
	PA_WITH_READ(app, db, rc, rc = db->ops->case_list(db, &a->scope, &f, &items, &next));
	pa_arena_free(&ar);
	if (rc)
		return rc;
	size_t i;
	json_t *c;
	json_array_foreach(items, i, c) decorate(app, a, c);
	char cur[24];
	snprintf(cur, sizeof cur, "%lld", (long long)next);
	*out = json_pack("{s:o, s:o}", "items", items, "next_cursor",
			 next ? json_string(cur) : json_null());
	return PA_OK;
}

/* ---- actions ---- */

static const struct pa_jspec act_spec[] = {
	{"action", PA_JT_STRING, true, 32},
	{"note", PA_JT_STRING, false, 2000},
	{"unit_id", PA_JT_INTEGER, false, 0},
	{NULL, 0, false, 0},
};

struct act_job {
	struct pa_app *app;
	const struct pa_actor *actor;
	int64_t id;
	const char *action, *note;
	int64_t unit_id;
	struct idem idem;
	json_t *out;
};

static enum pa_err act_job(struct pa_db *db, void *arg)
{
	struct act_job *j = arg;
	const struct pa_actor *a = j->actor;
	j->out = NULL;
	enum pa_err rc = idem_lookup(db, &j->idem, &j->out);
	if (rc != PA_NOT_FOUND)
		return rc;
	struct pa_case_head h;
	if ((rc = db->ops->case_head(db, &a->scope, j->id, &h)))
		return rc;
	const struct pa_casetype *t = pa_catalog_type(j->app->cat, h.type);
	if (!t)
		return pa_errf(PA_CONFLICT, NULL, "the case's type %s is no longer defined", h.type);
	const struct pa_lifecycle *lc = t->lc;
	const struct pa_action *ac = pa_lifecycle_action(lc, j->action);
	if (!ac)
		return pa_errf(PA_BAD_FIELD, "action", "a %s case has no action \"%s\"", t->code,
			       j->action);
	int from = pa_lifecycle_state(lc, h.status);
	const struct pa_transition *tr = from >= 0 ? pa_lifecycle_find(lc, j->action, from) : NULL;
	if (!tr)
		return pa_errf(PA_ACTION_NOT_ALLOWED, "action", "\"%s\" is not allowed while the case is %s",
			       ac->name, state_name(lc, h.status));
	if (!pa_role_may(tr, a->role))
		return pa_errf(PA_FORBIDDEN, "action", "your role may not %s this case", ac->name);
	if ((ac->needs & PA_NEED_NOTE) && (!j->note || !*j->note))
		return pa_errf(PA_MISSING_FIELD, "note", "\"%s\" needs a reason in note", ac->name);
	if ((ac->needs & PA_NEED_UNIT) && !j->unit_id)
		return pa_errf(PA_MISSING_FIELD, "unit_id", "\"%s\" needs a target unit_id", ac->name);
	if (!(ac->needs & PA_NEED_UNIT) && j->unit_id)
		return pa_errf(PA_UNKNOWN_FIELD, "unit_id", "\"%s\" takes no unit_id", ac->name);
	if (j->unit_id) {
		json_t *u = NULL;
		rc = db->ops->unit_get(db, j->unit_id, &u);
		json_decref(u);
		if (rc == PA_NOT_FOUND)
			return pa_errf(PA_BAD_FIELD, "unit_id", "no unit with id %lld",
				       (long long)j->unit_id);
		if (rc)
			return rc;
	}
	struct pa_step_in st = {.case_id = h.id,
				.action = ac->code,
				.from_state = h.status,
				.to_state = lc->states[tr->to].code,
				.note = j->note,
				.from_unit = h.unit_id,
				.to_unit = j->unit_id,
				.actor_id = a->user.id,
				.at = pa_now(),
				.type = h.type,
				.category = h.category,
				.grid = h.grid};
	if ((rc = db->ops->case_step(db, &st)))
		return rc;
	/* Dispatching it away may take the case out of the actor's own unit scope: the answer
	 * then says what was done without the case body. */
	rc = db->ops->case_get(db, &a->scope, h.id, &j->out);
	if (rc == PA_NOT_FOUND)
		j->out = json_pack("{s:I, s:s}", "id", (json_int_t)h.id, "status", st.to_state);
	else if (rc)
		return rc;
	else
		decorate(j->app, a, j->out);
	if ((rc = idem_store(db, &j->idem, 200, j->out))) {
		json_decref(j->out);
		j->out = NULL;
	}
	return rc;
}

enum pa_err pa_case_act(struct pa_app *app, const struct pa_actor *a, int64_t id, json_t *body,
			const char *idem_key, json_t **out)
{
	enum pa_err rc = pa_jspec_check(body, act_spec, NULL);
	if (rc)
		return rc;
	struct act_job j = {.app = app,
			    .actor = a,
			    .id = id,
			    .action = pa_json_str(body, "action"),
			    .note = pa_json_str(body, "note")};
	json_t *u = json_object_get(body, "unit_id");
	j.unit_id = u ? json_integer_value(u) : 0;
	if (u && j.unit_id <= 0)
		return pa_errf(PA_BAD_FIELD, "unit_id", "unit_id must be a positive integer");
	char what[48];
	snprintf(what, sizeof what, "POST /cases/%lld/actions", (long long)id);
	if ((rc = idem_prepare(&j.idem, a, idem_key, what, body)))
		return rc;
	rc = pa_writer_run(app->writer, act_job, &j);
	*out = j.out;
	return rc;
}

/* ---- statistics ---- */

enum pa_err pa_stats_get(struct pa_app *app, const struct pa_actor *a, const char *region,
			 json_t **out)
{
	if (!region)
		region = a->scope.region;
	if (!pa_region_code_valid(region))
		return pa_errf(PA_BAD_QUERY, "region", "\"%s\" is not a region code", region);
	if (!pa_region_within(region, a->scope.region))
		return pa_errf(PA_FORBIDDEN, "region", "region %s is outside your region %s", region,
			       a->scope.region);
	enum pa_err rc = PA_OK;
	json_t *r = NULL;
	PA_WITH_READ(app, db, rc, {
		rc = db->ops->region_get(db, region, &r);
		if (!rc)
			rc = db->ops->stats(db, &a->scope, region, out);
	});
	if (!rc) {
		json_object_set(*out, "region_name", json_object_get(r, "name"));
	}
	json_decref(r);
	return rc;
}
