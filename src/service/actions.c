/* actions.c: taking an action on a case — the lifecycle's rules (state, role, holder,
 * what the request must carry), the action's effect, the step, and the answer, all in one
 * writer job so the change, its audit step and the idempotent answer commit together. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/jspec.h"
#include "service/internal.h"

static const struct pa_jspec act_spec[] = {
	{"action", PA_JT_STRING, true, 32},
	{"note", PA_JT_STRING, false, 2000},
	{"unit_id", PA_JT_INTEGER, false, 0},
	{"target_case_id", PA_JT_INTEGER, false, 0},
	{"days", PA_JT_INTEGER, false, 0},
	{"rating", PA_JT_STRING, false, 32},
	{"tier", PA_JT_STRING, false, 16},
	{"record", PA_JT_OBJECT, false, 0},
	{NULL, 0, false, 0},
};

struct act_job {
	struct pa_app *app;
	const struct pa_actor *actor;
	int64_t id;
	const char *action;
	struct pa_act_params p;
	struct idem idem;
	struct pa_jw *out;
};

/* Each parameter is required by one need, and refused when the action does not take it. */
static enum pa_err check_params(const struct pa_action *ac, const struct pa_act_params *p)
{
	static const struct {
		unsigned need;
		const char *field;
	} params[] = {
		{PA_NEED_NOTE, "note"},           {PA_NEED_UNIT, "unit_id"},
		{PA_NEED_CASE, "target_case_id"}, {PA_NEED_DAYS, "days"},
		{PA_NEED_RATING, "rating"},       {PA_NEED_TIER, "tier"},
		{PA_NEED_RECORD, "record"},
	};
	bool given[] = {p->note && *p->note, p->unit_id != 0, p->target_case != 0, p->days != 0,
			p->rating != NULL,   p->tier != NULL, p->record != NULL};
	for (size_t i = 0; i < sizeof params / sizeof *params; i++) {
		bool need = (ac->needs & params[i].need) != 0;
		if (need && !given[i])
			return pa_errf(PA_MISSING_FIELD, params[i].field, "\"%s\" needs %s",
				       ac->name, params[i].field);
		/* a note is welcome on any action */
		if (!need && given[i] && params[i].need != PA_NEED_NOTE)
			return pa_errf(PA_UNKNOWN_FIELD, params[i].field, "\"%s\" takes no %s",
				       ac->name, params[i].field);
	}
	return PA_OK;
}

static enum pa_err act_job(struct pa_db *db, void *arg)
{
	struct act_job *j = arg;
	const struct pa_actor *a = j->actor;
	enum pa_err rc = idem_lookup(db, &j->idem, j->out);
	if (rc != PA_NOT_FOUND)
		return rc;
	struct pa_case_head h;
	if ((rc = db->ops->case_head(db, &a->scope, j->id, &h)))
		return rc;
	/* one predicate decides, as for the actions the case offers (may.c) */
	struct pa_case_facts facts;
	const struct pa_transition *tr = NULL;
	struct pa_case_cond cond = pa_case_cond_of(&h);
	if ((rc = pa_case_facts_load(db, j->app->cat, a, h.id, h.type, h.status, h.unit_id, &cond,
				     &facts)) ||
	    (rc = pa_may_act(j->app->cat, a, &facts, j->action, &tr)))
		return rc;
	const struct pa_casetype *t = pa_catalog_type(j->app->cat, h.type);
	const struct pa_lifecycle *lc = t->lc;
	const struct pa_action *ac = tr->action;
	int from = pa_lifecycle_state(lc, h.status);
	if ((rc = check_params(ac, &j->p)))
		return rc;

