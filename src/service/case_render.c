/* case_render.c: a case as the API shows it — codes with their names, personal data
 * masked, and the actions the caller may take now — streamed as JSON. */
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/pii.h"
#include "service/internal.h"

static void unit_ref(struct pa_jw *w, const char *key, int64_t id, const char *name)
{
	pa_jw_key(w, key);
	pa_jw_obj(w);
	pa_jw_kid(w, "id", id);
	pa_jw_kstr(w, "name", id ? name : NULL);
	pa_jw_obj_end(w);
}

static void masked(struct pa_jw *w, const char *key, const char *v,
		   void (*mask)(const char *, char *, size_t))
{
	char buf[64];
	pa_jw_key(w, key);
	if (!v) {
		pa_jw_null(w);
		return;
	}
	mask(v, buf, sizeof buf);
	pa_jw_str(w, buf);
}

/* The type's own fields; phone fields are masked like the parties' phones. */
static void fields(struct pa_jw *w, const struct pa_casetype *t, const char *text)
{
	bool phones = false;
	for (int i = 0; t && i < t->nfields; i++)
		phones |= t->fields[i].type == PA_FIELD_PHONE;
	json_t *o = phones && text ? json_loads(text, 0, NULL) : NULL;
	if (!o) {
		if (text && *text)
			pa_jw_raw(w, text, strlen(text));
		else
			pa_jw_raw(w, "{}", 2);
		return;
	}
	for (int i = 0; i < t->nfields; i++) {
		const char *v = json_string_value(json_object_get(o, t->fields[i].code));
		if (t->fields[i].type != PA_FIELD_PHONE || !v)
			continue;
		char buf[64];
		pa_mask_phone(v, buf, sizeof buf);
		json_object_set_new(o, t->fields[i].code, json_string(buf));
	}
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
	pa_jw_raw(w, s, strlen(s));
	free(s);
	json_decref(o);
}

static void time_or_null(struct pa_jw *w, const char *key, int64_t t)
{
	pa_jw_key(w, key);
	if (t)
		pa_jw_time(w, t);
	else
		pa_jw_null(w);
}

/* "deadline": the phase clock — when the phase began, its yellow and red deadlines, whether
 * it is paused, and the supervision level reached (none, yellow, red); on a full read also
 * the limit it runs by (profile, unit, yellow, red) and the regulation that sets it. */
static void render_deadline(struct pa_jw *w, const struct pa_catalog *cat,
			    const struct pa_casetype *t, int state, const struct pa_case_row *c)
{
	const struct pa_clock *k = &c->clock;
	pa_jw_key(w, "deadline");
	if (!k->started) {
		pa_jw_null(w);
		return;
	}
	pa_jw_obj(w);
	time_or_null(w, "phase_started", k->started);
	time_or_null(w, "yellow_at", k->due_yellow);
	time_or_null(w, "red_at", k->due_red);
	time_or_null(w, "paused_since", k->paused_at);
	pa_jw_kstr(w, "supervision", k->level[0] ? k->level : "none");
	const struct pa_profile *p = c->profile ? pa_catalog_profile(cat, c->profile) : NULL;
	int tier = pa_tier_of(c->tier);
	enum pa_phase ph = t && state >= 0 ? t->lc->states[state].phase : PA_PHASE_NONE;
	if (p && tier >= 0 && ph != PA_PHASE_NONE) {
		const struct pa_limit *l = &p->lim[tier][ph];
		pa_jw_key(w, "limit");
		pa_jw_obj(w);
		pa_jw_kstr(w, "profile", p->code);
		pa_jw_kstr(w, "unit", pa_limit_unit_name(l->unit));
		pa_jw_kint(w, "yellow", l->yellow);
		pa_jw_kint(w, "red", l->red);
		pa_jw_kstr(w, "basis", p->basis);
		pa_jw_obj_end(w);
	}
	pa_jw_obj_end(w);
}

/* "watch": the date the case type watches (watch = FIELD: a hazard's 整改期限) — the day,
 * its end, whether it is still watched (until the work is reported done, and not yet
 * marked), and when the sweeper marked it passed. null when the type watches none or the
 * case left it empty. Nothing here depends on the time of reading: renderings are cached
 * by the case's version, and the sweeper's mark changes that. */
static void render_watch(struct pa_jw *w, const struct pa_casetype *t, const struct pa_case_row *c)
{
	pa_jw_key(w, "watch");
	if (!t || !t->watch || !c->watch_due) {
		pa_jw_null(w);
		return;
	}
	char day[16];
	pa_jw_obj(w);
	pa_jw_kstr(w, "field", t->watch->code);
	pa_jw_kstr(w, "name", t->watch->name);
	pa_jw_kstr(w, "date", pa_day_of_end(c->watch_due, day));
	pa_jw_ktime(w, "due_at", c->watch_due);
	pa_jw_kbool(w, "watching", c->watch_open && !c->watch_marked);
	pa_jw_kbool(w, "late", c->watch_marked != 0);
	time_or_null(w, "marked_at", c->watch_marked);
	pa_jw_obj_end(w);
}

