/* test_calendar.c: unit tests of the working-day calendar — the shipped 2025–2027 data, deadlines
 * across holidays and 调休 against an independent day-by-day count, city overrides, broken files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar.h"
#include "core/clock.h"
#include "core/err.h"

#define CALDIR PA_DATADIR "/calendar"

/* The official facts (/work/shared/calendar/official.tsv), typed in again so the day-by-day
 * reference below does not read the files under test. */
static const char *holidays[] = {
	"2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-01",
	"2025-02-02", "2025-02-03", "2025-02-04", "2025-04-04", "2025-04-05", "2025-04-06",
	"2025-05-01", "2025-05-02", "2025-05-03", "2025-05-04", "2025-05-05", "2025-05-31",
	"2025-06-01", "2025-06-02", "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04",
	"2025-10-05", "2025-10-06", "2025-10-07", "2025-10-08", "2026-01-01", "2026-01-02",
	"2026-01-03", "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19",
	"2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23", "2026-04-04", "2026-04-05",
	"2026-04-06", "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05",
	"2026-06-19", "2026-06-20", "2026-06-21", "2026-09-25", "2026-09-26", "2026-09-27",
	"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06",
	"2026-10-07",
};
static const char *workdays[] = {
	"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11", "2026-01-04",
	"2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
};

static bool listed(const char *date, const char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], date) == 0)
			return true;
	return false;
}

/* Unix seconds of y-m-d h:mi:s China Standard Time. */
static int64_t cst(int y, int m, int d, int h, int mi, int s)
{
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = m - 1,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi,
			.tm_sec = s};
	return (int64_t)timegm(&tm) - 8 * 3600;
}

static struct tm cst_tm(int64_t t)
{
	time_t x = (time_t)(t + 8 * 3600);
	struct tm tm;
	gmtime_r(&x, &tm);
	return tm;
}

