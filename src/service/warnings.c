/* warnings.c: fraud warnings (反诈预警, S10) — one warning case, and a visit task for each
 * chosen grid (named, or every grid of the chosen villages, towns or the whole city) that
 * its grid worker confirms after door-to-door persuasion; all created in one transaction,
 * linked (task / warning), and the warning's progress counted from its tasks' states. A
 * warning within one town is held by the centre its routing rule names; one over several
 * towns by the city centre. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/jspec.h"
#include "core/text.h"
#include "service/internal.h"

#define MAX_GRIDS   500  /* named in one request */
#define MAX_REGIONS 100  /* villages, towns or cities named in one request */
#define MAX_TARGETS 5000 /* grids a warning reaches, the regions' grids included */

static const struct pa_jspec warning_spec[] = {
	{"title", PA_JT_STRING, true, 100},
	{"description", PA_JT_STRING, true, 5000},
	{"category", PA_JT_STRING, true, 32},
	{"grids", PA_JT_ARRAY, false, MAX_GRIDS},
	{"regions", PA_JT_ARRAY, false, MAX_REGIONS},
	{"urgent", PA_JT_BOOL, false, 0},
	{NULL, 0, false, 0},
};

struct target {
	char grid[PA_CODE_MAX], grid_name[96], unit_name[128];
	double lng, lat;
	int64_t unit;
};

struct warning_job {
	struct pa_app *app;
	const struct pa_actor *actor;
	const struct pa_casetype *wt, *vt;
	const struct pa_routing_rule *wr, *vr;
	const struct pa_profile *visit_profile; /* the visits' limits (urgent: hours) */
	int64_t routing_version;                /* of the table wr and vr come from */
	const char *title, *description, *category, *search;
	struct target *targets;
	int n, cap; /* targets made, room for them */
	int64_t warning_unit, at;
	struct pa_case_ref ref;
	int64_t *task_ids;
	struct idem idem;
	struct pa_jw *out;
};

static void case_in_for(struct warning_job *j, const struct pa_casetype *t,
			const struct pa_routing_rule *r, const struct target *g, int64_t unit,
			struct pa_case_in *in)
{
	memset(in, 0, sizeof *in);
	in->type = t->code;
	in->category = j->category;
	in->status = t->lc->states[pa_lifecycle_find(t->lc, "report", PA_FROM_CREATE)->to].code;
	in->title = j->title;
	in->description = j->description;
	in->grid = g->grid;
	in->channel = "department";
	in->search = j->search;
	in->lng = g->lng;
	in->lat = g->lat;
	in->unit_id = unit;
	in->from_unit = j->actor->user.unit_id;
	in->reporter_id = j->actor->user.id;
	in->at = j->at;
	in->year = pa_time_year(j->at);
	in->action = "report";
	in->uncounted = t->lc->uncounted;
	in->tier = pa_tier_name(r->tier);
	in->routing_rule = r->id;
	in->routing_version = j->routing_version;
	const struct pa_profile *p = t == j->vt ? j->visit_profile : r->profile;
	in->profile = p->code;
	pa_clock_after(j->app, t->lc, p, r->tier, r->tier, -1,
		       pa_lifecycle_find(t->lc, "report", PA_FROM_CREATE)->to, j->at, 0, NULL,
		       &in->clock);
}

static enum pa_err warning_job(struct pa_db *db, void *arg)
{
	struct warning_job *j = arg;
	enum pa_err rc = idem_lookup(db, &j->idem, j->out);
	if (rc != PA_NOT_FOUND)
		return rc;
	struct pa_case_in in;
	case_in_for(j, j->wt, j->wr, &j->targets[0], j->warning_unit, &in);
	if ((rc = db->ops->case_insert(db, &in, &j->ref)))
		return rc;
	pa_jw_obj(j->out);
	pa_jw_kint(j->out, "id", j->ref.id);
	pa_jw_kstr(j->out, "number", j->ref.number);
	pa_jw_key(j->out, "tasks");
	pa_jw_arr(j->out);
	for (int i = 0; i < j->n; i++) {
		struct pa_case_ref task;
		case_in_for(j, j->vt, j->vr, &j->targets[i], j->targets[i].unit, &in);
		if ((rc = db->ops->case_insert(db, &in, &task)) ||
		    (rc = db->ops->case_link(db, j->ref.id, task.id, "task", j->at)))
			return rc;
		pa_jw_obj(j->out);
		pa_jw_kint(j->out, "case_id", task.id);
		pa_jw_kstr(j->out, "number", task.number);
		pa_jw_kstr(j->out, "grid", j->targets[i].grid);
		pa_jw_obj_end(j->out);
	}
	pa_jw_arr_end(j->out);
	pa_jw_obj_end(j->out);
	return idem_store(db, &j->idem, 201, j->out);
}

