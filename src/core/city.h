/* city.h: which city a region belongs to. A city is a county-level division: the first
 * PA_CITY_LEN characters of its region codes (GB/T 2260); a province is a 2-digit prefix. */
#ifndef PA_CITY_H
#define PA_CITY_H

#include <stdbool.h>
#include <stddef.h>

#define PA_CITY_LEN 6

/* The city of a region code into out[PA_CITY_LEN + 1]: its first six characters, or the
 * whole code when shorter (a province, "42", is its own "city" bound). */
void pa_city_of(const char *code, char out[PA_CITY_LEN + 1]);
/* Whether the region code lies in the cities a scope of this region sees: its city, or
 * with a province's scope ("42") the cities under it. */
bool pa_city_within(const char *code, const char *scope_region);
/* Whether code is a city code: exactly six digits. */
bool pa_city_valid(const char *code);

#endif
