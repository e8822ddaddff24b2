/* queues.c: the workbench's queues — to sign for, in hand, to verify, overdue, under
 * supervision, sent back, to call back — as conditions on the caller's cases, judged from
 * the lifecycles' own actions (the states `sign` leaves from are those to sign for …), so a
 * new lifecycle in data/ has its queues without a change here. */
#include <jansson.h>
#include <string.h>

#include "core/clock.h"
#include "service/app.h"

struct queue {
	const char *code;
	const char *from_of[2]; /* the states these actions leave from … */
	const char *to_of;      /* … or the state this one leads to */
	bool clocked;           /* … or every state a time limit runs in */
	bool holder;            /* held by the caller's own unit (when the caller has one) */
	bool overdue, supervised, sent_back, unrated;
};

static const struct queue queues[] = {
	{"to_sign", {"sign"}, NULL, false, true},
	{"in_hand", {"feedback", "resume"}, NULL, false, true},
	{"to_verify", {"verify_pass"}, NULL, false, false},
	{"overdue", {NULL}, NULL, true, false, .overdue = true},
	{"supervised", {NULL}, NULL, true, false, .supervised = true},
	{"sent_back", {NULL}, "send_back", false, false, .sent_back = true},
	{"callback", {"callback"}, NULL, false, false, .unrated = true},
};
#define NQUEUES (int)(sizeof queues / sizeof queues[0])

static void add_state(json_t *arr, const char *code)
{
	size_t i;
	json_t *v;
	json_array_foreach (arr, i, v)
		if (strcmp(json_string_value(v), code) == 0)
			return;
	json_array_append_new(arr, json_string(code));
}

/* The state codes of queue q over every lifecycle, as a JSON array (in arena a). */
static const char *queue_states(const struct pa_catalog *cat, const struct queue *q,
				struct pa_arena *a)
{
	json_t *arr = json_array();
	for (int l = 0; l < cat->nlifecycles; l++) {
		const struct pa_lifecycle *lc = &cat->lifecycles[l];
		if (q->clocked)
			for (int s = 0; s < lc->nstates; s++)
				if (lc->states[s].phase != PA_PHASE_NONE &&
				    lc->states[s].kind != PA_STATE_TERMINAL)
					add_state(arr, lc->states[s].code);
		for (int t = 0; t < lc->ntrans; t++) {
			const struct pa_transition *tr = &lc->trans[t];
			for (int k = 0; k < 2; k++)
				if (q->from_of[k] && tr->from >= 0 &&
				    strcmp(tr->action->code, q->from_of[k]) == 0)
					add_state(arr, lc->states[tr->from].code);
			if (q->to_of && tr->to >= 0 && strcmp(tr->action->code, q->to_of) == 0)
				add_state(arr, lc->states[tr->to].code);
		}
	}
	char *s = json_dumps(arr, JSON_COMPACT);
	const char *out = pa_sprintf(a, "%s", s);
	free(s);
	json_decref(arr);
	return out;
}

static void queue_filter(const struct pa_app *app, const struct pa_actor *a, const struct queue *q,
			 struct pa_arena *ar, struct pa_case_filter *f)
{
	f->states = queue_states(app->cat, q, ar);
	f->holder_unit = q->holder ? a->user.unit_id : 0;
	f->red_before = q->overdue ? pa_now() : 0;
	f->supervised = q->supervised;
	f->last_action = q->sent_back ? q->to_of : NULL;
	f->unrated = q->unrated;
}

enum pa_err pa_queue_apply(const struct pa_app *app, const struct pa_actor *a, const char *name,
			   struct pa_arena *ar, struct pa_case_filter *f)
{
	for (int i = 0; i < NQUEUES; i++)
		if (strcmp(queues[i].code, name) == 0) {
			queue_filter(app, a, &queues[i], ar, f);
			return PA_OK;
		}
	return pa_errf(PA_BAD_QUERY, "queue", "unknown queue \"%s\"", name);
}

enum pa_err pa_queues_count(struct pa_app *app, const struct pa_actor *a, struct pa_jw *out)
{
	int64_t counts[NQUEUES] = {0};
	struct pa_arena ar;
	pa_arena_init(&ar);
	enum pa_err rc = PA_OK;
	PA_WITH_READ(
		app, db, rc, for (int i = 0; i < NQUEUES && !rc; i++) {
			struct pa_case_filter f = {0};
			queue_filter(app, a, &queues[i], &ar, &f);
			rc = db->ops->case_count(db, &a->scope, &f, &counts[i]);
		});
	pa_arena_free(&ar);
	if (rc)
		return rc;
	pa_jw_obj(out);
	pa_jw_key(out, "items");
	pa_jw_arr(out);
	for (int i = 0; i < NQUEUES; i++) {
		pa_jw_obj(out);
		pa_jw_key(out, "queue");
		pa_jw_str(out, queues[i].code);
		pa_jw_key(out, "count");
		pa_jw_int(out, counts[i]);
		pa_jw_obj_end(out);
	}
	pa_jw_arr_end(out);
	pa_jw_obj_end(out);
	return PA_OK;
}
