/* queues.c: the workbench's queues — to accept, to dispatch, to sign for, in hand, to
 * verify, to call back, to close; overdue, under supervision, sent back. A queue is a kind
 * of action, and holds exactly the cases on which the caller may take an action of that
 * kind now. The kind of an action is judged from the lifecycle data alone — the phase and
 * kind of the state it leaves, of the state it leads to, and its effect — never from its
 * code (codes differ between lifecycles), so a new lifecycle in data/ has its queues
 * without a change here. Whether the caller may take it is pa_may_act (may.c), the
 * rule the action request and the case page apply.
 *
 * The store narrows a queue by indexed conditions derived from the same data (the states
 * some action of the kind leaves from that the caller's role may take, the holding unit
 * when every such action is the holder's, no rating yet for a call-back); each candidate
 * is then judged by pa_may_act. A count reads at most QUEUE_COUNT_CAP candidates: past
 * that it is given as "at least" (capped), never by reading every case. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "service/internal.h"

/* The kinds of action a queue is made of (K_NONE: beside the main line). */
enum kind { K_NONE, K_ACCEPT, K_DISPATCH, K_SIGN, K_HAND, K_VERIFY, K_CALLBACK, K_CLOSE };

static const char *const kind_code[] = {
	[K_ACCEPT] = "to_accept", [K_DISPATCH] = "to_dispatch", [K_SIGN] = "to_sign",
	[K_HAND] = "in_hand",     [K_VERIFY] = "to_verify",     [K_CALLBACK] = "callback",
	[K_CLOSE] = "to_close",
};

/* The kind of transition tr taken in state from:
 * - rate (the call-back's rating): callback;
 * - assign or route to another state that goes on: to_dispatch (a transfer out, which
 *   hands the case to another agency's procedure — a waiting state — or ends it, and a
 *   re-route that leaves it where it is are beside the line);
 * - with no effect, or keeping a record, to another state: by the phase it leaves —
 *   accept: to_accept (accept, reject, refer …); verify: to_verify; none (done, waiting
 *   for the close): to_close; handle: to_sign when the holder moves it from one active
 *   state of the phase to another (signing for), else in_hand (the work and its report),
 *   unless it ends the case there (a side exit) — but for a waiting state, whose way out
 *   is the result it waits for (a reconsideration's decision), even to the end;
 * - anything else (send back, escalate, merge, urgency, links, supervision, a step that
 *   leaves the state as it is): beside the line. */
static enum kind kind_of(const struct pa_lifecycle *lc, const struct pa_transition *tr, int from)
{
	if (from < 0 || tr->from == PA_FROM_CREATE)
		return K_NONE;
	const struct pa_action *ac = tr->action;
	if (ac->effect == PA_EFFECT_RATE)
		return K_CALLBACK;
	int to = pa_transition_target(tr, from);
	if (to == from)
		return K_NONE;
	const struct pa_state *s = &lc->states[from], *d = &lc->states[to];
	if (ac->effect == PA_EFFECT_ASSIGN || ac->effect == PA_EFFECT_ROUTE)
		return d->kind == PA_STATE_TERMINAL || d->kind == PA_STATE_WAITING ? K_NONE
										   : K_DISPATCH;
	if (ac->effect != PA_EFFECT_NONE && ac->effect != PA_EFFECT_RECORD)
		return K_NONE;
	switch (s->phase) {
	case PA_PHASE_ACCEPT:
		return K_ACCEPT;
	case PA_PHASE_VERIFY:
		return K_VERIFY;
	case PA_PHASE_NONE:
		return K_CLOSE;
	case PA_PHASE_HANDLE:
		break;
	}
	if (d->kind == PA_STATE_TERMINAL)
		return s->kind == PA_STATE_WAITING ? K_HAND : K_NONE;
	if (s->kind == PA_STATE_ACTIVE && d->kind == PA_STATE_ACTIVE &&
	    d->phase == PA_PHASE_HANDLE && (ac->needs & PA_NEED_HOLDER))
		return K_SIGN;
	return K_HAND;
}

const char *pa_queue_of(const struct pa_lifecycle *lc, const struct pa_transition *tr, int from)
{
	return kind_code[kind_of(lc, tr, from)];
}

/* A queue: the cases on which the caller may take an action of its kind now (K_NONE: any
 * action of the main line, or supervise), and that meet its condition. */
struct queue {
	const char *code;
	enum kind kind;
	bool overdue;    /* past the red limit, the clock running */
	bool supervised; /* a yellow or red card, or a manual notice not yet reported */
	bool sent_back;  /* its last step sent it back (an action with effect send_back) */
};

