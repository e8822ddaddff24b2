/* clock.c: wall clock with a test offset; CST formatting without touching TZ. */
#include "core/clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static _Atomic int64_t offset;

int64_t pa_now(void)
{
	return (int64_t)time(NULL) + atomic_load(&offset);
}

void pa_clock_shift(int64_t seconds)
{
	atomic_fetch_add(&offset, seconds);
}

char *pa_time_iso(int64_t t, char buf[32])
{
	time_t cst = (time_t)(t + 8 * 3600);
	struct tm tm;
	gmtime_r(&cst, &tm);
	snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
		 tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
	return buf;
}

int pa_time_year(int64_t t)
{
	time_t cst = (time_t)(t + 8 * 3600);
	struct tm tm;
	gmtime_r(&cst, &tm);
	return tm.tm_year + 1900;
}
