/* content.h: the words of the demo city — place names, people, and case texts in
 * simplified Chinese — generated deterministically from a PRNG. Pure functions; no I/O. */
#ifndef PA_DEMO_CONTENT_H
#define PA_DEMO_CONTENT_H

#include <stdint.h>

#include "core/arena.h"

/* splitmix64-style deterministic generator */
struct pa_rng {
	uint64_t s;
};
uint64_t pa_rng_next(struct pa_rng *r);
/* uniform in [0, n) (n > 0) */
uint32_t pa_rng_below(struct pa_rng *r, uint32_t n);
/* uniform in [0, 1) */
double pa_rng_unit(struct pa_rng *r);

/* The towns and sub-districts of the demo city, in code order: index i has a fixed
 * name (e.g. "竟陵街道", "岳口镇") and kind "street", "town", "township" or "farm".
 * pa_demo_ntowns is 25. */
extern const int pa_demo_ntowns;
const char *pa_demo_town_name(int i);
const char *pa_demo_town_kind(int i);

/* A village or community name, unique within its town for distinct (town, index):
 * communities end in 社区, villages in 村. is_community: 1 for communities. */
const char *pa_demo_village_name(struct pa_arena *a, struct pa_rng *r, int town, int index,
				 int is_community);

/* A person's name (surname + one or two characters). */
const char *pa_demo_person_name(struct pa_arena *a, struct pa_rng *r);
/* An 18-digit resident ID with a valid GB 11643 check digit, born 1940-2005,
 * address code `area6` (e.g. "429006"). */
const char *pa_demo_id_number(struct pa_arena *a, struct pa_rng *r, const char *area6);
/* A mainland mobile number (11 digits, 13x-19x). */
const char *pa_demo_phone(struct pa_arena *a, struct pa_rng *r);

/* A realistic case for (type, category) — type one of dispute, hazard, request and the
 * category codes of data/case-types/ *.conf. place: the village name, used in the text.
 * Fills title (<= 60 chars) and description (2-4 sentences), naming the parties given. */
struct pa_demo_case_text {
	const char *title, *description;
};
void pa_demo_case_text(struct pa_arena *a, struct pa_rng *r, const char *type, const char *category,
		       const char *place, const char *party1, const char *party2,
		       struct pa_demo_case_text *out);

#endif
