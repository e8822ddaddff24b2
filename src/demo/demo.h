/* demo.h: `pingan demo` — builds the demo city, deterministic from a seed. */
#ifndef PA_DEMO_H
#define PA_DEMO_H

#include <stdint.h>
#include <stdio.h>

#include "service/app.h"

/* The password of every demo account, printed with the log-ins. */
#define PA_DEMO_PASSWORD "Pingan@2026"

/* A demo city: its code (six digits, GB/T 2260), name and centre. */
struct pa_demo_city {
	const char *code, *name;
	double lng, lat;
};
/* 天门市 (429006) at 113.17°E 30.66°N: `pingan demo` without --city. */
extern const struct pa_demo_city pa_demo_default_city;

/* Build the city in one transaction, in a database that does not hold it yet (it may hold
 * others: a province's); prints the log-ins to out. Another city than the default one
 * gets the same towns, units and accounts, each username ending in _CODE; the first city
 * of a province also makes the province's region (its two-digit code) and a read-only
 * account over it, province_NN. CONFLICT if the database already holds the city. Case
 * times are spread over the year before today, so with the same seed the same city is
 * built on any day. */
enum pa_err pa_demo_build(struct pa_app *app, const struct pa_demo_city *city, uint64_t seed,
			  FILE *out);
/* The name of the province of a two-digit prefix (GB/T 2260). */
const char *pa_demo_province_name(const char *prefix);

#endif
