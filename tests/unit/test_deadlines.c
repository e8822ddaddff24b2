/* test_deadlines.c: the phase clock — restart on a new phase or tier, the pause of a
 * waiting state taken out, extensions, hour limits — on fixed times. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "core/calendar.h"
#include "service/internal.h"

static struct pa_app app;

/* unix seconds of y-m-d h:00 China Standard Time */
static int64_t cst(int y, int m, int d, int h)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = h};
	return (int64_t)timegm(&tm) - 8 * 3600;
}

static int setup(void **st)
{
	(void)st;
	if (pa_catalog_load("data", &app.cat) ||
	    pa_calendar_load("data/calendar", NULL, &app.calendar))
		return -1;
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	pa_catalog_free(app.cat);
	pa_calendar_free(app.calendar);
	return 0;
}

static void test_phases_and_pause(void **st)
{
	(void)st;
	const struct pa_lifecycle *lc = pa_catalog_type(app.cat, "dispute")->lc;
	const struct pa_profile *p = pa_catalog_profile(app.cat, "ordinary");
	int reported = pa_lifecycle_state(lc, "reported"),
	    accepted = pa_lifecycle_state(lc, "accepted"),
	    handling = pa_lifecycle_state(lc, "handling"),
	    susp = pa_lifecycle_state(lc, "suspended"), closed = pa_lifecycle_state(lc, "closed");
	struct pa_clock c0, c1, c2, c3, c4;
	/* reported Monday 2026-03-02 10:00 at village: accept limit 1 / 2 working days */
	pa_clock_after(&app, lc, p, PA_TIER_VILLAGE, PA_TIER_VILLAGE, -1, reported,
		       cst(2026, 3, 2, 10), 0, NULL, &c0);
	assert_int_equal(c0.started, cst(2026, 3, 2, 10));
	assert_int_equal(c0.due_yellow, cst(2026, 3, 4, 0)); /* end of Tuesday */
	assert_int_equal(c0.due_red, cst(2026, 3, 5, 0));
	assert_int_equal(c0.next_due, c0.due_yellow);
	assert_string_equal(c0.level, "none");
	/* accepted Wednesday: handle phase, a fresh clock (5 / 7 working days at village) */
	pa_clock_after(&app, lc, p, PA_TIER_VILLAGE, PA_TIER_VILLAGE, reported, accepted,
		       cst(2026, 3, 4, 9), 0, &c0, &c1);
	assert_int_equal(c1.started, cst(2026, 3, 4, 9));
	assert_int_equal(c1.due_red, pa_calendar_add_workdays(app.calendar, c1.started, 7));
	/* accepted → handling: the same phase, the clock runs on */
	pa_clock_after(&app, lc, p, PA_TIER_VILLAGE, PA_TIER_VILLAGE, accepted, handling,
		       cst(2026, 3, 5, 9), 0, &c1, &c2);
	assert_int_equal(c2.started, c1.started);
	assert_int_equal(c2.due_red, c1.due_red);
	/* suspended Friday 03-06 to Thursday 03-12: four working days do not count */
	pa_clock_after(&app, lc, p, PA_TIER_VILLAGE, PA_TIER_VILLAGE, handling, susp,
		       cst(2026, 3, 6, 9), 0, &c2, &c3);
	assert_int_equal(c3.paused_at, cst(2026, 3, 6, 9));
	assert_int_equal(c3.next_due, 0); /* a waiting case is not swept */
	pa_clock_after(&app, lc, p, PA_TIER_VILLAGE, PA_TIER_VILLAGE, susp, handling,
		       cst(2026, 3, 12, 9), 0, &c3, &c4);
	assert_int_equal(c4.paused_at, 0);
	assert_int_equal(c4.paused_days, 4); /* Mon 9, Tue 10, Wed 11, Thu 12 */
	assert_int_equal(c4.due_red, pa_calendar_add_workdays(app.calendar, c1.started, 11));
	/* an approved extension of 5 days moves the handling deadline */
	struct pa_clock c5 = c4;
	pa_clock_dues(&app, p, PA_TIER_VILLAGE, PA_PHASE_HANDLE, 5, &c5);
	assert_int_equal(c5.due_red, pa_calendar_add_workdays(app.calendar, c1.started, 16));
	/* a new tier is a fresh clock at that tier's limits (town: 10 / 15) */
	struct pa_clock c6;
	pa_clock_after(&app, lc, p, PA_TIER_VILLAGE, PA_TIER_TOWN, handling, accepted,
		       cst(2026, 3, 20, 9), 0, &c4, &c6);
	assert_int_equal(c6.started, cst(2026, 3, 20, 9));
	assert_int_equal(c6.paused_days, 0);
	assert_int_equal(c6.due_red, pa_calendar_add_workdays(app.calendar, c6.started, 15));
	/* closed: no clock */
	struct pa_clock c7;
	pa_clock_after(&app, lc, p, PA_TIER_TOWN, PA_TIER_TOWN, accepted, closed,
		       cst(2026, 3, 25, 9), 0, &c6, &c7);
	assert_int_equal(c7.started, 0);
	assert_int_equal(c7.next_due, 0);
}

