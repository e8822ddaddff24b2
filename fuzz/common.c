/* common.c: the fuzz targets' shared harness — input splitting, invariant checks,
 * temporary directories, request lines routed as the server routes them, and a demo city
 * with logged-in users for the targets that need the service. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "demo/demo.h"
#include "fuzz/fuzz.h"

char *fz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}

char *fz_head(const uint8_t *data, size_t size, const uint8_t **rest, size_t *rest_len)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n = nl ? (size_t)(nl - data) : size;
	*rest = nl ? nl + 1 : data + size;
	*rest_len = nl ? size - n - 1 : 0;
	return fz_text(data, n);
}

char *fz_word(char **s)
{
	char *p = *s;
	while (*p == ' ')
		p++;
	if (!*p)
		return NULL;
	char *w = p;
	while (*p && *p != ' ')
		p++;
	if (*p)
		*p++ = 0;
	*s = p;
	return w;
}

void fz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "fuzz: invariant broken: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

void fz_json_ok(const char *what, const char *json, size_t len, bool quoted)
{
	char *buf = NULL;
	if (quoted) {
		buf = malloc(len + 3);
		if (!buf)
			abort();
		buf[0] = '"';
		memcpy(buf + 1, json, len);
		buf[len + 1] = '"';
		json = buf;
		len += 2;
	}
	json_error_t e;
	json_t *v = json_loadb(json, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (!v)
		fz_fail("%s is not valid JSON: %s (column %d): %.*s", what, e.text, e.column,
			(int)(len < 300 ? len : 300), json);
	json_decref(v);
	free(buf);
}

/* ---- temporary directories ---- */

static char *temp_dirs[8];
static int ntemp;

static void temp_dirs_remove(void)
{
	for (int i = 0; i < ntemp; i++) {
		char cmd[600];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", temp_dirs[i]);
		if (system(cmd) != 0)
			fprintf(stderr, "fuzz: could not remove %s\n", temp_dirs[i]);
		free(temp_dirs[i]);
	}
	ntemp = 0;
}

const char *fz_temp_dir(const char *tag)
{
	const char *tmp = getenv("TMPDIR");
	char path[512];
	snprintf(path, sizeof path, "%s/pingan-fuzz-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag);
	if (!mkdtemp(path) || ntemp == (int)(sizeof temp_dirs / sizeof *temp_dirs))
		fz_fail("cannot make a temporary directory %s", path);
	if (ntemp == 0)
		atexit(temp_dirs_remove);
	temp_dirs[ntemp] = strdup(path);
	return temp_dirs[ntemp++];
}

/* ---- request lines ---- */

/* Percent-decoding of a query key or value as libmicrohttpd does it: "+" is a space, then
 * the server's own unescape callback. */
static void unescape_arg(char *s, bool *nul)
{
	for (char *p = s; *p; p++)
		if (*p == '+')
			*p = ' ';
	pa_url_unescape(s, nul);
}

/* The query split as libmicrohttpd splits it (MHD_parse_arguments_): at each "&", a piece
 * without "=" (or with it only after the "&") being a key with no value. */
static void split_query(struct pa_arena *a, char *q, struct fz_route *r)
{
	int n = 0, cap = 0;
	const char **v = NULL;
	while (q && *q) {
		char *amp = strchr(q, '&'), *eq = strchr(q, '=');
		if (amp)
			*amp = 0;
		if (eq && amp && eq > amp)
			eq = NULL;
		if (eq)
			*eq++ = 0;
		unescape_arg(q, &r->nul);
		if (eq)
			unescape_arg(eq, &r->nul);
		v = pa_grow(a, v, n, &cap, sizeof *v);
		v[n++] = q;
		v = pa_grow(a, v, n, &cap, sizeof *v);
		v[n++] = eq;
		q = amp ? amp + 1 : NULL;
	}
	v = pa_grow(a, v, n, &cap, sizeof *v);
	v[n] = NULL;
	r->args = v;
}

void fz_route(struct pa_arena *a, const char *method, const char *url, struct fz_route *out)
{
	memset(out, 0, sizeof *out);
	out->method = method;
	out->url = url;
	char *path = pa_strdup(a, url), *q = strchr(path, '?');
	if (q)
		*q++ = 0;
	pa_url_unescape(path, &out->nul);
	out->path = path;
	out->route = pa_route_find(method, path, a, out->params, out->allow);
	split_query(a, q, out);
	if (out->route < 0)
		return;
	for (const char **p = out->args; *p && !out->arg; p += 2)
		out->arg = pa_query_arg_check(&pa_routes[out->route], p[0], p[1]);
}

/* ---- the demo city ---- */

static struct pa_app city;
static bool city_open;

static void city_close(void)
{
	pa_app_close(&city);
	city_open = false;
}

struct pa_app *fz_city(void)
{
	if (city_open)
		return &city;
	pa_log_set_level(PA_LOG_WARN);
	char db[600];
	snprintf(db, sizeof db, "%s/pingan.db", fz_temp_dir("city"));
	FILE *quiet = fopen("/dev/null", "w");
	if (pa_app_open(&city, db, NULL, PA_DATADIR, NULL, false) ||
	    pa_demo_build(&city, &pa_demo_default_city, 7, quiet))
		fz_fail("cannot build the demo city: %s", pa_err_last()->message);
	fclose(quiet);
	pa_app_close(&city);
	if (pa_app_open(&city, db, NULL, PA_DATADIR, NULL, true))
		fz_fail("cannot open the demo city: %s", pa_err_last()->message);
	pa_app_set_case_cache(&city, 1000);
	city_open = true;
	atexit(city_close);
	return &city;
}

static struct logged_in {
	char username[64];
	char token[64];
	struct pa_actor actor;
	bool ok;
} users[32];
static int nusers;

const struct pa_actor *fz_actor(const char *username, const char **token)
{
	for (int i = 0; i < nusers; i++)
		if (strcmp(users[i].username, username) == 0) {
			*token = users[i].token;
			return users[i].ok ? &users[i].actor : NULL;
		}
	if (nusers == (int)(sizeof users / sizeof *users) || strlen(username) >= 64)
		return NULL; /* the harness only knows the demo's names */
	struct logged_in *u = &users[nusers++];
	snprintf(u->username, sizeof u->username, "%s", username);
	struct pa_login_in in = {.username = username, .password = PA_DEMO_PASSWORD};
	struct pa_session_out out;
	u->ok = pa_login(fz_city(), &in, &out) == PA_OK;
	snprintf(u->token, sizeof u->token, "%s", out.token);
	u->actor = out.actor;
	*token = u->token;
	return u->ok ? &u->actor : NULL;
}
