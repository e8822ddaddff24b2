/* ratelimit.c: token buckets per client address (see ratelimit.h). */
#include "http/ratelimit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096 /* buckets kept; each is 40 bytes */
#define PROBE 8    /* places an address may sit in */

struct bucket {
	struct pa_addr_key key;
	double tokens;
	int64_t at; /* when tokens was last brought up to date; 0 = free */
};

struct pa_ratelimit {
	pthread_mutex_t mu;
	double per_second, burst;
	struct bucket b[SLOTS];
};

struct pa_ratelimit *pa_ratelimit_new(int per_minute)
{
	if (per_minute <= 0)
		return NULL;
	struct pa_ratelimit *rl = calloc(1, sizeof *rl);
	pthread_mutex_init(&rl->mu, NULL);
	rl->per_second = per_minute / 60.0;
	rl->burst = per_minute;
	return rl;
}

void pa_ratelimit_free(struct pa_ratelimit *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->mu);
	free(rl);
}

static unsigned hash(const struct pa_addr_key *k)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (int i = 0; i < 16; i++)
		h = (h ^ k->b[i]) * 16777619u;
	return h;
}

bool pa_ratelimit_take(struct pa_ratelimit *rl, const struct pa_addr_key *key, int64_t now,
		       int *wait)
{
	*wait = 0;
	if (!rl)
		return true;
	unsigned h = hash(key);
	pthread_mutex_lock(&rl->mu);
	struct bucket *b = NULL, *oldest = NULL;
	for (int i = 0; i < PROBE && !b; i++) {
		struct bucket *c = &rl->b[(h + (unsigned)i) % SLOTS];
		if (c->at && memcmp(&c->key, key, sizeof *key) == 0)
			b = c;
		else if (!oldest || c->at < oldest->at)
			oldest = c;
	}
	if (!b) {
		b = oldest;
		b->key = *key;
		b->tokens = rl->burst;
		b->at = now;
	}
	if (now > b->at) {
		b->tokens += (double)(now - b->at) * rl->per_second;
		if (b->tokens > rl->burst)
			b->tokens = rl->burst;
		b->at = now;
	}
	bool ok = b->tokens >= 1;
	if (ok)
		b->tokens -= 1;
	else {
		double w = (1 - b->tokens) / rl->per_second;
		*wait = (int)w + (w > (int)w); /* whole seconds, rounded up */
		if (*wait < 1)
			*wait = 1;
	}
	pthread_mutex_unlock(&rl->mu);
	return ok;
}

bool pa_addr_key_of(const char *addr, struct pa_addr_key *key)
{
	memset(key, 0, sizeof *key);
	struct in_addr a4;
	struct in6_addr a6;
	if (inet_pton(AF_INET, addr, &a4) == 1) {
		key->b[0] = 4;
		memcpy(key->b + 1, &a4, 4);
		return true;
	}
	if (inet_pton(AF_INET6, addr, &a6) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&a6)) { /* an IPv4 client of a dual-stack socket */
			key->b[0] = 4;
			memcpy(key->b + 1, a6.s6_addr + 12, 4);
			return true;
		}
		key->b[0] = 6;
		memcpy(key->b + 1, &a6, 8);
		return true;
	}
	return false;
}
