/* fuzz.h: what the fuzz targets share. A target is one LLVMFuzzerTestOneInput with an
 * LLVMFuzzerInitialize for what it sets up once; libFuzzer runs it under `make fuzz`, and
 * replay.c runs it over the committed corpus under `make test`. See fuzz/README.md. */
#ifndef PA_FUZZ_H
#define PA_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "http/http.h"
#include "service/app.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as text: a malloc'd, NUL-terminated copy (a NUL inside ends it early). */
char *fz_text(const uint8_t *data, size_t size);
/* The first line as text (malloc'd, without its "\n"); *rest and *rest_len get the bytes
 * after it (none when there is no "\n"). */
char *fz_head(const uint8_t *data, size_t size, const uint8_t **rest, size_t *rest_len);
/* The next space-separated word of *s (NULL when none is left); *s moves past it. */
char *fz_word(char **s);
/* An invariant broke: say which and abort, so libFuzzer and replay.c report the input. */
_Noreturn void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Text that must be valid JSON (the inside of a string when quoted): fz_fail otherwise. */
void fz_json_ok(const char *what, const char *json, size_t len, bool quoted);

/* A new directory under TMPDIR (or /tmp), removed with its contents at exit. */
const char *fz_temp_dir(const char *tag);

/* The route of a request line "METHOD URL" as server.c finds it: the path decoded and
 * matched, the query split and decoded as libmicrohttpd does and checked against what the
 * route takes. In the arena: path, params and args (name, value pairs ending in NULL). */
struct fz_route {
	const char *method, *url, *path;
	int route; /* index in pa_routes, -1 if none */
	char allow[64];
	const char *params[PA_MAX_PARAMS];
	const char **args;
	bool nul;        /* %00 in the path or the query (answered 404 / 400) */
	enum pa_err arg; /* the query's error, if any */
};
void fz_route(struct pa_arena *a, const char *method, const char *url, struct fz_route *out);

/* The demo city (seed 7, as the API tests use) in a temporary database, opened as serve
 * opens it, with its writer; built at the first call, closed at exit. */
struct pa_app *fz_city(void);
/* A demo user logged in (password Pingan@2026), by username; NULL if the log-in fails.
 * Logged in once each: argon2 is slow by design. */
const struct pa_actor *fz_actor(const char *username, const char **token);

#endif