static int open_supervisions(const struct pa_case_row *c)
{
	int n = 0;
	for (int i = 0; i < c->nsupervisions; i++)
		n += strcmp(c->supervisions[i].level, "manual") == 0 &&
		     !c->supervisions[i].reported_at;
	return n;
}

/* Everything but the actions, and without the closing brace. */
/* a: the reader, or NULL for the rendering shared by every reader (only of types that
 * hide nothing from some readers: see pa_case_shared_ok). */
const char *pa_step_action_name(const struct pa_casetype *t, const char *code)
{
	const struct pa_action *ac = t ? pa_lifecycle_action(t->lc, code) : NULL;
	if (ac)
		return ac->name;
	/* the sweeper's own marks and uploads are no lifecycle actions; the type names its
	 * watched date's mark (watch_step) */
	return strcmp(code, "auto_yellow") == 0       ? "黄牌督办"
	       : strcmp(code, "auto_red") == 0        ? "红牌督办"
	       : strcmp(code, "attach") == 0          ? "上传附件"
	       : strcmp(code, "auto_sup_late") == 0   ? "督办逾期未反馈"
	       : strcmp(code, "auto_watch_late") == 0 ? (t ? t->watch_step : "逾期督办")
						      : code;
}

static void render_core(struct pa_jw *w, const struct pa_catalog *cat, const struct pa_actor *a,
			const struct pa_case_row *c, bool full)
{
	const struct pa_casetype *t = pa_catalog_type(cat, c->type);
	const struct pa_category *k = t ? pa_type_category(t, c->category) : NULL;
	int from = t ? pa_lifecycle_state(t->lc, c->status) : -1;
	pa_jw_obj(w);
	pa_jw_kint(w, "id", c->id);
	pa_jw_kstr(w, "number", c->number);
	pa_jw_kstr(w, "type", c->type);
	pa_jw_kstr(w, "type_name", t ? t->name : c->type);
	pa_jw_kstr(w, "category", c->category);
	pa_jw_kstr(w, "category_name", k ? k->name : c->category);
	pa_jw_kstr(w, "status", c->status);
	pa_jw_kstr(w, "status_name", t ? state_name(t->lc, c->status) : c->status);
	pa_jw_kstr(w, "status_kind",
		   from >= 0 ? pa_state_kind_name(t->lc->states[from].kind) : NULL);
	pa_jw_kstr(w, "title", c->title);
	pa_jw_kstr(w, "grid", c->grid);
	pa_jw_kstr(w, "grid_name", c->grid_name);
	pa_jw_knum(w, "lng", c->lng);
	pa_jw_knum(w, "lat", c->lat);
	pa_jw_kstr(w, "channel", c->channel);
	pa_jw_kid(w, "unit_id", c->unit_id);
	pa_jw_kstr(w, "unit_name", c->unit_name);
	pa_jw_ktime(w, "created_at", c->created_at);
	pa_jw_ktime(w, "updated_at", c->updated_at);
	pa_jw_kstr(w, "tier", c->tier);
	pa_jw_kbool(w, "urgent", c->urgent);
	render_deadline(w, cat, t, from, c);
	render_watch(w, t, c);
	if (!full)
		return;
	if (c->query_code)
		pa_jw_kstr(w, "query_code", c->query_code); /* once, to whoever reported it */
	pa_jw_kstr(w, "routing_rule", c->routing_rule);
	pa_jw_kid(w, "routing_version", c->routing_version);
	pa_jw_kstr(w, "profile", c->profile);
	pa_jw_kint(w, "extension_pending_days", c->ext_pending);
	pa_jw_kint(w, "extension_days", c->ext_days);
	pa_jw_kstr(w, "rating", c->rating);
	pa_jw_kbool(w, "unreasonable", c->unreasonable);
	pa_jw_kid(w, "merged_into", c->merged_into);
	pa_jw_key(w, "links");
	pa_jw_arr(w);
	for (int i = 0; i < c->nlinks; i++) {
		const struct pa_link_row *l = &c->links[i];
		pa_jw_obj(w);
		pa_jw_kint(w, "case_id", l->other_id);
		pa_jw_kstr(w, "kind", l->kind);
		pa_jw_kstr(w, "number", l->number);
		pa_jw_obj_end(w);
	}
	pa_jw_arr_end(w);
	pa_jw_key(w, "attachments");
	pa_jw_arr(w);
	for (int i = 0; i < c->nattachments; i++) {
		const struct pa_attachment_row *x = &c->attachments[i];
		pa_jw_obj(w);
		pa_jw_kstr(w, "sha256", x->sha256);
		pa_jw_kstr(w, "name", x->name);
		pa_jw_kstr(w, "mime", x->mime);
		pa_jw_kint(w, "size", x->size);
		pa_jw_kstr(w, "by", x->actor_name);
		pa_jw_ktime(w, "at", x->at);
		pa_jw_obj_end(w);
	}
	pa_jw_arr_end(w);
	pa_jw_key(w, "records");
	pa_jw_arr(w);
	for (int i = 0; i < c->nrecords; i++) {
		const struct pa_record_row *x = &c->records[i];
		const struct pa_record_spec *spec = t ? pa_type_record(t, x->kind) : NULL;
		pa_jw_obj(w);
		pa_jw_kstr(w, "kind", x->kind);
		pa_jw_kstr(w, "name", spec ? spec->name : x->kind);
		pa_jw_kstr(w, "by", x->actor_name);
		pa_jw_ktime(w, "at", x->at);
		pa_jw_key(w, "data");
		pa_jw_raw(w, x->data, strlen(x->data));
		pa_jw_obj_end(w);
	}
	pa_jw_arr_end(w);
	pa_jw_key(w, "supervisions");
	pa_jw_arr(w);
	for (int i = 0; i < c->nsupervisions; i++) {
		const struct pa_supervision_row *v = &c->supervisions[i];
		pa_jw_obj(w);
		pa_jw_kstr(w, "level", v->level);
		pa_jw_kstr(w, "note", v->note);
		pa_jw_kstr(w, "by", v->by_name);
		pa_jw_ktime(w, "at", v->at);
		pa_jw_key(w, "due_at");
		if (v->due_at)
			pa_jw_time(w, v->due_at);
		else
			pa_jw_null(w);
		pa_jw_kstr(w, "report", v->report);
		time_or_null(w, "reported_at", v->reported_at);
		pa_jw_kbool(w, "late", v->late);
		pa_jw_obj_end(w);
	}
	pa_jw_arr_end(w);
	pa_jw_kstr(w, "description", c->description);
	pa_jw_kstr(w, "address", c->address);
	pa_jw_key(w, "fields");
	fields(w, t, c->fields);
	pa_jw_kid(w, "reporter_id", c->reporter_id);

	pa_jw_key(w, "parties");
	pa_jw_arr(w);
	for (int i = 0; i < c->nparties; i++) {
		const struct pa_party_row *p = &c->parties[i];
		pa_jw_obj(w);
		pa_jw_kstr(w, "role", p->role);
		/* whistle-blower protection: who reported it, only for the roles that must know */
		if (t && t->protect_reporter && strcmp(p->role, "reporter") == 0 &&
		    !(a && a->role && ((t->reporter_roles >> a->role->index) & 1u))) {
			pa_jw_kstr(w, "name", "（举报人信息受保护）");
			pa_jw_key(w, "id_number");
			pa_jw_null(w);
			pa_jw_key(w, "phone");
			pa_jw_null(w);
			pa_jw_key(w, "address");
			pa_jw_null(w);
			pa_jw_kbool(w, "protected", true);
			pa_jw_obj_end(w);
			continue;
		}
		pa_jw_kstr(w, "name", p->name);
		masked(w, "id_number", p->id_number, pa_mask_idno);
		masked(w, "phone", p->phone, pa_mask_phone);
		pa_jw_kstr(w, "address", p->address);
		pa_jw_obj_end(w);
	}
	pa_jw_arr_end(w);

	pa_jw_key(w, "steps");
	pa_jw_arr(w);
	for (int i = 0; i < c->nsteps; i++) {
		const struct pa_step_row *s = &c->steps[i];
		pa_jw_obj(w);
		pa_jw_kint(w, "seq", i + 1);
		pa_jw_kstr(w, "action", s->action);
		pa_jw_kstr(w, "action_name", pa_step_action_name(t, s->action));
		pa_jw_kstr(w, "from_state", s->from_state);
		pa_jw_kstr(w, "to_state", s->to_state);
		unit_ref(w, "from_unit", s->from_unit, s->from_unit_name);
		unit_ref(w, "to_unit", s->to_unit, s->to_unit_name);
		pa_jw_key(w, "actor");
		pa_jw_obj(w);
		pa_jw_kid(w, "id", s->actor_id);
		pa_jw_kstr(w, "name", s->actor_id ? s->actor_name : NULL);
		pa_jw_kstr(w, "role", s->actor_id ? s->actor_role : NULL);
		pa_jw_obj_end(w);
		pa_jw_ktime(w, "at", s->at);
		pa_jw_kstr(w, "note", s->note);
		pa_jw_obj_end(w);
	}
	pa_jw_arr_end(w);
}

