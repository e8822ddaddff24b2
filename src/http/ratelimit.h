/* ratelimit.h: token buckets per client address — each address may make `per_minute`
 * requests of a kind at once and then one every 60/per_minute seconds — kept in a fixed
 * table, so a flood of addresses costs no memory: an address pushed out by others starts
 * again with a full bucket. Thread-safe. */
#ifndef PA_RATELIMIT_H
#define PA_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* An address as the limit keys it: IPv4 whole; IPv6 by its /64, which one holder gets. */
struct pa_addr_key {
	uint8_t b[16];
};

struct pa_ratelimit;
/* per_minute 0: no limit (take always succeeds). */
struct pa_ratelimit *pa_ratelimit_new(int per_minute);
void pa_ratelimit_free(struct pa_ratelimit *rl);
/* Take one request's token for key at time now (seconds); false if there is none, with
 * *wait the whole seconds until there is. */
bool pa_ratelimit_take(struct pa_ratelimit *rl, const struct pa_addr_key *key, int64_t now,
		       int *wait);
/* The key of an address in text (IPv4 or IPv6); false if it is neither. */
bool pa_addr_key_of(const char *addr, struct pa_addr_key *key);

#endif
