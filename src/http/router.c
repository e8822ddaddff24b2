/* router.c: a request against the route table — percent-decoding, path patterns and their
 * {params}, the query parameters a route takes. No connection needed: server.c and the fuzz
 * targets call the same code. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "http/http.h"

size_t pa_url_unescape(char *s, bool *had_nul)
{
	char *o = s;
	for (char *p = s; *p;) {
		if (p[0] == '%' && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])) {
			char hex[3] = {p[1], p[2], 0};
			char v = (char)strtol(hex, NULL, 16);
			if (v) {
				*o++ = v;
				p += 3;
				continue;
			}
			*had_nul = true;
		}
		*o++ = *p++;
	}
	*o = 0;
	return (size_t)(o - s);
}

/* Match path against pattern; fills params. */
static bool match(const char *pattern, const char *path, struct pa_arena *a,
		  const char *params[PA_MAX_PARAMS])
{
	int np = 0;
	const char *p = pattern, *u = path;
	while (*p && *u) {
		if (*p == '{') {
			const char *pe = strchr(p, '}');
			const char *ue = strchr(u, '/');
			if (!ue)
				ue = u + strlen(u);
			if (ue == u || np == PA_MAX_PARAMS)
				return false;
			params[np++] = pa_strndup(a, u, (size_t)(ue - u));
			p = pe + 1;
			u = ue;
			continue;
		}
		if (*p != *u)
			return false;
		p++;
		u++;
	}
	return !*p && !*u;
}

int pa_route_find(const char *method, const char *path, struct pa_arena *a,
		  const char *params[PA_MAX_PARAMS], char allow[64])
{
	allow[0] = 0;
	for (int i = 0; i < pa_nroutes; i++) {
		const char *p[PA_MAX_PARAMS] = {0};
		if (!match(pa_routes[i].pattern, path, a, p))
			continue;
		size_t al = strlen(allow);
		snprintf(allow + al, 64 - al, "%s%s%s", al ? ", " : "", pa_routes[i].method,
			 strcmp(pa_routes[i].method, "GET") == 0 ? ", HEAD" : "");
		if (strcmp(pa_routes[i].method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 && strcmp(pa_routes[i].method, "GET") == 0)) {
			memcpy(params, p, sizeof p);
			return i;
		}
	}
	return -1;
}

enum pa_err pa_query_arg_check(const struct pa_route *r, const char *key, const char *value)
{
	for (const char *const *a = r->query; a && *a; a++) {
		if (strcmp(*a, key) != 0)
			continue;
		if (!value) /* "?limit" with no value */
			return pa_errf(PA_BAD_QUERY, key, "%s needs a value", key);
		if (!pa_utf8_valid(value))
			return pa_errf(PA_BAD_QUERY, key, "%s is not valid UTF-8", key);
		return PA_OK;
	}
	return pa_errf(PA_BAD_QUERY, key, "unknown query parameter \"%s\"", key);
}
