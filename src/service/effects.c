/* effects.c: what actions do besides moving a case between states — named in the
 * lifecycle data ("effect" column), each implemented once here. prepare() checks and
 * decides before the step is written (unit, tier, flags); finish() writes what needs the
 * step in place first (links, supervision notices). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/city.h"
#include "service/internal.h"

static const char *const tiers[] = {"village", "town", "city", NULL};

static bool tier_valid(const char *t)
{
	for (int i = 0; t && tiers[i]; i++)
		if (strcmp(t, tiers[i]) == 0)
			return true;
	return false;
}

/* The unit with this id, and its tier when it has one of the three. With grid, the unit
 * must cover the place the case lies (its region contains the grid): a unit elsewhere
 * could neither see the case nor act on it, and the case would be stuck. */
static enum pa_err unit_tier(struct pa_db *db, int64_t id, const char *field, const char *grid,
			     const char **tier)
{
	json_t *u = NULL;
	enum pa_err rc = db->ops->unit_get(db, id, &u);
	if (rc == PA_NOT_FOUND)
		return pa_errf(PA_BAD_FIELD, field, "no unit with id %lld", (long long)id);
	if (rc)
		return rc;
	const char *region = json_string_value(json_object_get(u, "region"));
	if (grid && region && strncmp(grid, region, strlen(region)) != 0) {
		rc = pa_errf(PA_BAD_FIELD, field,
			     "unit %lld works in %s, not where the case lies (%s)", (long long)id,
			     region, grid);
		json_decref(u);
		return rc;
	}
	const char *t = json_string_value(json_object_get(u, "tier"));
	/* the string must outlive u: map it onto the static names */
	*tier = NULL;
	for (int i = 0; t && tiers[i]; i++)
		if (strcmp(t, tiers[i]) == 0)
			*tier = tiers[i];
	json_decref(u);
	return PA_OK;
}

enum pa_err pa_centre_of(struct pa_db *db, const char *grid, enum pa_tier tier, int64_t *unit,
			 char *name, size_t cap)
{
	static const char *const kinds[] = {"village_centre", "town_centre", "city_centre"};
	static const int digits[] = {12, 9, 6};
	char region[16];
	snprintf(region, sizeof region, "%.*s", digits[tier], grid);
	enum pa_err rc = db->ops->unit_find(db, region, kinds[tier], unit, name, cap);
	if (rc == PA_NOT_FOUND)
		return pa_errf(PA_CONFLICT, NULL, "region %s has no %s to take the case", region,
			       kinds[tier]);
	return rc;
}

/* A case the actor may see, other than this one, for merge and link. */
static enum pa_err other_case(struct pa_effect_ctx *x, bool open_only)
{
	if (x->p->target_case == x->head->id)
		return pa_errf(PA_BAD_FIELD, "target_case_id",
			       "a case cannot be related to itself");
	struct pa_case_head o;
	enum pa_err rc = x->db->ops->case_head(x->db, &x->actor->scope, x->p->target_case, &o);
	if (rc == PA_NOT_FOUND)
		return pa_errf(PA_BAD_FIELD, "target_case_id", "no case %lld in your scope",
			       (long long)x->p->target_case);
	if (rc)
		return rc;
	if (open_only) {
		const struct pa_casetype *t = pa_catalog_type(x->app->cat, o.type);
		int s = t ? pa_lifecycle_state(t->lc, o.status) : -1;
		if (s < 0 || t->lc->states[s].kind == PA_STATE_TERMINAL)
			return pa_errf(PA_CONFLICT, "target_case_id",
				       "case %lld is %s: merge into an open case", (long long)o.id,
				       s < 0 ? o.status : t->lc->states[s].name);
	}
	return PA_OK;
}