static const struct queue queues[] = {
	{"to_accept", K_ACCEPT},
	{"to_dispatch", K_DISPATCH},
	{"to_sign", K_SIGN},
	{"in_hand", K_HAND},
	{"to_verify", K_VERIFY},
	{"callback", K_CALLBACK},
	{"to_close", K_CLOSE},
	{"overdue", K_NONE, .overdue = true},
	{"supervised", K_NONE, .supervised = true},
	{"sent_back", K_DISPATCH, .sent_back = true},
};
#define NQUEUES (int)(sizeof queues / sizeof queues[0])

/* Candidates a count reads at most per queue. */
#define QUEUE_COUNT_CAP 2000

static bool of_queue(const struct queue *q, const struct pa_lifecycle *lc,
		     const struct pa_transition *tr, int from)
{
	enum kind k = kind_of(lc, tr, from);
	return q->kind != K_NONE ? k == q->kind
				 : k != K_NONE || tr->action->effect == PA_EFFECT_SUPERVISE;
}

static const struct queue *queue_named(const char *name)
{
	for (int i = 0; i < NQUEUES; i++)
		if (strcmp(queues[i].code, name) == 0)
			return &queues[i];
	return NULL;
}

static void add_code(json_t *arr, const char *code)
{
	size_t i;
	json_t *v;
	json_array_foreach (arr, i, v)
		if (strcmp(json_string_value(v), code) == 0)
			return;
	json_array_append_new(arr, json_string(code));
}

static const char *dump(json_t *arr, struct pa_arena *a)
{
	char *s = json_dumps(arr, JSON_COMPACT);
	const char *out = pa_sprintf(a, "%s", s);
	free(s);
	json_decref(arr);
	return out;
}

/* The store's conditions for queue q and caller a: the states (over every lifecycle) in
 * which the caller's role may take some action of the kind, and the holding unit when
 * every such action is the holder's. A superset of the queue, judged row by row after. */
static void queue_filter(const struct pa_app *app, const struct pa_actor *a, const struct queue *q,
			 struct pa_arena *ar, struct pa_case_filter *f)
{
	json_t *states = json_array(), *back = json_array();
	bool all_holder = true;
	const struct pa_catalog *cat = app->cat;
	for (int l = 0; l < cat->nlifecycles; l++) {
		const struct pa_lifecycle *lc = &cat->lifecycles[l];
		for (int s = 0; s < lc->nstates; s++)
			for (int t = 0; t < lc->ntrans; t++) {
				const struct pa_transition *tr = &lc->trans[t];
				if (!pa_transition_applies(lc, tr, s) ||
				    !pa_role_may(tr, a->role) || !of_queue(q, lc, tr, s))
					continue;
				add_code(states, lc->states[s].code);
				all_holder &= (tr->action->needs & PA_NEED_HOLDER) != 0;
			}
		for (int k = 0; q->sent_back && k < lc->nactions; k++)
			if (lc->actions[k].effect == PA_EFFECT_SEND_BACK)
				add_code(back, lc->actions[k].code);
	}
	f->states = dump(states, ar);
	/* an account of no unit holds nothing: -1 matches no unit */
	f->holder_unit = all_holder ? (a->user.unit_id ? a->user.unit_id : -1) : 0;
	f->red_before = q->overdue ? pa_now() : 0;
	f->supervised = q->supervised;
	f->last_actions = q->sent_back ? dump(back, ar) : (json_decref(back), NULL);
	f->unrated = q->kind == K_CALLBACK;
}

/* Whether the caller may take an action of q's kind on listed case c now: pa_may_act, the
 * one predicate, on the case's facts — read (one indexed query) only for a case on which
 * the caller's role has such an action in its state at all. */
static bool queue_holds(struct pa_db *db, const struct pa_catalog *cat, const struct pa_actor *a,
			const struct queue *q, const struct pa_case_row *c)
{
	const struct pa_casetype *t = pa_catalog_type(cat, c->type);
	int from = t ? pa_lifecycle_state(t->lc, c->status) : -1;
	struct pa_case_cond cond = pa_case_cond_row(c);
	struct pa_case_facts f;
	bool loaded = false;
	for (int i = 0; from >= 0 && i < t->lc->ntrans; i++) {
		const struct pa_transition *tr = &t->lc->trans[i];
		if (tr->from == PA_FROM_CREATE || !of_queue(q, t->lc, tr, from) ||
		    !pa_transition_applies(t->lc, tr, from) || !pa_role_may(tr, a->role))
			continue;
		if (!loaded && pa_case_facts_load(db, cat, a, c->id, c->type, c->status, c->unit_id,
						  &cond, &f))
			return false;
		loaded = true;
		const struct pa_transition *got = NULL;
		if (pa_may_act(cat, a, &f, tr->action->code, &got) == PA_OK && got == tr)
			return true;
	}
	return false;
}

