/* sweeper.c: supervision by the clock (黄牌/红牌督办). It reads only the cases whose next
 * due time has come (an index on next_due), marks yellow and red exactly once each — the
 * check is repeated inside the write, so two sweepers (serve and a cron job) cannot both
 * mark — and, where the case's limit profile says so, escalates a case still open at its
 * red limit up the ladder (village → town → city) as an ordinary audited step. Likewise,
 * from their own index, it marks once the cases whose watched date (a hazard's 整改期限)
 * has passed while they are still being handled. */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/log.h"
#include "service/internal.h"

#define SWEEP_BATCH 500

/* One case judged in one writer job (phase clock or watched date); what it did, afresh on
 * each run (the writer may run a job twice). */
struct sweep_job {
	struct pa_app *app;
	int64_t id, now;
	bool hold; /* mark, but escalate nothing (pa_sweep_case) */
	int yellow, red, escalated, watch_late;
};

/* The name people read of a phase, from the lifecycle's [phases] (checked at load). */
static const char *phase_name(const struct pa_lifecycle *lc, enum pa_phase ph)
{
	return lc->phase_name[ph] ? lc->phase_name[ph] : pa_phase_name(ph);
}

/* A supervision notice of the sweeper's own: a step on the case (with the patch), the
 * notice, and its count by colour and, when not NULL, as `also`. */
static enum pa_err mark(struct pa_db *db, const struct pa_lifecycle *lc, int state,
			const struct pa_case_head *h, const char *action, const char *level,
			const char *note, int64_t now, int64_t due,
			const struct pa_case_patch *patch, const char *also)
{
	bool red = strcmp(level, "red") == 0;
	struct pa_step_in st = {.case_id = h->id,
				.action = action,
				.from_state = h->status,
				.to_state = h->status,
				.note = note,
				.from_unit = h->unit_id,
				.at = now,
				.type = h->type,
				.category = h->category,
				.grid = h->grid,
				.patch = patch};
	if (!lc->uncounted) {
		st.stats[st.nstats++] = (struct pa_stat_delta){
			red ? "supervision_red" : "supervision_yellow", 1, false};
		if (also)
			st.stats[st.nstats++] = (struct pa_stat_delta){also, 1, false};
	}
	pa_step_stats(lc, NULL, state, state, h, patch, &st);
	enum pa_err rc = db->ops->case_step(db, &st);
	if (!rc)
		rc = db->ops->supervision_add(db, h->id, level, 0, note, now, due);
	return rc;
}

/* A patch that sets the clock a mark leaves (a red mark: past a red limit for good). */
static struct pa_case_patch clock_patch(const struct pa_clock *c, bool red)
{
	return (struct pa_case_patch){.urgent = -1,
				      .ext_pending = -1,
				      .unreasonable = -1,
				      .clock = c,
				      .mark_overdue = red};
}

static enum pa_err sweep_job(struct pa_db *db, void *arg)
{
	struct sweep_job *j = arg;
	struct pa_app *app = j->app;
	j->yellow = j->red = j->escalated = j->watch_late = 0;
	const struct pa_scope everywhere = {.region = ""};
	struct pa_case_head h;
	enum pa_err rc = db->ops->case_head(db, &everywhere, j->id, &h);
	if (rc == PA_NOT_FOUND)
		return PA_OK;
	if (rc)
		return rc;
	/* looked at again inside the transaction: another sweeper may have been first */
	if (!h.clock.next_due || h.clock.next_due > j->now || h.clock.paused_at)
		return PA_OK;
	const struct pa_casetype *t = pa_catalog_type(app->cat, h.type);
	const struct pa_profile *p = pa_catalog_profile(app->cat, h.profile);
	int from = t ? pa_lifecycle_state(t->lc, h.status) : -1;
	int tier = pa_tier_of(h.tier);
	if (!t || !p || from < 0 || tier < 0)
		return PA_OK; /* data changed under the case: nothing to judge it by */
	enum pa_phase ph = t->lc->states[from].phase;
	struct pa_clock c = h.clock;
	char note[160];
	if (strcmp(c.level, "none") == 0 && j->now >= c.due_yellow) {
		snprintf(c.level, sizeof c.level, "yellow");
		pa_clock_dues(app, p, (enum pa_tier)tier, ph, h.ext_days, &c);
		snprintf(note, sizeof note, "%s环节超过黄牌时限，系统自动黄牌督办",
			 phase_name(t->lc, ph));
		struct pa_case_patch marked = clock_patch(&c, false);
		if ((rc = mark(db, t->lc, from, &h, "auto_yellow", "yellow", note, j->now,
			       c.due_red, &marked, NULL)))
			return rc;
		h.version++;
		h.clock = c;
		j->yellow = 1;
	}
	if (strcmp(c.level, "yellow") == 0 && j->now >= c.due_red) {
		snprintf(c.level, sizeof c.level, "red");
		pa_clock_dues(app, p, (enum pa_tier)tier, ph, h.ext_days, &c);
		snprintf(note, sizeof note, "%s环节超过红牌时限，系统自动红牌督办",
			 phase_name(t->lc, ph));
		struct pa_case_patch marked = clock_patch(&c, true);
		if ((rc = mark(db, t->lc, from, &h, "auto_red", "red", note, j->now, 0, &marked,
			       NULL)))
			return rc;
		h.clock = c;
		h.overdue = 1;
		j->red = 1;
		const struct pa_transition *up = pa_lifecycle_find(t->lc, "report_up", from);
		if (p->escalate && tier < PA_TIER_CITY && up && !j->hold) {
			int64_t unit;
			if ((rc = pa_centre_of(db, h.grid, (enum pa_tier)(tier + 1), &unit, NULL,
					       0)))
				return rc == PA_CONFLICT ? PA_OK : rc;
			int to = pa_transition_target(up, from);
			struct pa_clock next;
			pa_clock_after(app, t->lc, p, tier, tier + 1, from, to, j->now, h.ext_days,
				       &c, &next);
			struct pa_case_patch patch = {
				.tier = pa_tier_name((enum pa_tier)(tier + 1)),
				.urgent = -1,
				.ext_pending = -1,
				.unreasonable = -1,
				.clock = &next,
				.watch = pa_watch_after(t->lc, from, to)};
			struct pa_step_in st = {.case_id = h.id,
						.action = up->action->code,
						.from_state = h.status,
						.to_state = t->lc->states[to].code,
						.note = "超过红牌时限仍未办结，系统自动上报上一级",
						.from_unit = h.unit_id,
						.to_unit = unit,
						.at = j->now,
						.type = h.type,
						.category = h.category,
						.grid = h.grid,
						.patch = &patch};
			pa_step_stats(t->lc, up->action, from, to, &h, &patch, &st);
			if ((rc = db->ops->case_step(db, &st)))
				return rc;
			j->escalated = 1;
		}
	}
	return PA_OK;
}

