/* may.c: whether an actor may take an action on a case now — one predicate for the action
 * itself, the actions a case page offers, the bulk actions of a list and the queues — and
 * whether a unit a case is sent to has anyone who may take it on. */
#include <stdio.h>
#include <string.h>

#include "service/internal.h"

/* Whether the lifecycle lets the role take the action on an existing case from any state
 * (true too when no transition does for anyone, like the report: that is a matter of state,
 * not of role). */
static bool role_may_ever(const struct pa_lifecycle *lc, const struct pa_action *ac,
			  const struct pa_role *r)
{
	bool any = false;
	for (int i = 0; i < lc->ntrans; i++) {
		const struct pa_transition *t = &lc->trans[i];
		if (t->action != ac || t->from == PA_FROM_CREATE)
			continue;
		if (pa_role_may(t, r))
			return true;
		any = true;
	}
	return !any;
}

/* ",a,b,": the lifecycle's states of the handle phase, into buf. */
static const char *handle_states(const struct pa_lifecycle *lc, char *buf, size_t cap)
{
	size_t n = 0;
	buf[n++] = ',';
	buf[n] = 0;
	for (int i = 0; i < lc->nstates; i++) {
		if (lc->states[i].phase != PA_PHASE_HANDLE)
			continue;
		int w = snprintf(buf + n, cap - n, "%s,", lc->states[i].code);
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
	return buf;
}

enum pa_err pa_case_facts_load(struct pa_db *db, const struct pa_catalog *cat,
			       const struct pa_actor *a, int64_t id, const char *type,
			       const char *status, int64_t holder, const struct pa_case_cond *cond,
			       struct pa_case_facts *f)
{
	*f = (struct pa_case_facts){
		.type = type, .status = status, .cond = *cond, .holder = holder};
	const struct pa_casetype *t = pa_catalog_type(cat, type);
	if (!t)
		return PA_OK;
	char states[512];
	struct pa_case_who who;
	enum pa_err rc = db->ops->case_who(db, id, handle_states(t->lc, states, sizeof states),
					   a->user.unit_id, &who);
	if (rc)
		return rc;
	f->reporter_id = who.reporter_id;
	f->handled_by = who.handled_by;
	size_t la = strlen(who.actor_region), lh = strlen(who.holder_region);
	f->above = a->user.unit_id && holder && la && la < lh &&
		   strncmp(who.holder_region, who.actor_region, la) == 0;
	return PA_OK;
}

/* Why this actor may not take the action because of who they are (NULL: they may): the
 * lifecycle's needs of holder, above, not_reporter and not_handler. */
static const char *who_refused(const struct pa_actor *a, const struct pa_action *ac,
			       const struct pa_case_facts *f)
{
	int64_t unit = a->user.unit_id;
	if ((ac->needs & PA_NEED_HOLDER) && (!unit || unit != f->holder))
		return PA_W("only the unit now holding the case may take it");
	if ((ac->needs & PA_NEED_ABOVE) && !f->above)
		return PA_W("only a unit above the one holding the case may take it");
	if ((ac->needs & PA_NEED_NOT_REPORTER) && a->user.id && a->user.id == f->reporter_id)
		return PA_W(
			"you reported this case: no one checks their own work, someone else must");
	if ((ac->needs & PA_NEED_NOT_HANDLER) && unit && unit == f->handled_by)
		return PA_W("your unit handled this case: no one checks their own work, another "
			    "unit must");
	return NULL;
}

enum pa_err pa_may_act(const struct pa_catalog *cat, const struct pa_actor *a,
		       const struct pa_case_facts *f, const char *action,
		       const struct pa_transition **out)
{
	const struct pa_casetype *t = pa_catalog_type(cat, f->type);
	if (!t)
		return pa_errf(PA_CONFLICT, NULL, "the case's type %s is no longer defined",
			       f->type);
	const struct pa_lifecycle *lc = t->lc;
	const struct pa_action *ac = pa_lifecycle_action(lc, action);
	if (!ac)
		return pa_errf(PA_BAD_FIELD, "action", "a %s case has no action \"%s\"", t->code,
			       action);
	/* authority before the moment: a role that may never take the action hears so (403),
	 * not "not now" (409) as if a later state would let it */
	if (!role_may_ever(lc, ac, a->role))
		return pa_errf(PA_FORBIDDEN, "action",
			       "your role may not %s a %s case in any state", ac->name, t->code);
	int from = pa_lifecycle_state(lc, f->status);
	const struct pa_transition *tr = from >= 0 ? pa_lifecycle_find(lc, action, from) : NULL;
	if (!tr || tr->from == PA_FROM_CREATE)
		return pa_errf(PA_ACTION_NOT_ALLOWED, "action",
			       "\"%s\" is not allowed while the case is %s", ac->name,
			       state_name(lc, f->status));
	/* what the case's condition rules out is, like its state, a 409 for anyone */
	const char *why =
		pa_effect_blocked(ac->effect, &f->cond, pa_type_record(t, ac->code) != NULL);
	if (why)
		return pa_errf(PA_ACTION_NOT_ALLOWED, "action", "\"%s\" is not possible: %s",
			       ac->name, why);
	if (!pa_role_may(tr, a->role))
		return pa_errf(PA_FORBIDDEN, "action", "your role may not %s this case", ac->name);
	if ((why = who_refused(a, ac, f)))
		return pa_errf(PA_FORBIDDEN, "action", "\"%s\": %s", ac->name, why);
	if (out)
		*out = tr;
	return PA_OK;
}

enum pa_err pa_unit_may_take(struct pa_db *db, const struct pa_catalog *cat,
			     const struct pa_lifecycle *lc, int state, int64_t unit)
{
	/* the roles that may take an action only the holder takes, from the state the case
	 * arrives in: someone of the unit must have one */
	char roles[1024], zh[1024] = "", en[1024] = "";
	size_t n = 0;
	roles[n++] = ',';
	roles[n] = 0;
	bool any = false;
	for (int r = 0; r < cat->nroles; r++) {
		bool may = false;
		for (int i = 0; i < lc->ntrans && !may; i++) {
			const struct pa_transition *tr = &lc->trans[i];
			may = tr->from != PA_FROM_CREATE && (tr->action->needs & PA_NEED_HOLDER) &&
			      pa_transition_applies(lc, tr, state) &&
			      pa_role_may(tr, &cat->roles[r]);
		}
		if (!may)
			continue;
		int w = snprintf(roles + n, sizeof roles - n, "%s,", cat->roles[r].code);
		if (w > 0 && (size_t)w < sizeof roles - n)
			n += (size_t)w;
		/* the roles by name, for the message in each language */
		size_t lz = strlen(zh), le = strlen(en);
		snprintf(zh + lz, sizeof zh - lz, "%s%s", any ? "、" : "", cat->roles[r].name);
		snprintf(en + le, sizeof en - le, "%s%s", any ? ", " : "", cat->roles[r].name_en);
		any = true;
	}
	/* a state the holder has nothing to do in (none in the shipped lifecycles) asks
	 * nobody to be there */
	if (!any)
		return PA_OK;
	bool yes = false;
	enum pa_err rc = db->ops->unit_has_role(db, unit, roles, &yes);
	if (rc)
		return rc;
	if (!yes)
		return pa_errf(PA_BAD_FIELD, "unit_id",
			       "unit %lld has no active account that may take the case on (%.0s%s: "
			       "%.0s%s): it would sit there with no one to act on it",
			       (long long)unit, lc->states[state].name, lc->states[state].name_en,
			       zh, en);
	return PA_OK;
}