/* The record's rules (rules.h): each must hold; the pass rule decides where the case goes. */
static enum pa_err record_rules(struct pa_effect_ctx *x, const struct pa_record_spec *spec)
{
	char msg[450], en[450], name[80];
	for (int i = 0; i < spec->nrules; i++)
		if (!pa_rule_holds(&spec->rules[i], x->p->record, msg, en, sizeof msg)) {
			snprintf(name, sizeof name, "record.%s",
				 pa_rule_field(&spec->rules[i])->code);
			return pa_err_set_text(PA_BAD_FIELD, name, en, msg);
		}
	if (spec->pass && !pa_rule_holds(spec->pass, x->p->record, msg, en, sizeof msg)) {
		x->failed = true;
		x->fail_to = spec->fail_to == PA_TO_SAME
				     ? pa_lifecycle_state(x->lc, x->head->status)
				     : spec->fail_to;
		/* the step says why it did not move the case on */
		snprintf(x->note, sizeof x->note, "%s未通过：%s%s%s", spec->name, msg,
			 x->p->note && *x->p->note ? "\n" : "", x->p->note ? x->p->note : "");
		x->step->note = x->note;
	}
	return PA_OK;
}

/* A merge joins reports of one matter: the same type in the same city, and its step says
 * which case went into which ("案件 A 并入案件 B", both numbers) beside the reason. */
static enum pa_err merge_check(struct pa_effect_ctx *x)
{
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct pa_case_row a, b;
	char ca[PA_CITY_LEN + 1], cb[PA_CITY_LEN + 1];
	enum pa_err rc = x->db->ops->case_get(x->db, &x->actor->scope, x->head->id, &ar, &a);
	if (rc || (rc = x->db->ops->case_get(x->db, &x->actor->scope, x->p->target_case, &ar, &b)))
		goto out;
	pa_city_of(a.grid, ca);
	pa_city_of(b.grid, cb);
	const struct pa_casetype *tb = pa_catalog_type(x->app->cat, b.type);
	if (strcmp(a.type, b.type) != 0)
		rc = pa_errf(PA_BAD_FIELD, "target_case_id",
			     "only a case of the same type can be merged: %s is a %.0s%s, %s a "
			     "%.0s%s",
			     a.number, x->type->name, x->type->name_en, b.number,
			     tb ? tb->name : b.type, tb ? tb->name_en : b.type);
	else if (strcmp(ca, cb) != 0)
		rc = pa_errf(PA_BAD_FIELD, "target_case_id",
			     "only cases of one city can be merged: %s and %s are not", a.number,
			     b.number);
	else {
		snprintf(x->note, sizeof x->note, "案件 %s 作为重复件并入案件 %s：%s", a.number,
			 b.number, x->p->note ? x->p->note : "");
		x->step->note = x->note;
	}
out:
	pa_arena_free(&ar);
	return rc;
}

static enum pa_err conflict(const struct pa_action *ac, const char *why)
{
	return pa_errf(PA_ACTION_NOT_ALLOWED, "action", "\"%s\" is not possible: %s", ac->name,
		       why);
}

const char *pa_effect_blocked(enum pa_effect e, const struct pa_case_cond *c, bool has_record)
{
	const char *tier = c->tier;
	switch (e) {
	case PA_EFFECT_RECORD:
		return has_record ? NULL : PA_W("this case type keeps no such record");
	case PA_EFFECT_ESCALATE:
		return tier && strcmp(tier, "city") == 0
			       ? PA_W("the case is already at the city tier")
			       : NULL;
	case PA_EFFECT_SKIP_LEVEL:
		return tier && strcmp(tier, "village") != 0
			       ? PA_W("skipping a tier starts from the village tier")
			       : NULL;
	case PA_EFFECT_EXT_REQUEST:
		return c->ext_pending ? PA_W("an extension is already waiting for approval") : NULL;
	case PA_EFFECT_EXT_APPROVE:
	case PA_EFFECT_EXT_DENY:
		return c->ext_pending ? NULL : PA_W("no extension was asked for");
	case PA_EFFECT_URGENT_ON:
		return c->urgent ? PA_W("the case is already urgent") : NULL;
	case PA_EFFECT_URGENT_OFF:
		return c->urgent ? NULL : PA_W("the case is not urgent");
	case PA_EFFECT_RATE:
		/* one rating per closing: reopening clears it */
		return c->rated ? PA_W("the case has been rated since it was closed") : NULL;
	case PA_EFFECT_UNREASONABLE:
		return c->unreasonable ? PA_W("the case is flagged already") : NULL;
	case PA_EFFECT_SUP_REPORT:
		return c->open_supervisions ? NULL : PA_W("no supervision waits for a report");
	default:
		return NULL;
	}
}