enum pa_err pa_sweep_case(struct pa_app *app, struct pa_db *db, int64_t id, int64_t now)
{
	struct sweep_job j = {.app = app, .id = id, .now = now, .hold = true};
	return sweep_job(db, &j);
}

/* A watched date (the case type's watch = FIELD: a hazard's 整改期限) passed while the case
 * is still being handled: marked once — a step named by the type's watch_step, a red
 * notice, and the count supervision_watch_late — looked at again inside the write, so two
 * sweepers cannot both mark. Its phase clock is left alone: the date is the reporter's,
 * not a time limit, and a case past it is not thereby overdue. */
static enum pa_err watch_job(struct pa_db *db, void *arg)
{
	struct sweep_job *j = arg;
	j->yellow = j->red = j->escalated = j->watch_late = 0;
	const struct pa_scope everywhere = {.region = ""};
	struct pa_case_head h;
	enum pa_err rc = db->ops->case_head(db, &everywhere, j->id, &h);
	if (rc)
		return rc == PA_NOT_FOUND ? PA_OK : rc;
	if (!h.watch_open || h.watch_marked || !h.watch_due || h.watch_due > j->now)
		return PA_OK;
	const struct pa_casetype *t = pa_catalog_type(j->app->cat, h.type);
	int state = t ? pa_lifecycle_state(t->lc, h.status) : -1;
	if (!t || !t->watch || !pa_state_watched(t->lc, state))
		return PA_OK; /* data changed under the case: nothing to judge it by */
	char day[16], note[200];
	snprintf(note, sizeof note, "超过%s（%s）仍未办结，系统自动督办", t->watch->name,
		 pa_day_of_end(h.watch_due, day));
	struct pa_case_patch patch = {
		.urgent = -1, .ext_pending = -1, .unreasonable = -1, .watch_marked = j->now};
	if ((rc = mark(db, t->lc, state, &h, "auto_watch_late", "red", note, j->now, 0, &patch,
		       "supervision_watch_late")))
		return rc;
	j->watch_late = 1;
	return PA_OK;
}

/* A manual supervision whose deadline passed without its report: marked once, with a step
 * on the case so its page shows it. */
struct late_job {
	int64_t case_id, id, now;
	int marked;
};

static enum pa_err late_job(struct pa_db *db, void *arg)
{
	struct late_job *j = arg;
	j->marked = 0;
	enum pa_err rc = db->ops->supervision_mark_late(db, j->id);
	if (rc == PA_NOT_FOUND)
		return PA_OK; /* reported or marked meanwhile */
	if (rc)
		return rc;
	const struct pa_scope everywhere = {.region = ""};
	struct pa_case_head h;
	if ((rc = db->ops->case_head(db, &everywhere, j->case_id, &h)))
		return rc == PA_NOT_FOUND ? PA_OK : rc;
	struct pa_step_in st = {.case_id = h.id,
				.action = "auto_sup_late",
				.from_state = h.status,
				.to_state = h.status,
				.note = "督办期限已到，承办单位未反馈",
				.from_unit = h.unit_id,
				.at = j->now,
				.type = h.type,
				.category = h.category,
				.grid = h.grid};
	st.stats[st.nstats++] = (struct pa_stat_delta){"supervision_late", 1, false};
	if ((rc = db->ops->case_step(db, &st)))
		return rc;
	j->marked = 1;
	return PA_OK;
}

