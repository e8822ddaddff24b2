/* metrics.c: what a step changes in the statistics, decided here once for actions and the
 * sweeper alike, and written by the store in the same transaction as the step: events of
 * the month (accepted, closed on time or overdue, ratings, supervision notices, escalations,
 * skip-level reports), the cohort of the case's report (closed now, ever past a red limit:
 * the numerators of the rates over reported cases) and the count of open cases past a red
 * limit. The indicators they make are defined in docs/statistics.md. */
#include <string.h>

#include "service/internal.h"

static const char *rated(const char *rating, bool unreasonable)
{
	static const char *const names[][2] = {
		{"rated_satisfied", "rated_unreasonable_satisfied"},
		{"rated_basically_satisfied", "rated_unreasonable_basically_satisfied"},
		{"rated_unsatisfied", "rated_unreasonable_unsatisfied"},
	};
	int i = strcmp(rating, "satisfied") == 0             ? 0
		: strcmp(rating, "basically_satisfied") == 0 ? 1
		: strcmp(rating, "unsatisfied") == 0         ? 2
							     : -1;
	return i < 0 ? NULL : names[i][unreasonable];
}

static void add(struct pa_step_in *st, const char *metric, int delta, bool snapshot)
{
	if (metric && st->nstats < PA_MAX_STAT_DELTAS)
		st->stats[st->nstats++] = (struct pa_stat_delta){metric, delta, snapshot, false};
}

/* An event of the case's cohort: counted where its `reported` was. */
static void add_cohort(struct pa_step_in *st, const char *metric, int delta)
{
	if (st->nstats < PA_MAX_STAT_DELTAS)
		st->stats[st->nstats++] = (struct pa_stat_delta){metric, delta, false, false, true};
}

/* A report up is the sending unit's doing: it counts for the unit the case left. */
static void add_sent(struct pa_step_in *st, const char *metric)
{
	if (st->nstats < PA_MAX_STAT_DELTAS)
		st->stats[st->nstats++] = (struct pa_stat_delta){metric, 1, false, true};
}

void pa_step_stats(const struct pa_lifecycle *lc, const struct pa_action *ac, int from, int to,
		   const struct pa_case_head *h, const struct pa_case_patch *p,
		   struct pa_step_in *st)
{
	if (lc->uncounted) /* tasks, not cases: they count in no indicator */
		return;
	st->cohort_at = h->reported_at;
	st->cohort_unit = h->entry_unit;
	if (ac && strcmp(ac->code, "accept") == 0)
		add(st, "accepted", 1, false);
	if (ac)
		add(st, ac->counts, 1, false);
	switch (ac ? ac->effect : PA_EFFECT_NONE) {
	case PA_EFFECT_ESCALATE:
		add_sent(st, "escalated");
		break;
	case PA_EFFECT_SKIP_LEVEL:
		add_sent(st, "skip_level");
		break;
	case PA_EFFECT_SUPERVISE:
		add(st, "supervision_manual", 1, false);
		break;
	case PA_EFFECT_RATE:
		add(st, rated(p->rating, false), 1, false);
		/* a complaint already flagged unreasonable: taken out of satisfaction at once */
		if (h->unreasonable)
			add(st, rated(p->rating, true), 1, false);
		break;
	case PA_EFFECT_UNREASONABLE:
		add(st, "unreasonable", 1, false);
		/* its rating no longer counts towards satisfaction */
		if (h->rating[0])
			add(st, rated(h->rating, true), 1, false);
		break;
	default:
		break;
	}
	bool overdue = h->overdue || (p && p->mark_overdue);
	if (!pa_state_done(lc, from) && pa_state_done(lc, to)) {
		add(st, "closed", 1, false);
		add(st, overdue ? "closed_overdue" : "closed_on_time", 1, false);
	}
	/* settled (办结) in its cohort: no longer open — closed, or ended otherwise (rejected,
	 * referred, merged); reopened, open again */
	if (pa_state_open(lc, from) && !pa_state_open(lc, to))
		add_cohort(st, "reported_closed", 1);
	if (!pa_state_open(lc, from) && from >= 0 && pa_state_open(lc, to))
		add_cohort(st, "reported_closed", -1);
	/* past a red limit for the first time: for good in its cohort */
	if (!h->overdue && p && p->mark_overdue)
		add_cohort(st, "reported_overdue", 1);
	/* open cases past a red limit, as they are now */
	if (h->overdue && pa_state_open(lc, from) && !pa_state_open(lc, to))
		add(st, "~overdue", -1, true);
	if (h->overdue && !pa_state_open(lc, from) && pa_state_open(lc, to))
		add(st, "~overdue", 1, true);
	if (!h->overdue && p && p->mark_overdue && pa_state_open(lc, to))
		add(st, "~overdue", 1, true);
}
