/* clock.c: wall clock with a test offset; CST formatting without touching TZ. */
#include "core/clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
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

static char *digits(char *p, int v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

/* Hand-formatted: it runs for every time in every case shown, and printf was a hot spot. */
char *pa_time_iso(int64_t t, char buf[32])
{
	time_t cst = (time_t)(t + 8 * 3600);
	struct tm tm;
	gmtime_r(&cst, &tm);
	char *p = digits(buf, (tm.tm_year + 1900) % 10000, 4);
	*p++ = '-';
	p = digits(p, tm.tm_mon + 1, 2);
	*p++ = '-';
	p = digits(p, tm.tm_mday, 2);
	*p++ = 'T';
	p = digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = digits(p, tm.tm_sec, 2);
	memcpy(p, "+08:00", 7);
	return buf;
}

int pa_time_year(int64_t t)
{
	time_t cst = (time_t)(t + 8 * 3600);
	struct tm tm;
	gmtime_r(&cst, &tm);
	return tm.tm_year + 1900;
}
