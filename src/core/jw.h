/* jw.h: a streaming JSON writer into one growable, capped buffer — the fast path for
 * rendering cases, where building a jansson tree per request cost more than the query.
 * Commas are placed automatically; keys and strings are escaped. Not thread-safe: one
 * writer per request. */
#ifndef PA_JW_H
#define PA_JW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PA_JW_DEPTH 32

struct pa_jw {
	char *buf; /* NUL-terminated; owned: pa_jw_free or pa_jw_take */
	size_t len, cap, limit;
	int depth;
	bool first[PA_JW_DEPTH]; /* no value yet at this depth */
	bool after_key;
	bool overflow; /* the limit was hit: the output is truncated and must not be sent */
};

void pa_jw_init(struct pa_jw *w, size_t limit); /* limit 0 = 64 MiB */
void pa_jw_free(struct pa_jw *w);
/* Hand the buffer over (caller frees); the writer is reset. */
char *pa_jw_take(struct pa_jw *w, size_t *len);

void pa_jw_obj(struct pa_jw *w);
void pa_jw_obj_end(struct pa_jw *w);
void pa_jw_arr(struct pa_jw *w);
void pa_jw_arr_end(struct pa_jw *w);
void pa_jw_key(struct pa_jw *w, const char *k);
void pa_jw_str(struct pa_jw *w, const char *s); /* NULL writes null */
void pa_jw_int(struct pa_jw *w, int64_t v);
void pa_jw_id(struct pa_jw *w, int64_t v); /* 0 writes null */
void pa_jw_num(struct pa_jw *w, double v); /* shortest form that round-trips to 1e-9 */
void pa_jw_bool(struct pa_jw *w, bool v);
void pa_jw_null(struct pa_jw *w);
/* Already-valid JSON text, written as one value. */
void pa_jw_raw(struct pa_jw *w, const char *json, size_t n);
/* Bytes appended as they are, outside the comma bookkeeping; then pa_jw_reopen tells the
 * writer it is inside an object that already has members (continuing a cached object). */
void pa_jw_append(struct pa_jw *w, const char *s, size_t n);
void pa_jw_reopen(struct pa_jw *w);
/* Unix time as "2026-11-29T08:00:00+08:00". */
void pa_jw_time(struct pa_jw *w, int64_t t);

/* key + value shorthands */
static inline void pa_jw_kstr(struct pa_jw *w, const char *k, const char *s)
{
	pa_jw_key(w, k);
	pa_jw_str(w, s);
}
static inline void pa_jw_kint(struct pa_jw *w, const char *k, int64_t v)
{
	pa_jw_key(w, k);
	pa_jw_int(w, v);
}
static inline void pa_jw_kid(struct pa_jw *w, const char *k, int64_t v)
{
	pa_jw_key(w, k);
	pa_jw_id(w, v);
}
static inline void pa_jw_knum(struct pa_jw *w, const char *k, double v)
{
	pa_jw_key(w, k);
	pa_jw_num(w, v);
}
static inline void pa_jw_kbool(struct pa_jw *w, const char *k, bool v)
{
	pa_jw_key(w, k);
	pa_jw_bool(w, v);
}
static inline void pa_jw_ktime(struct pa_jw *w, const char *k, int64_t t)
{
	pa_jw_key(w, k);
	pa_jw_time(w, t);
}

#endif
