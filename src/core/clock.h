/* clock.h: the one source of "now" (unix seconds, UTC), so tests can move time, and
 * rendering of times in China Standard Time (UTC+8), the time every user works in. */
#ifndef PA_CLOCK_H
#define PA_CLOCK_H

#include <stdint.h>

int64_t pa_now(void);
/* Shift the clock by `seconds` from now on (tests, simulated sweeps). */
void pa_clock_shift(int64_t seconds);
/* TESTING ONLY (pingan serve --testing-clock FILE): from now on the clock runs as many
 * seconds ahead as FILE says (one whole number, may be negative; missing or unreadable:
 * 0), read again whenever the file changes — so a test can let a lock, a session or a
 * one-time code's time pass without waiting. Never set in service. */
void pa_clock_follow(const char *path);
/* "2026-11-29T08:00:00+08:00"; buf needs 26 bytes. */
char *pa_time_iso(int64_t t, char buf[32]);
/* Year in CST of time t. */
int pa_time_year(int64_t t);
/* The end of the CST day "YYYY-MM-DD" (24:00, i.e. 00:00 CST of the next day) as unix
 * seconds, as deadlines end; -1 if s is not of that shape. */
int64_t pa_day_end(const char *ymd);
/* "YYYY-MM-DD": the CST day a pa_day_end result ends; buf needs 11 bytes. */
char *pa_day_of_end(int64_t end, char buf[16]);

#endif
