/* case_cache.c: a direct-mapped table of rendered cases with striped locks. */
#include "service/case_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define STRIPES 64

struct slot {
	int64_t id, version;
	char *text;
	size_t len;
};

struct pa_case_cache {
	int nslots;
	struct slot *slots;
	pthread_mutex_t locks[STRIPES];
	atomic_uint_fast64_t hits, misses; /* for /metrics: relaxed, one add per read */
};

struct pa_case_cache *pa_case_cache_new(int slots)
{
	if (slots <= 0)
		return NULL;
	struct pa_case_cache *c = calloc(1, sizeof *c);
	c->nslots = slots;
	c->slots = calloc((size_t)slots, sizeof *c->slots);
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_init(&c->locks[i], NULL);
	return c;
}

void pa_case_cache_free(struct pa_case_cache *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nslots; i++)
		free(c->slots[i].text);
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&c->locks[i]);
	free(c->slots);
	free(c);
}

bool pa_case_cache_get(struct pa_case_cache *c, int64_t id, int64_t version, struct pa_jw *out)
{
	if (!c || id <= 0)
		return false;
	int i = (int)(id % c->nslots);
	pthread_mutex_t *mu = &c->locks[i % STRIPES];
	bool hit = false;
	pthread_mutex_lock(mu);
	struct slot *s = &c->slots[i];
	if (s->id == id && s->version == version && s->text && s->len > 1) {
		pa_jw_append(out, s->text, s->len - 1); /* without the closing brace */
		hit = true;
	}
	pthread_mutex_unlock(mu);
	atomic_fetch_add_explicit(hit ? &c->hits : &c->misses, 1, memory_order_relaxed);
	return hit;
}

void pa_case_cache_counts(struct pa_case_cache *c, uint64_t *hits, uint64_t *misses)
{
	*hits = c ? atomic_load_explicit(&c->hits, memory_order_relaxed) : 0;
	*misses = c ? atomic_load_explicit(&c->misses, memory_order_relaxed) : 0;
}

void pa_case_cache_put(struct pa_case_cache *c, int64_t id, int64_t version, const char *text,
		       size_t len)
{
	if (!c || id <= 0 || !len || text[len - 1] != '}')
		return;
	char *copy = malloc(len);
	memcpy(copy, text, len);
	int i = (int)(id % c->nslots);
	pthread_mutex_t *mu = &c->locks[i % STRIPES];
	pthread_mutex_lock(mu);
	struct slot *s = &c->slots[i];
	/* Never replace a newer rendering of the same case with an older one. */
	if (s->id == id && s->version > version) {
		pthread_mutex_unlock(mu);
		free(copy);
		return;
	}
	char *old = s->text;
	s->id = id;
	s->version = version;
	s->text = copy;
	s->len = len;
	pthread_mutex_unlock(mu);
	free(old);
}
