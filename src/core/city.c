/* city.c: the city of a region code, the one rule every table's city column and every
 * query's city bound follow. */
#include "core/city.h"

#include <string.h>

void pa_city_of(const char *code, char out[PA_CITY_LEN + 1])
{
	size_t n = code ? strnlen(code, PA_CITY_LEN) : 0;
	memcpy(out, code ? code : "", n);
	out[n] = 0;
}

bool pa_city_within(const char *code, const char *scope_region)
{
	char c[PA_CITY_LEN + 1], s[PA_CITY_LEN + 1];
	pa_city_of(code, c);
	pa_city_of(scope_region, s);
	return strncmp(c, s, strlen(s)) == 0;
}

bool pa_city_valid(const char *code)
{
	if (!code || strlen(code) != PA_CITY_LEN)
		return false;
	for (const char *p = code; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}
