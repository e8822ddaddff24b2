/* route.c: fuzz target — a request line ("METHOD URL", the first line of the input) routed
 * as the server routes it: the path percent-decoded and matched against the route table,
 * its {params} taken as ids and region codes, the query split, decoded and checked against
 * the parameters the route takes, method and path escaped for the access log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* The path a route's pattern gives with these params in its {name} segments. */
static void fill_pattern(const char *pattern, const char *const *params, char *out, size_t cap)
{
	size_t o = 0;
	int np = 0;
	for (const char *p = pattern; *p && o + 1 < cap;) {
		if (*p == '{') {
			o += (size_t)snprintf(out + o, cap - o, "%s", params[np++]);
			p = strchr(p, '}') + 1;
		} else
			out[o++] = *p++;
	}
	out[o < cap ? o : cap - 1] = 0;
}

/* Whether route r takes query parameter key: read from its table, not through the server. */
static bool takes(const struct pa_route *r, const char *key)
{
	for (const char *const *q = r->query; q && *q; q++)
		if (strcmp(*q, key) == 0)
			return true;
	return false;
}

/* Whether method is one of the list allow ("GET, HEAD, POST"). */
static bool allowed(const char *allow, const char *method)
{
	size_t n = strlen(method);
	for (const char *p = allow; (p = strstr(p, method)); p += n)
		if ((p == allow || p[-1] == ' ') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *rest;
	size_t rest_len;
	char *line = fz_head(data, size, &rest, &rest_len), *p = line;
	char *method = fz_word(&p), *url = fz_word(&p);
	struct pa_arena a;
	pa_arena_init(&a);
	if (method && url) {
		struct fz_route r;
		fz_route(&a, method, url, &r);
		if (r.route >= 0) {
			/* the params, put back into the pattern, give the path matched */
			char back[4096];
			fill_pattern(pa_routes[r.route].pattern, r.params, back, sizeof back);
			if (strlen(r.path) < sizeof back - 1 && strcmp(back, r.path) != 0)
				fz_fail("route %s matched %s with params giving %s",
					pa_routes[r.route].pattern, r.path, back);
			struct pa_req rq = {.path = r.path, .arena = &a};
			memcpy(rq.params, r.params, sizeof rq.params);
			for (int i = 0; i < PA_MAX_PARAMS && r.params[i]; i++) {
				if (!*r.params[i] || strchr(r.params[i], '/'))
					fz_fail("param %d of %s is \"%s\"", i, r.path, r.params[i]);
				int64_t id;
				if (pa_req_id(&rq, i, &id) == PA_OK) {
					/* an id is a positive number written one way only */
					char canon[32];
					snprintf(canon, sizeof canon, "%lld", (long long)id);
					if (id <= 0 || strcmp(canon, r.params[i]) != 0)
						fz_fail("id \"%s\" read as %lld", r.params[i],
							(long long)id);
				}
				(void)pa_region_code_valid(r.params[i]);
			}
			for (const char **q = r.args; *q && !r.arg; q += 2)
				if (!q[1] || !takes(&pa_routes[r.route], q[0]))
					fz_fail("query argument %s passed unchecked", q[0]);
		} else if (allowed(r.allow, method)) {
			fz_fail("%s not routed but allowed on %s (%s)", method, r.path, r.allow);
		}
		/* what the access log writes of them must stay one JSON string each */
		char esc[1300];
		pa_log_escape(esc, sizeof esc, r.path, 200);
		fz_json_ok("the escaped path", esc, strlen(esc), true);
		pa_log_escape(esc, 100, method, 16);
		fz_json_ok("the escaped method", esc, strlen(esc), true);
	}
	pa_arena_free(&a);
	free(line);
	return 0;
}