static void test_levels_and_hours(void **st)
{
	(void)st;
	const struct pa_lifecycle *lc = pa_catalog_type(app.cat, "wage")->lc;
	const struct pa_profile *p = pa_catalog_profile(app.cat, "wage");
	struct pa_clock c;
	int64_t at = cst(2026, 10, 1, 20); /* a holiday evening: hours run anyway */
	pa_clock_after(&app, lc, p, PA_TIER_TOWN, PA_TIER_TOWN, -1,
		       pa_lifecycle_state(lc, "reported"), at, 0, NULL, &c);
	assert_int_equal(c.due_yellow, at + 4 * 3600);
	assert_int_equal(c.due_red, at + 8 * 3600);
	strcpy(c.level, "yellow");
	pa_clock_dues(&app, p, PA_TIER_TOWN, PA_PHASE_ACCEPT, 0, &c);
	assert_int_equal(c.next_due, c.due_red);
	strcpy(c.level, "red");
	pa_clock_dues(&app, p, PA_TIER_TOWN, PA_PHASE_ACCEPT, 0, &c);
	assert_int_equal(c.next_due, 0);
}

/* Calendar-day profiles (自然日): petitions (信访工作条例: 15 days to accept, 60 to handle,
 * +30 on approval) and people's mediation (one month), with rows in working days beside
 * them; a pause counts in whole days of 24 h. */
