/* jw.c: the streaming JSON writer. */
#include "core/jw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"

void pa_jw_init(struct pa_jw *w, size_t limit)
{
	memset(w, 0, sizeof *w);
	w->limit = limit ? limit : (64u << 20);
	w->first[0] = true;
}

void pa_jw_free(struct pa_jw *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

char *pa_jw_take(struct pa_jw *w, size_t *len)
{
	char *b = w->buf;
	if (!b) {
		b = malloc(1);
		b[0] = 0;
	}
	if (len)
		*len = w->len;
	size_t limit = w->limit;
	w->buf = NULL;
	pa_jw_free(w);
	pa_jw_init(w, limit);
	return b;
}

static bool room(struct pa_jw *w, size_t n)
{
	if (w->overflow)
		return false;
	if (w->len + n + 1 <= w->cap)
		return true;
	if (w->len + n + 1 > w->limit) {
		w->overflow = true;
		return false;
	}
	size_t cap = w->cap ? w->cap : 4096;
	while (cap < w->len + n + 1)
		cap *= 2;
	/* Never beyond the limit, so the fast paths that only compare with cap keep it. */
	if (cap > w->limit)
		cap = w->limit;
	char *b = realloc(w->buf, cap);
	if (!b) {
		w->overflow = true;
		return false;
	}
	w->buf = b;
	w->cap = cap;
	return true;
}

static inline void put(struct pa_jw *w, const char *s, size_t n)
{
	if (w->len + n + 1 > w->cap && !room(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = 0;
}

static inline void putc_(struct pa_jw *w, char c)
{
	if (w->len + 2 > w->cap && !room(w, 1))
		return;
	w->buf[w->len++] = c;
	w->buf[w->len] = 0;
}

/* Before any value: a comma unless first at this depth or right after a key. */
static void sep(struct pa_jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		putc_(w, ',');
	w->first[w->depth] = false;
}

static void open_(struct pa_jw *w, char c)
{
	sep(w);
	putc_(w, c);
	if (w->depth + 1 < PA_JW_DEPTH)
		w->depth++;
	else
		w->overflow = true;
	w->first[w->depth] = true;
}

static void close_(struct pa_jw *w, char c)
{
	putc_(w, c);
	if (w->depth > 0)
		w->depth--;
}

void pa_jw_obj(struct pa_jw *w)
{
	open_(w, '{');
}
void pa_jw_obj_end(struct pa_jw *w)
{
	close_(w, '}');
}
void pa_jw_arr(struct pa_jw *w)
{
	open_(w, '[');
}
void pa_jw_arr_end(struct pa_jw *w)
{
	close_(w, ']');
}

static void escaped(struct pa_jw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	putc_(w, '"');
	const char *run = s;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (__builtin_expect(c >= 0x20 && c != '"' && c != '\\', 1))
			continue;
		put(w, run, (size_t)(p - run));
		run = p + 1;
		switch (c) {
		case '"':
			put(w, "\\\"", 2);
			break;
		case '\\':
			put(w, "\\\\", 2);
			break;
		case '\n':
			put(w, "\\n", 2);
			break;
		case '\t':
			put(w, "\\t", 2);
			break;
		case '\r':
			put(w, "\\r", 2);
			break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			put(w, u, 6);
		}
		}
	}
	put(w, run, strlen(run));
	putc_(w, '"');
}

void pa_jw_key(struct pa_jw *w, const char *k)
{
	sep(w);
	escaped(w, k);
	putc_(w, ':');
	w->after_key = true;
}

void pa_jw_str(struct pa_jw *w, const char *s)
{
	sep(w);
	if (s)
		escaped(w, s);
	else
		put(w, "null", 4);
}

void pa_jw_int(struct pa_jw *w, int64_t v)
{
	sep(w);
	char b[24];
	char *p = b + sizeof b;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	put(w, p, (size_t)(b + sizeof b - p));
}

void pa_jw_id(struct pa_jw *w, int64_t v)
{
	if (v)
		pa_jw_int(w, v);
	else
		pa_jw_null(w);
}

void pa_jw_num(struct pa_jw *w, double v)
{
	if (!isfinite(v)) {
		pa_jw_null(w);
		return;
	}
	if (v == floor(v) && fabs(v) < 9e15) {
		pa_jw_int(w, (int64_t)v);
		return;
	}
	sep(w);
	char b[40];
	int n;
	if (fabs(v) < 1e15) {
		/* coordinates and money: nine decimals are plenty, trailing zeros dropped */
		n = snprintf(b, sizeof b, "%.9f", v);
		while (n > 1 && b[n - 1] == '0')
			n--;
		if (b[n - 1] == '.')
			n--;
	} else
		n = snprintf(b, sizeof b, "%.17g", v);
	put(w, b, (size_t)(n < (int)sizeof b ? n : (int)sizeof b - 1));
}

void pa_jw_bool(struct pa_jw *w, bool v)
{
	sep(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void pa_jw_null(struct pa_jw *w)
{
	sep(w);
	put(w, "null", 4);
}

void pa_jw_raw(struct pa_jw *w, const char *json, size_t n)
{
	sep(w);
	put(w, json, n);
}

void pa_jw_append(struct pa_jw *w, const char *s, size_t n)
{
	put(w, s, n);
}

void pa_jw_reopen(struct pa_jw *w)
{
	w->after_key = false;
	w->first[0] = false;
	w->depth = 1;
	w->first[1] = false;
}

void pa_jw_time(struct pa_jw *w, int64_t t)
{
	char b[32];
	pa_jw_str(w, pa_time_iso(t, b));
}
