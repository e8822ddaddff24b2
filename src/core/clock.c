/* clock.c: wall clock with a test offset; CST formatting without touching TZ. */
#include "core/clock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static _Atomic int64_t offset;

/* The testing clock file and what was last read from it. */
static struct {
	char path[1024];
	struct stat seen;
	int64_t ahead;
	pthread_mutex_t mu;
} follow = {.mu = PTHREAD_MUTEX_INITIALIZER};
static atomic_bool following;

static int64_t followed(void)
{
	pthread_mutex_lock(&follow.mu);
	struct stat st;
	if (stat(follow.path, &st) != 0)
		memset(&st, 0, sizeof st);
	if (st.st_ino != follow.seen.st_ino || st.st_size != follow.seen.st_size ||
	    st.st_mtim.tv_sec != follow.seen.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != follow.seen.st_mtim.tv_nsec) {
		follow.seen = st;
		follow.ahead = 0;
		FILE *f = st.st_ino ? fopen(follow.path, "r") : NULL;
		long long v;
		if (f && fscanf(f, "%lld", &v) == 1)
			follow.ahead = v;
		if (f)
			fclose(f);
	}
	int64_t ahead = follow.ahead;
	pthread_mutex_unlock(&follow.mu);
	return ahead;
}

int64_t pa_now(void)
{
	int64_t t = (int64_t)time(NULL) + atomic_load(&offset);
	return atomic_load_explicit(&following, memory_order_acquire) ? t + followed() : t;
}

void pa_clock_follow(const char *path)
{
	pthread_mutex_lock(&follow.mu);
	snprintf(follow.path, sizeof follow.path, "%s", path);
	memset(&follow.seen, 0, sizeof follow.seen);
	follow.ahead = 0;
	pthread_mutex_unlock(&follow.mu);
	atomic_store_explicit(&following, true, memory_order_release);
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

int64_t pa_day_end(const char *s)
{
	for (int i = 0; i < 10; i++)
		if (!s[i] || (i == 4 || i == 7 ? s[i] != '-' : s[i] < '0' || s[i] > '9'))
			return -1;
	if (s[10])
		return -1;
	struct tm tm = {
		.tm_year = atoi(s) - 1900, .tm_mon = atoi(s + 5) - 1, .tm_mday = atoi(s + 8)};
	return (int64_t)timegm(&tm) + 86400 - 8 * 3600;
}

char *pa_day_of_end(int64_t end, char buf[16])
{
	char iso[32];
	pa_time_iso(end - 1, iso);
	memcpy(buf, iso, 10);
	buf[10] = 0;
	return buf;
}