void pa_render_actions(struct pa_jw *w, const struct pa_catalog *cat, const struct pa_actor *a,
		       const struct pa_case_facts *f)
{
	const struct pa_casetype *t = pa_catalog_type(cat, f->type);
	int from = t ? pa_lifecycle_state(t->lc, f->status) : -1;
	/* What this caller may do now: the same predicate the action itself meets (may.c). */
	pa_jw_key(w, "actions");
	pa_jw_arr(w);
	for (int i = 0; t && from >= 0 && i < t->lc->nactions; i++) {
		const struct pa_transition *tr = NULL;
		if (pa_may_act(cat, a, f, t->lc->actions[i].code, &tr))
			continue;
		pa_jw_obj(w);
		pa_jw_kstr(w, "action", tr->action->code);
		pa_jw_kstr(w, "name", tr->action->name);
		pa_jw_kstr(w, "name_en", tr->action->name_en);
		pa_jw_kstr(w, "to", t->lc->states[pa_transition_target(tr, from)].code);
		/* the workbench queue that lists the case for this action (null: none) */
		pa_jw_kstr(w, "queue", pa_queue_of(t->lc, tr, from));
		pa_jw_kbool(w, "needs_note", (tr->action->needs & PA_NEED_NOTE) != 0);
		pa_jw_kbool(w, "needs_unit", (tr->action->needs & PA_NEED_UNIT) != 0);
		const char *words[PA_MAX_NEEDS];
		int nw = pa_needs_words(tr->action->needs, words);
		pa_jw_key(w, "needs");
		pa_jw_arr(w);
		for (int k = 0; k < nw; k++)
			pa_jw_str(w, words[k]);
		pa_jw_arr_end(w);
		pa_jw_obj_end(w);
	}
	pa_jw_arr_end(w);
	/* the page offers the upload only to whom the server would take it from */
	pa_jw_kbool(w, "may_attach", pa_may_attach(cat, f->type, a->role));
}