#define PRUNE_BATCH 1000

struct prune_job {
	int64_t now, before;
	bool sessions;
	int n;
};

static enum pa_err prune_job(struct pa_db *db, void *arg)
{
	struct prune_job *j = arg;
	return j->sessions ? db->ops->sessions_prune(db, j->now, j->before, PRUNE_BATCH, &j->n)
			   : db->ops->idem_prune(db, j->before, PRUNE_BATCH, &j->n);
}

/* What has served its time goes, a batch per writer job so intake never waits long behind
 * it: idempotency keys older than their retention; sessions past their end or unused past
 * the idle limit (no longer any use to anyone, and a stolen token's row should not
 * outlive it). */
static enum pa_err forget(struct pa_app *app, int64_t now, struct pa_sweep_result *res)
{
	struct prune_job keys = {.now = now, .before = now - (int64_t)app->idem_days * 86400},
			 sessions = {.now = now,
				     .before = now - app->login.session_idle,
				     .sessions = true};
	struct prune_job *jobs[] = {&keys, &sessions};
	int *counts[] = {&res->forgotten, &res->sessions};
	for (int i = 0; i < 2; i++)
		do {
			enum pa_err rc = pa_writer_run(app->writer, prune_job, jobs[i]);
			if (rc)
				return rc;
			*counts[i] += jobs[i]->n;
		} while (jobs[i]->n == PRUNE_BATCH);
	return PA_OK;
}

/* Every case a (due, id)-paged list gives as due by now — the phase clocks' (cases_due) or
 * the watched dates' (cases_watch_due) — each judged by `job` in a writer job. Paged, not
 * re-read from the start: a case the sweeper cannot judge stays behind the page and never
 * starves those after it. */
static enum pa_err sweep_due(struct pa_app *app, int64_t now, bool watched,
			     enum pa_err (*job)(struct pa_db *, void *),
			     struct pa_sweep_result *res)
{
	int64_t ids[SWEEP_BATCH], dues[SWEEP_BATCH], after_due = 0, after_id = 0;
	for (int round = 0; round < 100000; round++) {
		int n = 0;
		enum pa_err rc = PA_OK;
		PA_WITH_READ(app, db, rc,
			     rc = (watched ? db->ops->cases_watch_due : db->ops->cases_due)(
				     db, now, after_due, after_id, SWEEP_BATCH, ids, dues, &n));
		if (rc)
			return rc;
		if (n) {
			after_due = dues[n - 1];
			after_id = ids[n - 1];
		}
		for (int i = 0; i < n; i++) {
			struct sweep_job j = {.app = app, .id = ids[i], .now = now};
			if ((rc = pa_writer_run(app->writer, job, &j)))
				return rc;
			res->looked++;
			res->yellow += j.yellow;
			res->red += j.red;
			res->escalated += j.escalated;
			res->watch_late += j.watch_late;
		}
		if (n < SWEEP_BATCH)
			break;
	}
	return PA_OK;
}

static enum pa_err sweep_run(struct pa_app *app, int64_t now, struct pa_sweep_result *res)
{
	int64_t ids[SWEEP_BATCH], dues[SWEEP_BATCH];
	enum pa_err rc = sweep_due(app, now, false, sweep_job, res);
	if (!rc)
		rc = sweep_due(app, now, true, watch_job, res);
	if (rc)
		return rc;
	/* manual supervisions past their deadline without a report: each marked once, so a
	 * batch never comes back the same */
	for (;;) {
		int n = 0;
		PA_WITH_READ(app, db, rc,
			     rc = db->ops->supervisions_late(db, now, SWEEP_BATCH, ids, dues, &n));
		if (rc)
			return rc;
		int marked = 0;
		for (int i = 0; i < n; i++) {
			struct late_job j = {.case_id = ids[i], .id = dues[i], .now = now};
			if ((rc = pa_writer_run(app->writer, late_job, &j)))
				return rc;
			marked += j.marked;
		}
		res->late += marked;
		if (n < SWEEP_BATCH || !marked)
			break;
	}
	return forget(app, now, res);
}

enum pa_err pa_sweep(struct pa_app *app, int64_t now, struct pa_sweep_result *res)
{
	memset(res, 0, sizeof *res);
	enum pa_err rc = sweep_run(app, now, res);
	/* a failed run counts what it marked before it stopped: those marks are committed */
	struct pa_sweep_totals *t = &app->sweeps;
	const struct {
		atomic_uint_fast64_t *total;
		int add;
	} adds[] = {{&t->runs, 1},
		    {&t->failed, rc != PA_OK},
		    {&t->looked, res->looked},
		    {&t->yellow, res->yellow},
		    {&t->red, res->red},
		    {&t->escalated, res->escalated},
		    {&t->late, res->late},
		    {&t->watch_late, res->watch_late}};
	for (size_t i = 0; i < sizeof adds / sizeof adds[0]; i++)
		atomic_fetch_add_explicit(adds[i].total, (uint_fast64_t)adds[i].add,
					  memory_order_relaxed);
	return rc;
}
