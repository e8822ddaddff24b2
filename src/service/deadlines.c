/* deadlines.c: the phase clock of a case. Entering a phase (accept, handle, verify) or a
 * new tier starts the clock; a waiting state (e.g. medical appraisal) stops it and the
 * time spent waiting is added back; approved extensions lengthen the handling limit. The
 * yellow and red deadlines follow from the case's limit profile; next_due is when the
 * sweeper must look at the case again. Beside it, a date the case type watches (watch =
 * FIELD) is watched while the case is in a state pa_state_watched allows. */
#include <string.h>

#include "core/calendar.h"
#include "service/internal.h"

/* n of the limit's unit from the clock's start, the time spent paused added back: working
 * days paused on working-day limits, seconds on hour limits, whole 24-hour days (rounded
 * down) on calendar-day limits. */
static int64_t deadline(const struct pa_app *app, const struct pa_clock *c, int n,
			enum pa_limit_unit u)
{
	if (u == PA_UNIT_HOURS)
		return c->started + (int64_t)n * 3600 + c->paused_secs;
	if (u == PA_UNIT_DAYS)
		return pa_calendar_add_days(app->calendar, c->started,
					    n + (int)(c->paused_secs / 86400));
	return pa_calendar_add_workdays(app->calendar, c->started, n + c->paused_days);
}

void pa_clock_dues(const struct pa_app *app, const struct pa_profile *p, enum pa_tier tier,
		   enum pa_phase ph, int ext_days, struct pa_clock *c)
{
	if (!p || ph == PA_PHASE_NONE || !c->started) {
		c->due_yellow = c->due_red = c->next_due = 0;
		return;
	}
	const struct pa_limit *l = &p->lim[tier][ph];
	/* an approved extension lengthens handling, in days of the limit's unit (working or
	 * calendar days; a day is 24 h on hour limits) */
	int ext = ph == PA_PHASE_HANDLE ? ext_days : 0;
	if (l->unit == PA_UNIT_HOURS)
		ext *= 24;
	c->due_yellow = deadline(app, c, l->yellow + ext, l->unit);
	c->due_red = deadline(app, c, l->red + ext, l->unit);
	if (c->paused_at)
		c->next_due = 0;
	else if (strcmp(c->level, "red") == 0)
		c->next_due = 0;
	else if (strcmp(c->level, "yellow") == 0)
		c->next_due = c->due_red;
	else
		c->next_due = c->due_yellow;
}

enum pa_watch_set pa_watch_after(const struct pa_lifecycle *lc, int from, int to)
{
	/* reported done, the date is no longer watched; sent back to handling, it is again */
	if (from == to)
		return PA_WATCH_KEEP;
	return pa_state_watched(lc, to) ? PA_WATCH_ON : PA_WATCH_OFF;
}

void pa_clock_after(const struct pa_app *app, const struct pa_lifecycle *lc,
		    const struct pa_profile *p, int tier_before, int tier_after, int from, int to,
		    int64_t at, int ext_days, const struct pa_clock *before, struct pa_clock *after)
{
	static const struct pa_clock zero = {.level = "none"};
	*after = before && before->level[0] ? *before : zero;
	const struct pa_state *st = &lc->states[to];
	const struct pa_state *sf = from >= 0 ? &lc->states[from] : NULL;
	bool waiting = st->kind == PA_STATE_WAITING,
	     was_waiting = sf && sf->kind == PA_STATE_WAITING;
	if (st->kind == PA_STATE_TERMINAL || st->phase == PA_PHASE_NONE) {
		*after = zero;
		return;
	}
	if (!sf || sf->phase != st->phase || tier_before != tier_after) {
		/* a new phase or a new tier: a fresh clock */
		*after = zero;
		after->started = at;
	} else if (was_waiting && !waiting && after->paused_at) {
		/* back from waiting: the pause does not count */
		after->paused_days +=
			pa_calendar_workdays_between(app->calendar, after->paused_at, at);
		after->paused_secs += at - after->paused_at;
		after->paused_at = 0;
	}
	if (waiting && !after->paused_at)
		after->paused_at = at;
	pa_clock_dues(app, p, (enum pa_tier)tier_after, st->phase, ext_days, after);
}