/* The actions a workbench may take on many cases at once, each sent on its own: those that
 * ask for no judgement of the case itself (signing for what was dispatched to one's unit,
 * marking urgent, a supervision notice with one note for all) and whose conditions a list
 * row holds. Closing, verifying, rejecting, dispatching … are decided case by case. */
static const char *const bulk_codes[] = {"sign", "urgent_on", "supervise"};
#define NBULK (int)(sizeof bulk_codes / sizeof bulk_codes[0])

struct pa_case_cond pa_case_cond_row(const struct pa_case_row *c)
{
	return (struct pa_case_cond){.tier = c->tier,
				     .urgent = c->urgent,
				     .rated = c->rating != NULL,
				     .unreasonable = c->unreasonable,
				     .ext_pending = c->ext_pending,
				     .open_supervisions = open_supervisions(c)};
}

/* "bulk_actions": which of bulk_codes the caller may take on a listed case now, by the same
 * predicate (may.c). A list row knows no handling unit and no unit above: no bulk action
 * asks for either. */
static void render_bulk(struct pa_jw *w, const struct pa_catalog *cat, const struct pa_actor *a,
			const struct pa_case_row *c)
{
	struct pa_case_facts f = {.type = c->type,
				  .status = c->status,
				  .cond = pa_case_cond_row(c),
				  .holder = c->unit_id,
				  .reporter_id = c->reporter_id};
	pa_jw_key(w, "bulk_actions");
	pa_jw_arr(w);
	for (int b = 0; a && b < NBULK; b++)
		if (!pa_may_act(cat, a, &f, bulk_codes[b], NULL))
			pa_jw_str(w, bulk_codes[b]);
	pa_jw_arr_end(w);
}

void pa_render_case(struct pa_jw *w, const struct pa_catalog *cat, const struct pa_actor *a,
		    const struct pa_case_row *c, const struct pa_case_facts *f)
{
	render_core(w, cat, a, c, f != NULL);
	if (!f)
		render_bulk(w, cat, a, c);
	else
		pa_render_actions(w, cat, a, f);
	pa_jw_obj_end(w);
}

void pa_render_case_shared(struct pa_jw *w, const struct pa_catalog *cat,
			   const struct pa_case_row *c)
{
	render_core(w, cat, NULL, c, true);
	pa_jw_obj_end(w);
}

bool pa_case_shared_ok(const struct pa_catalog *cat, const char *type)
{
	const struct pa_casetype *t = pa_catalog_type(cat, type);
	return !t || !t->protect_reporter;
}
