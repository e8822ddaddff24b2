/* demo.h: `pingan demo` — builds the demo city, deterministic from a seed. */
#ifndef PA_DEMO_H
#define PA_DEMO_H

#include <stdint.h>
#include <stdio.h>

#include "service/app.h"

/* The password of every demo account, printed with the log-ins. */
#define PA_DEMO_PASSWORD "Pingan@2026"

/* Build the city in one transaction on a fresh database; prints the log-ins to out.
 * CONFLICT if the database already holds a city. Case times are spread over the year
 * before today, so with the same seed the same city is built on any day. */
enum pa_err pa_demo_build(struct pa_app *app, uint64_t seed, FILE *out);

#endif