/* Add grid g as target (skipping one already there when quiet), within the caller's scope. */
static enum pa_err add_target(struct warning_job *j, const struct pa_actor *a, const char *g,
			      const char *field, bool quiet)
{
	for (int k = 0; k < j->n; k++)
		if (strcmp(j->targets[k].grid, g) == 0)
			return quiet ? PA_OK
				     : pa_errf(PA_BAD_FIELD, field, "grid %s is listed twice", g);
	if (!pa_region_within(g, a->scope.region))
		return pa_errf(PA_FORBIDDEN, field, "grid %s is outside your region %s", g,
			       a->scope.region);
	if (j->n == j->cap)
		return pa_errf(PA_BAD_FIELD, field,
			       "a warning reaches at most %d grids: issue several", MAX_TARGETS);
	snprintf(j->targets[j->n++].grid, sizeof j->targets[0].grid, "%s", g);
	return PA_OK;
}

/* The grids a warning reaches: those named, then every grid of each region named. */
static enum pa_err targets_of(struct pa_app *app, const struct pa_actor *a, json_t *body,
			      struct pa_arena *ar, struct warning_job *j)
{
	json_t *grids = json_object_get(body, "grids"), *regions = json_object_get(body, "regions");
	if (!json_array_size(grids) && !json_array_size(regions))
		return pa_errf(PA_MISSING_FIELD, "grids",
			       "choose at least one grid, village, town or the city");
	/* room for the grids named and every grid the regions hold (at most one more than a
	 * warning may reach, so that add_target can say so), not MAX_TARGETS each time */
	size_t room = json_array_size(grids);
	for (size_t i = 0; i < json_array_size(regions); i++) {
		const char *r = json_string_value(json_array_get(regions, i));
		for (int g = 0; r && g < pa_geo_index_count(app->geo) && room <= MAX_TARGETS; g++) {
			const char *code, *name;
			const double *xy;
			int n;
			pa_geo_index_get(app->geo, g, &code, &name, &xy, &n);
			room += pa_region_within(code, r);
		}
	}
	j->cap = (int)(room < MAX_TARGETS ? room : MAX_TARGETS);
	j->targets = pa_alloc(ar, sizeof *j->targets * (size_t)(j->cap ? j->cap : 1));
	enum pa_err rc = PA_OK;
	char field[32];
	for (size_t i = 0; i < json_array_size(grids) && !rc; i++) {
		const char *g = json_string_value(json_array_get(grids, i));
		snprintf(field, sizeof field, "grids[%zu]", i);
		if (!g || strlen(g) != 15 || !pa_region_code_valid(g))
			return pa_errf(PA_BAD_FIELD, field, "a grid code has 15 digits");
		rc = add_target(j, a, g, field, false);
	}
	for (size_t i = 0; i < json_array_size(regions) && !rc; i++) {
		const char *r = json_string_value(json_array_get(regions, i));
		snprintf(field, sizeof field, "regions[%zu]", i);
		if (!r || !pa_region_code_valid(r) || strlen(r) < 6)
			return pa_errf(PA_BAD_FIELD, field,
				       "a region here is a city, town, village or grid code");
		if (!pa_region_within(r, a->scope.region))
			return pa_errf(PA_FORBIDDEN, field, "region %s is outside your region %s",
				       r, a->scope.region);
		bool any = false;
		for (int g = 0; g < pa_geo_index_count(app->geo) && !rc; g++) {
			const char *code, *name;
			const double *xy;
			int n;
			pa_geo_index_get(app->geo, g, &code, &name, &xy, &n);
			if (pa_region_within(code, r)) {
				any = true;
				rc = add_target(j, a, code, field, true);
			}
		}
		if (!rc && !any)
			rc = pa_errf(PA_BAD_FIELD, field, "no grid lies in region %s", r);
	}
	return rc;
}

