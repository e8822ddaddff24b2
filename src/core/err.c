/* err.c: names, HTTP statuses and per-thread detail for enum pa_err. */
#include "core/err.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int status;
	const char *hint;
} table[] = {
#define PA_X(name, status, msg) {#name, status, msg},
	PA_ERR_MAP(PA_X)
#undef PA_X
};

static _Thread_local struct pa_errinfo last;

const char *pa_err_name(enum pa_err e)
{
	return (unsigned)e < PA_ERR__COUNT ? table[e].name : "INTERNAL";
}

int pa_err_status(enum pa_err e)
{
	return (unsigned)e < PA_ERR__COUNT ? table[e].status : 500;
}

const char *pa_err_hint(enum pa_err e)
{
	return (unsigned)e < PA_ERR__COUNT ? table[e].hint : "internal error";
}

/* Messages carry user input (codes, values): keep them valid UTF-8 — an invalid byte or a
 * character cut by the buffer's end becomes '?' — so every error body can be built. */
static void sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		int n = *p < 0x80             ? 0
			: (*p & 0xE0) == 0xC0 ? 1
			: (*p & 0xF0) == 0xE0 ? 2
			: (*p & 0xF8) == 0xF0 ? 3
					      : -1;
		bool ok = n >= 0 && !(n == 1 && *p < 0xC2) && *p <= 0xF4;
		for (int i = 1; ok && i <= n; i++)
			ok = (p[i] & 0xC0) == 0x80;
		if (!ok) {
			*p++ = '?';
			continue;
		}
		p += n + 1;
	}
}

enum pa_err pa_verrf(enum pa_err e, const char *field, const char *fmt, va_list ap)
{
	last.code = e;
	if (fmt)
		vsnprintf(last.message, sizeof last.message, fmt, ap);
	else
		snprintf(last.message, sizeof last.message, "%s", pa_err_hint(e));
	snprintf(last.field, sizeof last.field, "%s", field ? field : "");
	last.retry_after = 0;
	sanitize(last.message);
	sanitize(last.field);
	return e;
}

enum pa_err pa_errf(enum pa_err e, const char *field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pa_verrf(e, field, fmt, ap);
	va_end(ap);
	return e;
}

void pa_err_retry_after(int seconds)
{
	last.retry_after = seconds > 0 ? seconds : 1;
}

const struct pa_errinfo *pa_err_last(void)
{
	if (!last.message[0])
		snprintf(last.message, sizeof last.message, "%s", pa_err_hint(last.code));
	return &last;
}

void pa_err_clear(void)
{
	memset(&last, 0, sizeof last);
}

void pa_err_set_info(const struct pa_errinfo *info)
{
	last = *info;
}
