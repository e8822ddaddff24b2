/* case_cache.h: rendered cases kept by (id, version). A case read checks the version in the
 * store (one indexed query that also enforces scope) and reuses the rendering while the
 * version holds; every change to a case bumps its version in the same transaction, in any
 * process, so a stale rendering is never served. Thread-safe. */
#ifndef PA_CASE_CACHE_H
#define PA_CASE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/jw.h"

struct pa_case_cache;

/* slots: how many cases are kept (direct-mapped by id); 0 returns NULL (no cache). */
struct pa_case_cache *pa_case_cache_new(int slots);
void pa_case_cache_free(struct pa_case_cache *c);
/* On a hit, appends the kept rendering without its closing brace to out (so the caller can
 * add its own members) and returns true. NULL-safe (a miss). */
bool pa_case_cache_get(struct pa_case_cache *c, int64_t id, int64_t version, struct pa_jw *out);
/* Reads that found their rendering kept, and those that did not, since start. NULL-safe. */
void pa_case_cache_counts(struct pa_case_cache *c, uint64_t *hits, uint64_t *misses);
/* Keep text (a whole JSON object) for (id, version). NULL-safe. */
void pa_case_cache_put(struct pa_case_cache *c, int64_t id, int64_t version, const char *text,
		       size_t len);

#endif