enum pa_err pa_warning_issue(struct pa_app *app, const struct pa_actor *a, json_t *body,
			     const char *idem_key, struct pa_jw *out)
{
	enum pa_err rc = pa_jspec_check(body, warning_spec, NULL);
	if (rc)
		return rc;
	const struct pa_casetype *wt = pa_catalog_type(app->cat, "fraud_warning"),
				 *vt = pa_catalog_type(app->cat, "fraud_visit");
	if (!wt || !vt)
		return pa_errf(PA_NOT_FOUND, NULL, "this pingan has no fraud warning case types");
	const char *category = pa_json_str(body, "category");
	if (!pa_type_category(wt, category) || !pa_type_category(vt, category))
		return pa_errf(PA_BAD_FIELD, "category", "no warning category \"%s\"", category);
	const struct pa_transition *rw = pa_lifecycle_find(wt->lc, "report", PA_FROM_CREATE),
				   *rv = pa_lifecycle_find(vt->lc, "report", PA_FROM_CREATE);
	if (!rw || !rv || !pa_role_may(rw, a->role) || !pa_role_may(rv, a->role))
		return pa_errf(PA_FORBIDDEN, NULL, "your role may not issue warnings");
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct warning_job j = {.app = app, .actor = a, .wt = wt, .vt = vt, .out = out};
	if ((rc = targets_of(app, a, body, &ar, &j)))
		goto out;
	bool one_town = true;
	for (int i = 1; i < j.n; i++)
		one_town = one_town && !strncmp(j.targets[i].grid, j.targets[0].grid, 9);
	/* one table for both: the warning and its tasks are routed by the same version */
	const struct pa_routing *rt = pa_app_routing(app);
	j.wr = pa_routing_match(rt, wt->code, category, j.targets[0].grid, "department");
	j.vr = pa_routing_match(rt, vt->code, category, j.targets[0].grid, "department");
	j.routing_version = rt->version;
	/* an urgent warning's visits run on the hours of the visit type's urgent profile */
	bool urgent = json_is_true(json_object_get(body, "urgent"));
	if (urgent && !vt->urgent_profile) {
		rc = pa_errf(PA_BAD_FIELD, "urgent", "visits of type %s have no urgent limits",
			     vt->code);
		goto out;
	}
	j.visit_profile = urgent ? vt->urgent_profile : j.vr->profile;
	char wname[128];
	PA_WITH_READ(app, db, rc, {
		for (int i = 0; i < j.n && !rc; i++) {
			json_t *r = NULL;
			rc = db->ops->region_get(db, j.targets[i].grid, &r);
			if (rc == PA_NOT_FOUND)
				rc = pa_errf(PA_BAD_FIELD, "grids", "no grid %s",
					     j.targets[i].grid);
			if (!rc) {
				j.targets[i].lng = json_number_value(json_object_get(r, "lng"));
				j.targets[i].lat = json_number_value(json_object_get(r, "lat"));
				rc = pa_route_target(db, j.vr, j.targets[i].grid,
						     &j.targets[i].unit, j.targets[i].unit_name);
			}
			json_decref(r);
		}
		if (!rc && one_town)
			rc = pa_route_target(db, j.wr, j.targets[0].grid, &j.warning_unit, wname);
		else if (!rc)
			rc = pa_centre_of(db, j.targets[0].grid, PA_TIER_CITY, &j.warning_unit,
					  wname, sizeof wname);
	});
	if (rc)
		goto out;
	if ((rc = idem_prepare(&j.idem, app, a, idem_key, "POST /warnings", body)))
		goto out;
	j.title = pa_json_str(body, "title");
	j.description = pa_json_str(body, "description");
	j.category = category;
	j.search = pa_text_fold(&ar, pa_sprintf(&ar, "%s %s", j.title, j.description));
	j.at = pa_now();
	rc = pa_writer_run(app->writer, warning_job, &j);
out:
	pa_arena_free(&ar);
	return rc;
}

/* A visit task is confirmed once its state is the lifecycle's done state or beyond. */
static bool task_confirmed(const struct pa_casetype *vt, json_t *task)
{
	int s = vt ? pa_lifecycle_state(vt->lc, pa_json_str(task, "status")) : -1;
	return s >= 0 && (pa_state_done(vt->lc, s) || vt->lc->states[s].kind == PA_STATE_TERMINAL);
}

enum pa_err pa_warning_progress(struct pa_app *app, const struct pa_actor *a, int64_t id,
				json_t **out)
{
	const struct pa_casetype *vt = pa_catalog_type(app->cat, "fraud_visit");
	enum pa_err rc = PA_OK;
	struct pa_case_head h;
	json_t *tasks = NULL;
	json_int_t total = 0, done = 0;
	PA_WITH_READ(app, db, rc, {
		rc = db->ops->case_head(db, &a->scope, id, &h);
		if (!rc && strcmp(h.type, "fraud_warning") != 0)
			rc = pa_errf(PA_NOT_FOUND, NULL, "case %lld is not a warning",
				     (long long)id);
		if (!rc)
			rc = db->ops->linked(db, id, "task", &tasks);
		/* the counts cover every task; the list only those the caller may read */
		total = (json_int_t)json_array_size(tasks);
		for (size_t i = json_array_size(tasks); !rc && i-- > 0;) {
			json_t *t = json_array_get(tasks, i);
			bool confirmed = task_confirmed(vt, t);
			done += confirmed;
			struct pa_case_head th;
			rc = db->ops->case_head(db, &a->scope,
						json_integer_value(json_object_get(t, "case_id")),
						&th);
			if (rc == PA_NOT_FOUND) {
				json_array_remove(tasks, i);
				rc = PA_OK;
			} else
				json_object_set_new(t, "confirmed", json_boolean(confirmed));
		}
	});
	if (rc) {
		json_decref(tasks);
		return rc;
	}
	*out = json_pack("{s:I, s:s, s:I, s:I, s:o, s:o}", "id", (json_int_t)id, "status", h.status,
			 "total", total, "confirmed", done, "completion",
			 total ? json_real((double)done / (double)total) : json_null(), "tasks",
			 tasks);
	return PA_OK;
}