enum pa_err pa_effect_prepare(struct pa_effect_ctx *x)
{
	const struct pa_case_head *h = x->head;
	const struct pa_act_params *p = x->p;
	struct pa_case_patch *pt = x->patch;
	enum pa_err rc = PA_OK;
	const char *tier = NULL;
	switch (x->action->effect) {
	case PA_EFFECT_NONE:
	case PA_EFFECT_SUP_REPORT: /* written by finish, once the step is in place */
		break;
	case PA_EFFECT_ASSIGN:
		/* sent only where someone may take it on: else it would sit there till red */
		if ((rc = unit_tier(x->db, p->unit_id, "unit_id", h->grid, &tier)) ||
		    (rc = pa_unit_may_take(x->db, x->app->cat, x->lc,
					   pa_lifecycle_state(x->lc, x->step->to_state),
					   p->unit_id)))
			return rc;
		x->step->to_unit = p->unit_id;
		pt->tier = tier;
		break;
	case PA_EFFECT_TAKE_OVER:
		/* 提级办理: the actor's own unit, above the holder (the need "above"), holds it
		 * now, at its tier; the step records from whom, by whom and why */
		if ((rc = unit_tier(x->db, x->actor->user.unit_id, "action", h->grid, &tier)))
			return rc;
		x->step->to_unit = x->actor->user.unit_id;
		pt->tier = tier;
		break;
	case PA_EFFECT_ROUTE: {
		/* the routing table in force now, as on intake: rule, version and unit recorded */
		const struct pa_routing *rt = pa_app_routing(x->app);
		const struct pa_routing_rule *r =
			pa_routing_match(rt, h->type, h->category, h->grid, h->channel);
		int64_t unit;
		char name[128];
		if ((rc = pa_route_target(x->db, r, h->grid, &unit, name)))
			return rc;
		if (unit == h->unit_id)
			return conflict(x->action,
					PA_W("the rules send it to the unit that holds it now"));
		if ((rc = pa_unit_may_take(x->db, x->app->cat, x->lc,
					   pa_lifecycle_state(x->lc, x->step->to_state), unit)))
			return rc;
		x->step->to_unit = unit;
		pt->tier = tiers[r->tier];
		pt->routing_rule = r->id;
		pt->routing_version = rt->version;
		pt->profile = r->profile->code;
		break;
	}
	case PA_EFFECT_SEND_BACK: {
		int64_t back = 0;
		if ((rc = x->db->ops->case_dispatcher(x->db, h->id, &back)))
			return rc;
		if (!back)
			return conflict(x->action, PA_W("nobody dispatched this case"));
		if ((rc = unit_tier(x->db, back, "unit_id", NULL, &tier)))
			return rc;
		x->step->to_unit = back;
		pt->tier = tier;
		break;
	}
	case PA_EFFECT_ESCALATE:
	case PA_EFFECT_SKIP_LEVEL: {
		const char *up = x->action->effect == PA_EFFECT_SKIP_LEVEL ? "city"
				 : strcmp(h->tier, "village") == 0         ? "town"
									   : "city";
		int64_t unit;
		if ((rc = pa_centre_of(x->db, h->grid, (enum pa_tier)pa_tier_of(up), &unit, NULL,
				       0)))
			return rc;
		x->step->to_unit = unit;
		pt->tier = strcmp(up, "town") == 0 ? tiers[1] : tiers[2];
		break;
	}
	case PA_EFFECT_TRIAGE:
		if (!tier_valid(p->tier))
			return pa_errf(PA_BAD_FIELD, "tier", "tier is village, town or city");
		if (strcmp(p->tier, h->tier) == 0)
			return conflict(x->action, PA_W("the case is already at that tier"));
		for (int i = 0; tiers[i]; i++)
			if (strcmp(p->tier, tiers[i]) == 0)
				pt->tier = tiers[i];
		break;
	case PA_EFFECT_EXT_REQUEST: {
		int max = x->lc ? x->lc->max_extension_days : 90;
		if (h->ext_days + p->days > max)
			return pa_errf(PA_BAD_FIELD, "days",
				       "extensions add up to at most %d working days (%d granted)",
				       max, h->ext_days);
		pt->ext_pending = p->days;
		break;
	}
	case PA_EFFECT_EXT_APPROVE:
	case PA_EFFECT_EXT_DENY:
		pt->ext_pending = 0;
		if (x->action->effect == PA_EFFECT_EXT_APPROVE)
			pt->ext_add = h->ext_pending;
		break;
	case PA_EFFECT_URGENT_ON:
	case PA_EFFECT_URGENT_OFF:
		pt->urgent = x->action->effect == PA_EFFECT_URGENT_ON;
		break;
	case PA_EFFECT_RATE:
		if (strcmp(p->rating, "satisfied") != 0 &&
		    strcmp(p->rating, "basically_satisfied") != 0 &&
		    strcmp(p->rating, "unsatisfied") != 0)
			return pa_errf(PA_BAD_FIELD, "rating",
				       "rating is satisfied, basically_satisfied or unsatisfied");
		pt->rating = p->rating;
		break;
	case PA_EFFECT_UNREASONABLE:
		pt->unreasonable = 1;
		break;
	case PA_EFFECT_MERGE:
		if ((rc = other_case(x, true)) || (rc = merge_check(x)))
			return rc;
		pt->merged_into = p->target_case;
		x->link_kind = "merged";
		x->link_case = p->target_case;
		break;
	case PA_EFFECT_LINK:
		if ((rc = other_case(x, false)))
			return rc;
		x->link_kind = "related";
		x->link_case = p->target_case;
		break;
	case PA_EFFECT_RECORD: {
		const struct pa_record_spec *spec = pa_type_record(x->type, x->action->code);
		if ((rc = pa_check_fields(spec->fields, spec->nfields, p->record, "record",
					  spec->name)) ||
		    (rc = record_rules(x, spec)))
			return rc;
		x->record_json = json_dumps(p->record, JSON_COMPACT | JSON_SORT_KEYS);
		break;
	}
	case PA_EFFECT_SUPERVISE:
		if (p->days > 90)
			return pa_errf(PA_BAD_FIELD, "days",
				       "a supervision deadline is at most 90 working days");
		x->supervise = true;
		x->due_at = pa_calendar_add_workdays(x->app->calendar, x->step->at, p->days);
		break;
	}
	return PA_OK;
}

enum pa_err pa_effect_finish(struct pa_effect_ctx *x)
{
	enum pa_err rc = PA_OK;
	if (x->link_kind)
		rc = x->db->ops->case_link(x->db, x->head->id, x->link_case, x->link_kind,
					   x->step->at);
	if (!rc && x->record_json)
		rc = x->db->ops->record_add(x->db, x->head->id, x->action->code, x->record_json,
					    x->actor->user.id, x->step->at);
	if (!rc && x->action->effect == PA_EFFECT_SUP_REPORT)
		rc = x->db->ops->supervision_report(x->db, x->head->id, x->p->note, x->step->at);
	if (!rc && x->supervise)
		rc = x->db->ops->supervision_add(x->db, x->head->id, "manual", x->actor->user.id,
						 x->p->note, x->step->at, x->due_at);
	return rc;
}