/* Reference: is the CST day containing t a working day, by the facts above. */
static bool ref_workday(int64_t t)
{
	struct tm tm = cst_tm(t);
	char date[40];
	snprintf(date, sizeof date, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	if (listed(date, holidays, sizeof holidays / sizeof *holidays))
		return false;
	if (listed(date, workdays, sizeof workdays / sizeof *workdays))
		return true;
	return tm.tm_wday >= 1 && tm.tm_wday <= 5;
}

static int64_t ref_day_start(int64_t t)
{
	struct tm tm = cst_tm(t);
	return cst(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, 0, 0, 0);
}

/* Reference deadline: walk day by day from the start day, the start day not counted. */
static int64_t ref_deadline(int64_t start, int n)
{
	int64_t day = ref_day_start(start);
	for (int seen = 0;;) {
		day += 86400;
		if (ref_workday(day) && ++seen == n)
			return day + 86400;
	}
}

static const char *iso(int64_t t)
{
	static char buf[4][32];
	static int k;
	return pa_time_iso(t, buf[k++ % 4]);
}

static struct pa_calendar *shipped(void)
{
	struct pa_calendar *c = NULL;
	enum pa_err rc = pa_calendar_load(CALDIR, NULL, &c);
	if (rc)
		fail_msg("%s", pa_err_last()->message);
	return c;
}

/* A watched date (a hazard's 整改期限) ends, like a deadline, at 24:00 CST of its day. */
static void test_day_end(void **st)
{
	(void)st;
	char day[16];
	assert_string_equal(iso(pa_day_end("2026-12-01")), "2026-12-02T00:00:00+08:00");
	assert_string_equal(iso(pa_day_end("2026-12-31")), "2027-01-01T00:00:00+08:00");
	assert_string_equal(pa_day_of_end(pa_day_end("2026-12-31"), day), "2026-12-31");
	assert_string_equal(pa_day_of_end(pa_day_end("2028-02-29"), day), "2028-02-29");
	assert_int_equal(pa_day_end("2026-12-1"), -1);
	assert_int_equal(pa_day_end("2026/12/01"), -1);
	assert_int_equal(pa_day_end("2026-12-01x"), -1);
}

static void test_shipped_facts(void **st)
{
	(void)st;
	struct pa_calendar *c = shipped();
	assert_true(pa_calendar_is_workday(c, 2025, 1, 26)); /* Sunday, 春节调休 */
	assert_false(pa_calendar_is_workday(c, 2025, 1, 1));
	for (int d = 1; d <= 8; d++)
		assert_false(pa_calendar_is_workday(c, 2025, 10, d));
	assert_true(pa_calendar_is_workday(c, 2025, 10, 9));
	assert_true(pa_calendar_is_workday(c, 2025, 10, 11));  /* Saturday, 国庆节调休 */
	assert_false(pa_calendar_is_workday(c, 2025, 10, 12)); /* an ordinary Sunday */
	assert_true(pa_calendar_is_workday(c, 2026, 1, 4));    /* Sunday, 元旦调休 */
	assert_true(pa_calendar_is_workday(c, 2026, 2, 14));
	for (int d = 15; d <= 23; d++)
		assert_false(pa_calendar_is_workday(c, 2026, 2, d));
	assert_true(pa_calendar_is_workday(c, 2026, 2, 28));
	assert_false(pa_calendar_is_workday(c, 2026, 2, 30)); /* no such day */
	assert_false(pa_calendar_is_workday(c, 2026, 13, 1));

	assert_string_equal(pa_calendar_day_name(c, 2025, 10, 1), "国庆节、中秋节");
	assert_string_equal(pa_calendar_day_name(c, 2026, 2, 14), "春节调休");
	assert_null(pa_calendar_day_name(c, 2026, 3, 2));

	assert_true(pa_calendar_year_published(c, 2025));
	assert_true(pa_calendar_year_published(c, 2026));
	assert_false(pa_calendar_year_published(c, 2027));
	assert_false(pa_calendar_year_published(c, 2024));
	assert_false(pa_calendar_year_published(c, 3000));

	/* every day of 2025 and 2026 against the facts; 2027 is plain weeks */
	for (int64_t t = cst(2025, 1, 1, 12, 0, 0); t < cst(2028, 1, 1, 0, 0, 0); t += 86400) {
		struct tm tm = cst_tm(t);
		bool want = tm.tm_year + 1900 == 2027 ? tm.tm_wday >= 1 && tm.tm_wday <= 5
						      : ref_workday(t);
		if (pa_calendar_is_workday(c, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) != want)
			fail_msg("%s: expected %s", iso(t), want ? "workday" : "day off");
	}
	assert_true(pa_calendar_is_workday(c, 2027, 1, 1)); /* Friday: no notice yet */
	assert_false(pa_calendar_is_workday(c, 2027, 1, 2));
	pa_calendar_free(c);
	pa_calendar_free(NULL);
}

static void test_national_day_2025(void **st)
{
	(void)st;
	struct pa_calendar *c = shipped();
	int64_t s = cst(2025, 9, 30, 16, 45, 0); /* Tuesday */
	/* October 1–8 off, Thursday the 9th is the first working day after */
	assert_string_equal(iso(pa_calendar_add_workdays(c, s, 1)), "2025-10-10T00:00:00+08:00");
	assert_int_equal(pa_calendar_add_workdays(c, s, 1), cst(2025, 10, 9, 24, 0, 0));
	assert_string_equal(iso(pa_calendar_add_workdays(c, s, 2)), "2025-10-11T00:00:00+08:00");
	/* Saturday the 11th is a 调休 working day */
	assert_string_equal(iso(pa_calendar_add_workdays(c, s, 3)), "2025-10-12T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_workdays(c, s, 4)), "2025-10-14T00:00:00+08:00");
	/* the hour of acceptance does not matter */
	assert_int_equal(pa_calendar_add_workdays(c, cst(2025, 9, 30, 0, 0, 0), 1),
			 pa_calendar_add_workdays(c, cst(2025, 9, 30, 23, 59, 59), 1));
	/* accepted during the holiday: the first working day is still the 9th */
	assert_string_equal(iso(pa_calendar_add_workdays(c, cst(2025, 10, 3, 10, 0, 0), 1)),
			    "2025-10-10T00:00:00+08:00");

	assert_int_equal(pa_calendar_workdays_between(c, s, cst(2025, 10, 8, 23, 59, 59)), 0);
	assert_int_equal(pa_calendar_workdays_between(c, s, cst(2025, 10, 9, 0, 0, 1)), 1);
	assert_int_equal(pa_calendar_workdays_between(c, s, cst(2025, 10, 10, 0, 0, 0)), 1);
	assert_int_equal(pa_calendar_workdays_between(c, s, cst(2025, 10, 13, 9, 0, 0)), 4);
	assert_int_equal(pa_calendar_workdays_between(c, s, s), 0);
	assert_int_equal(pa_calendar_workdays_between(c, s, s - 86400 * 10), 0);
	pa_calendar_free(c);
}

static void test_spring_festival_2026(void **st)
{
	(void)st;
	struct pa_calendar *c = shipped();
	int64_t fri = cst(2026, 2, 13, 16, 0, 0);
	/* Saturday 14 February is worked (春节调休); 15–23 are off */
	assert_string_equal(iso(pa_calendar_add_workdays(c, fri, 1)), "2026-02-15T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_workdays(c, fri, 2)), "2026-02-25T00:00:00+08:00");
	int64_t sat = cst(2026, 2, 14, 9, 0, 0);
	assert_string_equal(iso(pa_calendar_add_workdays(c, sat, 1)), "2026-02-25T00:00:00+08:00");
	/* 24 Tue … 27 Fri, then Saturday 28 is worked */
	assert_string_equal(iso(pa_calendar_add_workdays(c, cst(2026, 2, 23, 9, 0, 0), 5)),
			    "2026-03-01T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_workdays(c, cst(2026, 2, 23, 9, 0, 0), 6)),
			    "2026-03-03T00:00:00+08:00");
	/* across New Year 2026 too: 1–3 January off, Sunday 4 January worked */
	assert_string_equal(iso(pa_calendar_add_workdays(c, cst(2025, 12, 31, 9, 0, 0), 1)),
			    "2026-01-05T00:00:00+08:00");
	assert_int_equal(pa_calendar_workdays_between(c, cst(2026, 2, 13, 9, 0, 0),
						      cst(2026, 2, 24, 18, 0, 0)),
			 2);
	pa_calendar_free(c);
}

static void test_tiaoxiu_weekend(void **st)
{
	(void)st;
	struct pa_calendar *c = shipped();
	/* Friday 26 September 2025: Sunday 28 September is worked */
	int64_t s = cst(2025, 9, 26, 11, 0, 0);
	assert_string_equal(iso(pa_calendar_add_workdays(c, s, 1)), "2025-09-29T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_workdays(c, s, 2)), "2025-09-30T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_workdays(c, s, 3)), "2025-10-01T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_workdays(c, s, 4)), "2025-10-10T00:00:00+08:00");
	/* accepted on the worked Sunday itself: Monday is the first day */
	assert_string_equal(iso(pa_calendar_add_workdays(c, cst(2025, 9, 28, 8, 0, 0), 1)),
			    "2025-09-30T00:00:00+08:00");
	/* Saturday 25 January 2025 off, Sunday 26 worked */
	assert_string_equal(iso(pa_calendar_add_workdays(c, cst(2025, 1, 24, 17, 0, 0), 1)),
			    "2025-01-27T00:00:00+08:00");
	pa_calendar_free(c);
}

static void test_zero_days(void **st)
{
	(void)st;
	struct pa_calendar *c = shipped();
	/* today if a working day, else the next one */
	assert_string_equal(iso(pa_calendar_add_workdays(c, cst(2025, 9, 30, 10, 0, 0), 0)),
			    "2025-10-01T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_workdays(c, cst(2025, 10, 3, 10, 0, 0), 0)),
			    "2025-10-10T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_workdays(c, cst(2025, 10, 11, 10, 0, 0), 0)),
			    "2025-10-12T00:00:00+08:00");
	assert_int_equal(pa_calendar_add_workdays(c, cst(2025, 10, 3, 10, 0, 0), -5),
			 pa_calendar_add_workdays(c, cst(2025, 10, 3, 10, 0, 0), 0));
	/* midnight belongs to the day it starts */
	assert_string_equal(iso(pa_calendar_add_workdays(c, cst(2025, 10, 1, 0, 0, 0), 0)),
			    "2025-10-10T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_workdays(c, cst(2025, 9, 30, 23, 59, 59), 0)),
			    "2025-10-01T00:00:00+08:00");
	pa_calendar_free(c);
}

/* Petition limits (15 days to accept, 60 to handle) from every day of 2025–2026 at several
 * hours, against the day-by-day reference. */
static void test_petition_limits(void **st)
{
	(void)st;
	struct pa_calendar *c = shipped();
	static const int hours[][3] = {{0, 0, 0}, {9, 30, 0}, {15, 59, 59}, {23, 59, 59}};
	int checked = 0;
	for (int64_t day = cst(2025, 1, 1, 0, 0, 0); day < cst(2026, 9, 1, 0, 0, 0); day += 86400)
		for (size_t h = 0; h < 4; h++) {
			int64_t s = day + hours[h][0] * 3600 + hours[h][1] * 60 + hours[h][2];
			for (int n = 15; n <= 60; n += 45) {
				int64_t got = pa_calendar_add_workdays(c, s, n);
				int64_t want = ref_deadline(s, n);
				if (got != want)
					fail_msg("%s + %d working days: %s, expected %s", iso(s), n,
						 iso(got), iso(want));
				assert_int_equal(pa_calendar_workdays_between(c, s, got), n);
				checked++;
			}
		}
	assert_true(checked > 4000);
	/* spelled out: accepted Tuesday 2025-09-30, 15 working days → end of 2025-10-28 */
	assert_string_equal(iso(pa_calendar_add_workdays(c, cst(2025, 9, 30, 10, 0, 0), 15)),
			    "2025-10-29T00:00:00+08:00");
	/* 60 working days from Monday 2026-01-05 through Spring Festival → end of 2026-04-03 */
	assert_string_equal(iso(pa_calendar_add_workdays(c, cst(2026, 1, 5, 10, 0, 0), 60)),
			    "2026-04-04T00:00:00+08:00");
	pa_calendar_free(c);
}

/* Reference for calendar days: the start day plus n, then on to the first working day. */
static int64_t ref_days(int64_t start, int n)
{
	int64_t day = ref_day_start(start) + (int64_t)n * 86400;
	while (!ref_workday(day))
		day += 86400;
	return day + 86400;
}

/* Calendar-day limits (自然日): the last day, when a day off, moves to the next working
 * day (民法典 第二百零三条); swept against the reference over 2025–2026, then spelled out
 * at month ends, year ends, 29 February 2028 and the days around a holiday. */
static void test_calendar_days(void **st)
{
	(void)st;
	struct pa_calendar *c = shipped();
	static const int ns[] = {1, 2, 10, 15, 30, 60};
	int checked = 0;
	for (int64_t day = cst(2025, 1, 1, 0, 0, 0); day < cst(2026, 11, 1, 0, 0, 0); day += 86400)
		for (int h = 0; h < 24; h += 23)
			for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
				int64_t s = day + h * 3600 + 59 * 60;
				int64_t got = pa_calendar_add_days(c, s, ns[k]);
				if (got != ref_days(s, ns[k]))
					fail_msg("%s + %d days: %s, expected %s", iso(s), ns[k],
						 iso(got), iso(ref_days(s, ns[k])));
				checked++;
			}
	assert_true(checked > 7000);
	/* month ends: Saturday 31 January + 30 → Monday 2 March (February has 28 days) */
	assert_string_equal(iso(pa_calendar_add_days(c, cst(2026, 1, 31, 10, 0, 0), 30)),
			    "2026-03-03T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_days(c, cst(2026, 3, 31, 10, 0, 0), 30)),
			    "2026-05-01T00:00:00+08:00");
	/* 30 April + 1 is Labour Day: May 1–5 are off, the limit ends on Wednesday 6 May */
	assert_string_equal(iso(pa_calendar_add_days(c, cst(2026, 4, 30, 10, 0, 0), 1)),
			    "2026-05-07T00:00:00+08:00");
	/* year ends: 2025-12-17 + 15 is New Year's Day; Sunday 4 January is a make-up working
	 * day (调休), so the limit ends then, not on Monday */
	assert_string_equal(iso(pa_calendar_add_days(c, cst(2025, 12, 17, 10, 0, 0), 15)),
			    "2026-01-05T00:00:00+08:00");
	/* 2027's arrangement is not published: Friday 1 January 2027 counts as a working day */
	assert_string_equal(iso(pa_calendar_add_days(c, cst(2026, 12, 17, 10, 0, 0), 15)),
			    "2027-01-02T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_days(c, cst(2026, 12, 31, 23, 59, 59), 1)),
			    "2027-01-02T00:00:00+08:00");
	/* 29 February 2028 (a Tuesday) exists and counts */
	assert_string_equal(iso(pa_calendar_add_days(c, cst(2028, 2, 14, 9, 0, 0), 15)),
			    "2028-03-01T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_days(c, cst(2028, 1, 30, 9, 0, 0), 30)),
			    "2028-03-01T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_days(c, cst(2028, 2, 29, 9, 0, 0), 1)),
			    "2028-03-02T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_days(c, cst(2027, 2, 28, 9, 0, 0), 1)),
			    "2027-03-02T00:00:00+08:00");
	/* around a holiday: from its last day, from the day after it, into a 调休 Saturday */
	assert_string_equal(iso(pa_calendar_add_days(c, cst(2026, 10, 3, 10, 0, 0), 1)),
			    "2026-10-09T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_days(c, cst(2026, 10, 8, 10, 0, 0), 1)),
			    "2026-10-10T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_days(c, cst(2026, 10, 7, 10, 0, 0), 3)),
			    "2026-10-11T00:00:00+08:00");
	/* the example of calendar.h: 15 days from 16 September end with National Day */
	assert_string_equal(iso(pa_calendar_add_days(c, cst(2026, 9, 16, 10, 0, 0), 15)),
			    "2026-10-09T00:00:00+08:00");
	/* none or less: today, as for working days */
	for (int64_t s = cst(2026, 9, 28, 10, 0, 0); s < cst(2026, 10, 12, 0, 0, 0); s += 86400) {
		assert_int_equal(pa_calendar_add_days(c, s, 0), pa_calendar_add_workdays(c, s, 0));
		assert_int_equal(pa_calendar_add_days(c, s, -3), pa_calendar_add_workdays(c, s, 0));
	}
	/* without a calendar: plain weeks, a Sunday or Saturday end moves to Monday */
	assert_string_equal(iso(pa_calendar_add_days(NULL, cst(2026, 10, 3, 10, 0, 0), 1)),
			    "2026-10-06T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_days(NULL, cst(2026, 10, 2, 10, 0, 0), 1)),
			    "2026-10-06T00:00:00+08:00");
	pa_calendar_free(c);
}

static void test_2027_plain_weeks(void **st)
{
	(void)st;
	struct pa_calendar *c = shipped();
	assert_false(pa_calendar_year_published(c, 2027));
	/* Thursday 2026-12-31 → Friday 2027-01-01 (would be 元旦 once the notice is out) */
	assert_string_equal(iso(pa_calendar_add_workdays(c, cst(2026, 12, 31, 9, 0, 0), 1)),
			    "2027-01-02T00:00:00+08:00");
	/* Monday 2027-01-04 + 60 = twelve plain weeks → Monday 2027-03-29 */
	assert_string_equal(iso(pa_calendar_add_workdays(c, cst(2027, 1, 4, 9, 0, 0), 60)),
			    "2027-03-30T00:00:00+08:00");
	/* same answers without any calendar (NULL: plain weeks) */
	for (int n = 0; n <= 70; n++) {
		int64_t s = cst(2027, 5, 6, 9, 0, 0);
		assert_int_equal(pa_calendar_add_workdays(c, s, n),
				 pa_calendar_add_workdays(NULL, s, n));
	}
	assert_false(pa_calendar_year_published(NULL, 2025));
	assert_false(pa_calendar_is_workday(NULL, 2025, 10, 4));
	assert_true(pa_calendar_is_workday(NULL, 2025, 10, 1));
	pa_calendar_free(c);
}

static void test_hours(void **st)
{
	(void)st;
	int64_t s = cst(2025, 9, 30, 20, 0, 0);
	/* clock hours run through the night and the holiday */
	assert_string_equal(iso(pa_calendar_add_hours(s, 2)), "2025-09-30T22:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_hours(s, 24)), "2025-10-01T20:00:00+08:00");
	assert_int_equal(pa_calendar_add_hours(s, 0), s);
	assert_int_equal(pa_calendar_add_hours(s, -3), s);
	assert_int_equal(pa_calendar_add_hours(INT64_MAX - 10, 1), INT64_MAX);
}

static void test_extremes(void **st)
{
	(void)st;
	struct pa_calendar *c = shipped();
	assert_int_equal(pa_calendar_add_workdays(c, INT64_MAX, 5), INT64_MAX);
	assert_int_equal(pa_calendar_add_workdays(c, INT64_MAX - 86400 * 30, 60), INT64_MAX);
	int64_t far = pa_calendar_add_workdays(c, 0, INT_MAX);
	assert_true(far > (int64_t)INT_MAX * 86400);
	assert_int_equal(pa_calendar_workdays_between(c, 0, far), INT_MAX);
	assert_int_equal(pa_calendar_workdays_between(c, INT64_MIN, INT64_MAX), INT_MAX);
	/* before 1970 and after 2199: plain weeks. Wednesday 1969-12-31 → Thursday. */
	assert_string_equal(iso(pa_calendar_add_workdays(c, cst(1969, 12, 31, 9, 0, 0), 1)),
			    "1970-01-02T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_workdays(c, cst(1969, 12, 26, 9, 0, 0), 1)),
			    "1969-12-30T00:00:00+08:00");
	/* a span across the whole table from before it to after it */
	int64_t a = cst(1960, 1, 1, 0, 0, 0), b = cst(2300, 1, 1, 0, 0, 0);
	int n = pa_calendar_workdays_between(c, a, b);
	assert_int_equal(pa_calendar_workdays_between(c, a, pa_calendar_add_workdays(c, a, n)), n);
	int holidays_lost = pa_calendar_workdays_between(NULL, a, b) - n;
	/* 2025: 18 weekday holidays, 5 worked weekend days; 2026: 19 and 6 */
	assert_int_equal(holidays_lost, (18 - 5) + (19 - 6));
	pa_calendar_free(c);
}

/* 2000 random starts in 2025–2026 and limits of 1..70: the deadline and the count agree. */
static void test_property(void **st)
{
	(void)st;
	struct pa_calendar *c = shipped();
	srand(20251001);
	int64_t lo = cst(2025, 1, 1, 0, 0, 0), span = cst(2027, 1, 1, 0, 0, 0) - lo;
	for (int i = 0; i < 2000; i++) {
		int64_t s = lo +
			    (int64_t)(((uint64_t)rand() << 16 ^ (uint64_t)rand()) % (uint64_t)span);
		int n = 1 + rand() % 70;
		int64_t dl = pa_calendar_add_workdays(c, s, n);
		if (pa_calendar_workdays_between(c, s, dl) != n)
			fail_msg("%s + %d: deadline %s counts %d", iso(s), n, iso(dl),
				 pa_calendar_workdays_between(c, s, dl));
		/* a CST midnight ending a working day, and the least such */
		assert_int_equal((dl + 8 * 3600) % 86400, 0);
		struct tm tm = cst_tm(dl - 1);
		assert_true(
			pa_calendar_is_workday(c, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday));
		assert_int_equal(pa_calendar_workdays_between(c, s, dl - 86400), n - 1);
		assert_int_equal(dl, ref_deadline(s, n));
	}
	pa_calendar_free(c);
}

/* ---- files in a temporary directory ---- */

static char tmpdir[64];

static void mk_tmp(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/pingan-cal-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
}

static void rm_tmp(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
}

static void write_file(const char *name, const char *text)
{
	char p[256];
	snprintf(p, sizeof p, "%s/%s", tmpdir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void copy_shipped(void)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "cp %s/mainland-*.tsv %s/", CALDIR, tmpdir);
	assert_int_equal(system(cmd), 0);
}

static void test_city_override(void **st)
{
	(void)st;
	mk_tmp();
	copy_shipped();
	/* Tianmen (429006): a local holiday, a mainland holiday taken back, a worked Sunday */
	write_file("429006-2025.tsv", "# 天门市 2025\ndate\tkind\tname\n"
				      "2025-10-09\tholiday\t本地节日\n"
				      "2025-10-08\tworkday\t本地调休\n"
				      "2025-10-12\tworkday\t本地调休\n");
	write_file("429006-2027.tsv", "2027-03-01\tholiday\t本地节日\n");
	write_file("420100-2025.tsv", "2025-10-10\tholiday\t武汉\n"); /* another city */
	write_file("notes.txt", "not a calendar\n");

	struct pa_calendar *m, *t, *w;
	assert_int_equal(pa_calendar_load(tmpdir, NULL, &m), PA_OK);
	assert_int_equal(pa_calendar_load(tmpdir, "429006", &t), PA_OK);
	assert_int_equal(pa_calendar_load(tmpdir, "110000", &w), PA_OK); /* no files: mainland */

	assert_true(pa_calendar_is_workday(m, 2025, 10, 9));
	assert_false(pa_calendar_is_workday(t, 2025, 10, 9));
	assert_false(pa_calendar_is_workday(m, 2025, 10, 8));
	assert_true(pa_calendar_is_workday(t, 2025, 10, 8));
	assert_true(pa_calendar_is_workday(t, 2025, 10, 12));
	assert_true(pa_calendar_is_workday(t, 2025, 10, 10)); /* 420100's file not loaded */
	assert_false(pa_calendar_is_workday(t, 2027, 3, 1));
	assert_true(pa_calendar_is_workday(m, 2027, 3, 1));
	assert_string_equal(pa_calendar_day_name(t, 2025, 10, 9), "本地节日");
	assert_string_equal(pa_calendar_day_name(t, 2025, 10, 8), "本地调休");
	assert_string_equal(pa_calendar_day_name(m, 2025, 10, 8), "国庆节、中秋节");
	assert_string_equal(pa_calendar_day_name(t, 2025, 10, 7), "国庆节、中秋节");
	/* a city file does not make the national arrangement published */
	assert_false(pa_calendar_year_published(t, 2027));
	assert_true(pa_calendar_year_published(t, 2025));

	int64_t s = cst(2025, 9, 30, 10, 0, 0);
	assert_string_equal(iso(pa_calendar_add_workdays(m, s, 1)), "2025-10-10T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_workdays(t, s, 1)), "2025-10-09T00:00:00+08:00");
	assert_string_equal(iso(pa_calendar_add_workdays(t, s, 2)), "2025-10-11T00:00:00+08:00");
	for (int n = 0; n <= 70; n++)
		assert_int_equal(pa_calendar_add_workdays(w, s, n),
				 pa_calendar_add_workdays(m, s, n));
	pa_calendar_free(m);
	pa_calendar_free(t);
	pa_calendar_free(w);

	/* a broken city file stops the city's load, not the mainland one */
	write_file("429006-2026.tsv", "2026-05-06\tholday\tx\n");
	assert_int_equal(pa_calendar_load(tmpdir, "429006", &t), PA_DATA_FILE);
	assert_null(t);
	assert_non_null(strstr(pa_err_last()->message, "429006-2026.tsv:1: kind:"));
	assert_int_equal(pa_calendar_load(tmpdir, NULL, &m), PA_OK);
	pa_calendar_free(m);

	assert_int_equal(pa_calendar_load(tmpdir, "../etc", &t), PA_DATA_FILE);
	assert_string_equal(pa_err_last()->field, "city");
	assert_int_equal(pa_calendar_load(tmpdir, "mainland", &t), PA_DATA_FILE);
	rm_tmp();
}

static void test_broken_files(void **st)
{
	(void)st;
	static const struct {
		const char *file, *text, *where, *field;
	} cases[] = {
		{"mainland-2026.tsv", "# c\ndate\tkind\tname\n2026-02-30\tholiday\t春节\n",
		 "mainland-2026.tsv:3: date: ", "date"},
		{"mainland-2026.tsv", "2026-13-01\tholiday\tx\n",
		 "mainland-2026.tsv:1: date: ", "date"},
		{"mainland-2026.tsv", "2026-2-3\tholiday\tx\n",
		 "mainland-2026.tsv:1: date: ", "date"},
		{"mainland-2026.tsv", "2026-05-01\tholiday\t劳动节\n2026-05-02\tvacation\t劳动节\n",
		 "mainland-2026.tsv:2: kind: ", "kind"},
		{"mainland-2026.tsv", "2026-01-01\tholiday\t元旦\n\n2025-12-31\tholiday\t元旦\n",
		 "mainland-2026.tsv:3: date: ", "date"},
		{"mainland-2025.tsv",
		 "2025-10-01\tholiday\t国庆节\n2025-10-02\tholiday\t国庆节\n2025-10-01\tworkday\t"
		 "调休\n",
		 "mainland-2025.tsv:3: date: ", "date"},
		{"mainland-2026.tsv", "2026-05-01\tholiday\n",
		 "mainland-2026.tsv:1: name: ", "name"},
		{"mainland-2026.tsv", "2026-05-01\tholiday\tx\ty\n",
		 "mainland-2026.tsv:1: name: ", "name"},
		{"mainland-2026.tsv", "2026-05-01 holiday 劳动节\n",
		 "mainland-2026.tsv:1: date: ", "date"},
		{"mainland-2026.tsv", "2026-05-01\tholiday\t\xff\xfe\n",
		 "mainland-2026.tsv:1: name: ", "name"},
		{"mainland-26.tsv", "", "mainland-26.tsv: the name must be mainland-YYYY.tsv",
		 "file"},
		{"mainland-1900.tsv", "", "mainland-1900.tsv: the name must be", "file"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		mk_tmp();
		write_file("mainland-2027.tsv", "# empty\n");
		write_file(cases[i].file, cases[i].text);
		struct pa_calendar *c = (struct pa_calendar *)1;
		enum pa_err rc = pa_calendar_load(tmpdir, NULL, &c);
		if (rc != PA_DATA_FILE)
			fail_msg("case %zu: loaded", i);
		assert_null(c);
		const char *msg = pa_err_last()->message;
		if (!strstr(msg, cases[i].where) || !strstr(msg, tmpdir))
			fail_msg("case %zu: message \"%s\" does not name \"%s\"", i, msg,
				 cases[i].where);
		assert_string_equal(pa_err_last()->field, cases[i].field);
		rm_tmp();
	}

	/* the messages say what is wrong */
	mk_tmp();
	write_file("mainland-2026.tsv", "2026-02-30\tholiday\t春节\n");
	struct pa_calendar *c;
	assert_int_equal(pa_calendar_load(tmpdir, NULL, &c), PA_DATA_FILE);
	assert_non_null(strstr(pa_err_last()->message, "2026-02 has 28 days"));
	write_file("mainland-2026.tsv", "2026-01-01\tholiday\t元旦\n2026-01-01\tholiday\t元旦\n");
	assert_int_equal(pa_calendar_load(tmpdir, NULL, &c), PA_DATA_FILE);
	assert_non_null(strstr(pa_err_last()->message, "listed twice (first on line 1)"));
	write_file("mainland-2026.tsv", "2026-05-01 holiday 劳动节\n");
	assert_int_equal(pa_calendar_load(tmpdir, NULL, &c), PA_DATA_FILE);
	assert_non_null(strstr(pa_err_last()->message, "separated by tabs"));
	/* a BOM, CRLF line ends and a header are fine */
	write_file("mainland-2026.tsv",
		   "\xEF\xBB\xBF# c\r\ndate\tkind\tname\r\n2026-05-01\tholiday\t劳动节\r\n");
	assert_int_equal(pa_calendar_load(tmpdir, NULL, &c), PA_OK);
	assert_false(pa_calendar_is_workday(c, 2026, 5, 1));
	assert_string_equal(pa_calendar_day_name(c, 2026, 5, 1), "劳动节");
	pa_calendar_free(c);
	rm_tmp();

	/* no mainland file at all, and no directory */
	mk_tmp();
	write_file("429006-2026.tsv", "2026-05-06\tholiday\tx\n");
	assert_int_equal(pa_calendar_load(tmpdir, "429006", &c), PA_DATA_FILE);
	assert_non_null(strstr(pa_err_last()->message, "no mainland-YYYY.tsv"));
	rm_tmp();
	assert_int_equal(pa_calendar_load("/nonexistent/calendar", NULL, &c), PA_DATA_FILE);
	assert_non_null(strstr(pa_err_last()->message, "/nonexistent/calendar"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_day_end),
		cmocka_unit_test(test_shipped_facts),
		cmocka_unit_test(test_national_day_2025),
		cmocka_unit_test(test_spring_festival_2026),
		cmocka_unit_test(test_tiaoxiu_weekend),
		cmocka_unit_test(test_zero_days),
		cmocka_unit_test(test_petition_limits),
		cmocka_unit_test(test_calendar_days),
		cmocka_unit_test(test_2027_plain_weeks),
		cmocka_unit_test(test_hours),
		cmocka_unit_test(test_extremes),
		cmocka_unit_test(test_property),
		cmocka_unit_test(test_city_override),
		cmocka_unit_test(test_broken_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