enum pa_err pa_queue_apply(const struct pa_app *app, const struct pa_actor *a, const char *name,
			   struct pa_arena *ar, struct pa_case_filter *f)
{
	const struct queue *q = queue_named(name);
	if (!q)
		return pa_errf(PA_BAD_QUERY, "queue", "unknown queue \"%s\"", name);
	queue_filter(app, a, q, ar, f);
	return PA_OK;
}

/* f goes on after row last, in f's order. */
static void go_past(struct pa_case_filter *f, const struct pa_case_row *last)
{
	if (f->sort == PA_SORT_NEWEST) {
		f->before_id = last->id;
		return;
	}
	char cur[48];
	long long key, id;
	pa_case_sort_cursor(f, last, cur, sizeof cur);
	if (sscanf(cur, "%lld.%lld", &key, &id) == 2) {
		f->has_after = true;
		f->after_key = key;
		f->after_id = id;
	}
}

enum pa_err pa_queue_page(struct pa_db *db, const struct pa_app *app, const struct pa_actor *a,
			  const char *name, struct pa_case_filter *f, struct pa_arena *ar,
			  struct pa_case_row **rows, int *n, const struct pa_case_row **after)
{
	const struct queue *q = queue_named(name);
	int want = f->limit;
	*rows = pa_alloc(ar, sizeof **rows * (size_t)(want > 0 ? want : 1));
	*n = 0;
	*after = NULL;
	if (!q)
		return pa_errf(PA_BAD_QUERY, "queue", "unknown queue \"%s\"", name);
	/* a page reads its candidates a round at a time until it is full; rounds are few
	 * (the store's conditions leave few candidates the caller may not act on) */
	for (int round = 0; round < 20; round++) {
		struct pa_case_row *got;
		int m;
		int64_t next;
		enum pa_err rc = db->ops->case_list(db, &a->scope, f, ar, &got, &m, &next);
		if (rc)
			return rc;
		for (int i = 0; i < m; i++) {
			if (*n == want) {
				*after = &(*rows)[want - 1];
				return PA_OK;
			}
			if (queue_holds(db, app->cat, a, q, &got[i]))
				(*rows)[(*n)++] = got[i];
		}
		if (!next)
			return PA_OK;
		*after = *n == want ? &(*rows)[want - 1] : &got[m - 1];
		if (*n == want)
			return PA_OK;
		go_past(f, &got[m - 1]);
	}
	/* a page short of its length: the next goes on after the last candidate read */
	return PA_OK;
}

/* How many cases queue q holds for the caller: *capped when more candidates were left
 * than a count reads (the count is then "at least"). */
static enum pa_err queue_count(struct pa_db *db, const struct pa_app *app, const struct pa_actor *a,
			       const struct queue *q, struct pa_arena *ar, int64_t *count,
			       bool *capped)
{
	struct pa_case_filter f = {.limit = 200};
	queue_filter(app, a, q, ar, &f);
	*count = 0;
	*capped = false;
	for (int seen = 0;;) {
		struct pa_case_row *got;
		int m;
		int64_t next;
		enum pa_err rc = db->ops->case_list(db, &a->scope, &f, ar, &got, &m, &next);
		if (rc)
			return rc;
		for (int i = 0; i < m; i++)
			*count += queue_holds(db, app->cat, a, q, &got[i]);
		seen += m;
		if (!next)
			return PA_OK;
		if (seen >= QUEUE_COUNT_CAP) {
			*capped = true;
			return PA_OK;
		}
		f.before_id = got[m - 1].id;
	}
}

enum pa_err pa_queues_count(struct pa_app *app, const struct pa_actor *a, struct pa_jw *out)
{
	int64_t counts[NQUEUES] = {0};
	bool capped[NQUEUES] = {0};
	enum pa_err rc = PA_OK;
	PA_WITH_READ(
		app, db, rc, for (int i = 0; i < NQUEUES && !rc; i++) {
			struct pa_arena ar;
			pa_arena_init(&ar);
			rc = queue_count(db, app, a, &queues[i], &ar, &counts[i], &capped[i]);
			pa_arena_free(&ar);
		});
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
		pa_jw_kbool(out, "capped", capped[i]);
		pa_jw_obj_end(out);
	}
	pa_jw_arr_end(out);
	pa_jw_obj_end(out);
	return PA_OK;
}