static void test_calendar_days(void **st)
{
	(void)st;
	const struct pa_profile *pet = pa_catalog_profile(app.cat, "petition");
	assert_int_equal(pet->unit, PA_UNIT_DAYS);
	assert_non_null(strstr(pet->basis, "信访工作条例"));
	assert_int_equal(pet->lim[PA_TIER_CITY][PA_PHASE_ACCEPT].unit, PA_UNIT_DAYS);
	const struct pa_lifecycle *plc = pa_catalog_type(app.cat, "petition")->lc;
	struct pa_clock c;
	/* received Wednesday 2026-09-16: day 10 is a Mid-Autumn Saturday, day 15 is National
	 * Day; each limit ends with the next working day */
	pa_clock_after(&app, plc, pet, PA_TIER_CITY, PA_TIER_CITY, -1,
		       pa_lifecycle_state(plc, "registered"), cst(2026, 9, 16, 10), 0, NULL, &c);
	assert_int_equal(c.due_yellow, cst(2026, 9, 29, 0));
	assert_int_equal(c.due_red, cst(2026, 10, 9, 0));
	/* accepted Monday 2026-11-02: 60 days → Friday 1 January 2027, plain weeks in 2027 */
	pa_clock_after(&app, plc, pet, PA_TIER_CITY, PA_TIER_CITY,
		       pa_lifecycle_state(plc, "registered"), pa_lifecycle_state(plc, "accepted"),
		       cst(2026, 11, 2, 9), 0, &c, &c);
	assert_int_equal(c.due_red, cst(2027, 1, 2, 0));
	/* +30 days approved: Sunday 31 January → Monday 1 February */
	pa_clock_dues(&app, pet, PA_TIER_CITY, PA_PHASE_HANDLE, 30, &c);
	assert_int_equal(c.due_red, cst(2027, 2, 2, 0));
	/* 29 February 2028 counts: accepted Friday 2027-12-31 … 60 days → Tuesday 2028-02-29 */
	pa_clock_after(&app, plc, pet, PA_TIER_CITY, PA_TIER_TOWN,
		       pa_lifecycle_state(plc, "accepted"), pa_lifecycle_state(plc, "accepted"),
		       cst(2027, 12, 31, 9), 0, &c, &c);
	assert_int_equal(c.due_red, cst(2028, 3, 1, 0));

	/* mediation: accept in working days (1wd / 2wd), handle in calendar days (15 / 20) */
	const struct pa_profile *p = pa_catalog_profile(app.cat, "dispute");
	assert_int_equal(p->lim[PA_TIER_VILLAGE][PA_PHASE_ACCEPT].unit, PA_UNIT_WORKDAYS);
	assert_int_equal(p->lim[PA_TIER_VILLAGE][PA_PHASE_HANDLE].unit, PA_UNIT_DAYS);
	const struct pa_lifecycle *lc = pa_catalog_type(app.cat, "dispute")->lc;
	int reported = pa_lifecycle_state(lc, "reported"),
	    accepted = pa_lifecycle_state(lc, "accepted"),
	    handling = pa_lifecycle_state(lc, "handling"),
	    susp = pa_lifecycle_state(lc, "suspended");
	struct pa_clock c0, c1, c2, c3, c4;
	pa_clock_after(&app, lc, p, PA_TIER_VILLAGE, PA_TIER_VILLAGE, -1, reported,
		       cst(2026, 3, 2, 10), 0, NULL, &c0);
	assert_int_equal(c0.due_yellow, cst(2026, 3, 4, 0)); /* end of Tuesday */
	/* accepted Wednesday 03-04: 15 days → Thursday 03-19, 20 → Tuesday 03-24 */
	pa_clock_after(&app, lc, p, PA_TIER_VILLAGE, PA_TIER_VILLAGE, reported, accepted,
		       cst(2026, 3, 4, 9), 0, &c0, &c1);
	assert_int_equal(c1.due_yellow, cst(2026, 3, 20, 0));
	assert_int_equal(c1.due_red, cst(2026, 3, 25, 0));
	pa_clock_after(&app, lc, p, PA_TIER_VILLAGE, PA_TIER_VILLAGE, accepted, handling,
		       cst(2026, 3, 5, 9), 0, &c1, &c2);
	/* suspended Friday 03-06 09:00 to Thursday 03-12 08:00: 5 days 23 h count as 5 whole
	 * days, so red moves to Sunday 03-29, which is off: Monday 03-30 */
	pa_clock_after(&app, lc, p, PA_TIER_VILLAGE, PA_TIER_VILLAGE, handling, susp,
		       cst(2026, 3, 6, 9), 0, &c2, &c3);
	pa_clock_after(&app, lc, p, PA_TIER_VILLAGE, PA_TIER_VILLAGE, susp, handling,
		       cst(2026, 3, 12, 8), 0, &c3, &c4);
	assert_int_equal(c4.paused_secs, 6 * 86400 - 3600);
	assert_int_equal(c4.due_red, cst(2026, 3, 31, 0));
	assert_int_equal(c4.due_yellow, cst(2026, 3, 25, 0)); /* 15 + 5 → Tuesday 03-24 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phases_and_pause),
		cmocka_unit_test(test_levels_and_hours),
		cmocka_unit_test(test_calendar_days),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
