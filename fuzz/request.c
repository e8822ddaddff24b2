/* request.c: fuzz target — a whole request as the service receives it, without the network,
 * against the demo city. The input's first line is "METHOD URL USER [IDEMPOTENCY-KEY]"
 * (USER a demo log-in, or "-" for none), the rest the body. The request is routed and its
 * query checked as the server does (fz_route), the body parsed as the server parses it
 * (pa_json_body; raw for uploads), and the route's own handler runs as that user: JSON
 * bodies against their specs (intake, actions, warnings, routing rules), query values,
 * uploaded files, ids in paths. Bad input must be refused (4xx), never a 500, and every
 * answer must be valid JSON. Log-in itself is left out: each costs an argon2 hash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jspec.h"
#include "fuzz/fuzz.h"

static bool verbose; /* FUZZ_VERBOSE=1: say what each input was answered */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	fz_city();
	return 0;
}

static void run(struct pa_arena *a, char *line, const uint8_t *body, size_t len)
{
	char *method = fz_word(&line), *url = fz_word(&line), *user = fz_word(&line);
	char *key = fz_word(&line);
	if (!method || !url || !user)
		return;
	struct fz_route r;
	fz_route(a, method, url, &r);
	if (r.route < 0 || r.arg || r.nul)
		return; /* answered 404, 405 or 400 before any handler */
	const struct pa_route *route = &pa_routes[r.route];
	if (route->handler == pa_h_session_create)
		return;
	const char *headers[] = {"Idempotency-Key", key, NULL};
	struct pa_req rq = {.app = fz_city(),
			    .method = method,
			    .path = r.path,
			    .arena = a,
			    .args = r.args,
			    .headers = key ? headers : NULL};
	memcpy(rq.params, r.params, sizeof rq.params);
	if (route->flags & PA_R_AUTH) {
		const struct pa_actor *actor = fz_actor(user, &rq.token);
		if (!actor)
			return; /* 401 */
		rq.actor = *actor;
	}
	if (route->flags & PA_R_BODY) {
		char *copy = pa_alloc(a, len + 1); /* the server's body buffer ends in a NUL too */
		memcpy(copy, body, len);
		if (pa_json_body(copy, len, &rq.body)) {
			json_decref(rq.body);
			return;
		}
	} else if (route->flags & PA_R_UPLOAD) {
		char *copy = pa_alloc(a, len + 1);
		memcpy(copy, body, len);
		rq.raw = copy;
		rq.raw_len = len;
	} else if (len) {
		return; /* 400: takes no body */
	}
	struct pa_reply rp = {.status = 200};
	pa_jw_init(&rp.out, 0);
	pa_err_clear();
	enum pa_err rc = route->handler(&rq, &rp);
	if (verbose) /* what each input reached, for whoever tends the corpus */
		fprintf(stderr, "%s %s as %s: %d %s %s\n", method, r.path, user, pa_err_status(rc),
			pa_err_name(rc), rc ? pa_err_last()->message : "");
	if (pa_err_status(rc) == 500)
		fz_fail("%s %s answered 500 %s: %s", method, route->pattern, pa_err_name(rc),
			pa_err_last()->message);
	if (!rc && rp.body) {
		char *s = json_dumps(rp.body, JSON_COMPACT);
		fz_json_ok("the answer", s, strlen(s), false);
		free(s);
	} else if (!rc && rp.out.len) {
		if (rp.out.overflow)
			fz_fail("%s %s: the answer overflowed", method, route->pattern);
		fz_json_ok("the answer", rp.out.buf, rp.out.len, false);
	}
	json_decref(rp.body);
	pa_jw_free(&rp.out);
	free(rp.file_data);
	json_decref(rq.body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *body;
	size_t len;
	char *line = fz_head(data, size, &body, &len);
	struct pa_arena a;
	pa_arena_init(&a);
	run(&a, line, body, len);
	pa_arena_free(&a);
	free(line);
	return 0;
}