	struct pa_case_patch patch = {.urgent = -1, .ext_pending = -1, .unreasonable = -1};
	struct pa_step_in st = {.case_id = h.id,
				.action = ac->code,
				.from_state = h.status,
				.to_state = lc->states[pa_transition_target(tr, from)].code,
				.note = j->p.note,
				.from_unit = h.unit_id,
				.actor_id = a->user.id,
				.at = pa_now(),
				.type = h.type,
				.category = h.category,
				.grid = h.grid,
				.patch = &patch};
	struct pa_effect_ctx x = {.app = j->app,
				  .db = db,
				  .actor = a,
				  .head = &h,
				  .action = ac,
				  .lc = lc,
				  .type = t,
				  .p = &j->p,
				  .step = &st,
				  .patch = &patch};
	if ((rc = pa_effect_prepare(&x)))
		return rc;
	int to = x.failed ? x.fail_to : pa_transition_target(tr, from);
	st.to_state = lc->states[to].code;
	/* the clock follows the step: a new phase or tier restarts it, waiting pauses it */
	struct pa_clock clock;
	int tier_before = pa_tier_of(h.tier),
	    tier_after = patch.tier ? pa_tier_of(patch.tier) : tier_before;
	if (tier_before < 0)
		tier_before = tier_after = PA_TIER_TOWN;
	/* triage sets the tier the case is judged at without starting its clock afresh */
	if (ac->effect == PA_EFFECT_TRIAGE)
		tier_before = tier_after;
	/* routed again: its new unit starts a fresh clock by the new rule's profile */
	if (ac->effect == PA_EFFECT_ROUTE)
		tier_before = -1;
	pa_clock_after(j->app, lc,
		       pa_catalog_profile(j->app->cat, patch.profile ? patch.profile : h.profile),
		       tier_before, tier_after, from, to, st.at, h.ext_days + patch.ext_add,
		       &h.clock, &clock);
	patch.clock = &clock;
	patch.watch = pa_watch_after(lc, from, to);
	/* reopened: the closing to come is rated afresh */
	if (pa_state_done(lc, from) && !pa_state_done(lc, to))
		patch.clear_rating = true;
	pa_step_stats(lc, ac, from, to, &h, &patch, &st);
	rc = db->ops->case_step(db, &st);
	if (!rc)
		rc = pa_effect_finish(&x);
	free(x.record_json); /* finish consumed it, or the step failed before */
	x.record_json = NULL;
	if (rc)
		return rc;
	/* Sending it away may take the case out of the actor's own unit scope: the answer
	 * then says what was done without the case body. */
	rc = render_back(db, j->app, a, h.id, j->out);
	if (rc == PA_NOT_FOUND) {
		pa_jw_obj(j->out);
		pa_jw_kint(j->out, "id", h.id);
		pa_jw_kstr(j->out, "status", st.to_state);
		pa_jw_obj_end(j->out);
	} else if (rc)
		return rc;
	return idem_store(db, &j->idem, 200, j->out);
}

/* An optional positive integer member (null = absent). */
static enum pa_err positive(json_t *body, const char *name, int64_t max, int64_t *out)
{
	json_t *v = json_object_get(body, name);
	*out = 0;
	if (!v || json_is_null(v))
		return PA_OK;
	*out = json_integer_value(v);
	if (*out <= 0 || *out > max)
		return pa_errf(PA_BAD_FIELD, name, "%s must be a whole number from 1 to %lld", name,
			       (long long)max);
	return PA_OK;
}

enum pa_err pa_case_act(struct pa_app *app, const struct pa_actor *a, int64_t id, json_t *body,
			const char *idem_key, struct pa_jw *out)
{
	enum pa_err rc = pa_jspec_check(body, act_spec, NULL);
	if (rc)
		return rc;
	struct act_job j = {.app = app, .actor = a, .out = out, .id = id};
	j.action = pa_json_str(body, "action");
	j.p.note = pa_json_str(body, "note");
	j.p.rating = pa_json_str(body, "rating");
	j.p.tier = pa_json_str(body, "tier");
	j.p.record = json_object_get(body, "record");
	if (json_is_null(j.p.record))
		j.p.record = NULL;
	int64_t days;
	if ((rc = positive(body, "unit_id", INT64_MAX, &j.p.unit_id)) ||
	    (rc = positive(body, "target_case_id", INT64_MAX, &j.p.target_case)) ||
	    (rc = positive(body, "days", 365, &days)))
		return rc;
	j.p.days = (int)days;
	char what[48];
	snprintf(what, sizeof what, "POST /cases/%lld/actions", (long long)id);
	if ((rc = idem_prepare(&j.idem, app, a, idem_key, what, body)))
		return rc;
	return pa_writer_run(app->writer, act_job, &j);
}
