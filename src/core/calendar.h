/* calendar.h: the working-day calendar every deadline counts by — weekends, the official
 * public holidays and 调休 make-up working days, per year from data files, per city overridable.
 * A loaded calendar is immutable and may be read from any thread.
 *
 * Days are calendar days in China Standard Time (UTC+8, no DST), the time every user works
 * in; as in clock.c the offset is applied by arithmetic, never through TZ. A day runs from
 * 00:00:00 CST (inclusive) to 24:00 CST, which is 00:00:00 of the next day (exclusive).
 *
 * Query functions take c == NULL as "no calendar loaded": plain Monday–Friday weeks. */
#ifndef PA_CALENDAR_H
#define PA_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

/* Years a calendar file may describe; outside them every year is plain weeks. */
#define PA_CALENDAR_MIN_YEAR 1970
#define PA_CALENDAR_MAX_YEAR 2199

struct pa_calendar;

/* Load dir/mainland-YYYY.tsv for every year present and, when city is non-NULL,
 * dir/<city>-YYYY.tsv on top (a city's entry for a date replaces the mainland's). Files of
 * other cities and other names are ignored. Format: data/calendar/README.md. At least one
 * mainland file must exist. On any problem returns PA_DATA_FILE with
 * "file:line: field: problem" in pa_err_last() and *out = NULL. The caller frees *out with
 * pa_calendar_free. */
enum pa_err pa_calendar_load(const char *dir, const char *city, struct pa_calendar **out);
void pa_calendar_free(struct pa_calendar *c); /* NULL-safe */

/* Whether y-m-d is a working day: Saturday and Sunday are off unless listed `workday`,
 * Monday–Friday are on unless listed `holiday`. An impossible date (2026-02-30) is not. */
bool pa_calendar_is_workday(const struct pa_calendar *c, int y, int m, int d);
/* The name of a listed date ("国庆节", "春节调休"), or NULL for an ordinary day. The
 * string lives as long as c. */
const char *pa_calendar_day_name(const struct pa_calendar *c, int y, int m, int d);
/* Whether the State Council's arrangement for `year` is loaded: mainland-YYYY.tsv exists
 * with at least one dated row. When false, that year counts as plain weeks and the UI
 * should say so beside deadlines that fall in it. City files do not count. */
bool pa_calendar_year_published(const struct pa_calendar *c, int year);

/* Deadline of a limit of `days` working days for something started at `start` (unix
 * seconds), as unix seconds:
 *  - the day of `start` (its CST day) never counts, whatever the hour;
 *  - days >= 1: the end (24:00 CST) of the days-th working day after the start day;
 *  - days <= 0: the end of the start day if it is a working day, else the end of the next
 *    working day ("today").
 * The result is always a CST midnight: 24:00 of the deadline day, i.e. 00:00:00 CST of the
 * day after it, so it renders as the next date at 00:00 (a caller showing the deadline day
 * should render result - 1). Something is on time while now < deadline and overdue from
 * now >= deadline. Example: accepted 2025-09-30 (Tuesday) at any hour, 1 working day →
 * 2025-10-09 24:00 CST (October 1–8 are the National Day holiday). Cost: a few bitmap word
 * reads for the limits in use (60 days), independent of the hour. */
int64_t pa_calendar_add_workdays(const struct pa_calendar *c, int64_t start, int days);

/* Deadline of a limit of `days` calendar days (自然日) for something started at `start`: the
 * day of `start` never counts and the limit ends at 24:00 CST of the days-th day after it —
 * unless that day is not a working day (a weekend or public holiday): then, as for every
 * period counted in days in Chinese law (民法典 第二百零三条: 期间的最后一日是法定休假日的，
 * 以法定休假日结束的次日为期间的最后一日), it ends with the first working day after it.
 * days <= 0 gives what pa_calendar_add_workdays gives for 0. Example: a petition received
 * 2026-09-16, 15 days to accept → day 15 is 2026-10-01 (National Day) → 2026-10-08 24:00. */
int64_t pa_calendar_add_days(const struct pa_calendar *c, int64_t start, int days);

/* Working days strictly after the CST day of `from` up to and including the CST day of
 * `to`, where `to` is read as the end of a span: a `to` at exactly 00:00:00 CST ends the day
 * before (so a deadline from pa_calendar_add_workdays belongs to its deadline day). 0 if
 * to <= from. For every start s and n >= 1:
 *   pa_calendar_workdays_between(c, s, pa_calendar_add_workdays(c, s, n)) == n, and
 *   pa_calendar_workdays_between(c, s, pa_calendar_add_workdays(c, s, n) - 86400) == n - 1.
 * Use it for elapsed working days (a paused period, the days used of a limit); decide
 * overdue by comparing times with the deadline, not by counts. */
int pa_calendar_workdays_between(const struct pa_calendar *c, int64_t from, int64_t to);

/* Deadline of a limit in hours (urgent 12345-style requests, 2–24 h): plain clock hours,
 * start + hours × 3600, running through nights, weekends and holidays alike. hours <= 0
 * gives start. */
int64_t pa_calendar_add_hours(int64_t start, int hours);

#endif
