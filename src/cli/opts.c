/* opts.c: --name VALUE / --name=VALUE parsing against a table, and the same options read
 * from a --config file (key = value lines) beneath them. */
#include "cli/opts.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"

#define MAX_OPTS   64
#define MAX_CONFIG (1 << 20)
#define CONFIG_HELP \
	"read options from FILE: key = value lines, keys as above; the command line wins"

/* The file the values of the last pa_opts_file point into; freed by pa_opts_free. */
static struct pa_conf config;
static bool config_held;

void pa_opts_free(void)
{
	if (config_held)
		pa_conf_free(&config);
	config_held = false;
}

void pa_opts_help(const struct pa_opt *opts, const char *usage, const char *about)
{
	printf("usage: %s\n\n%s\n\noptions:\n", usage, about);
	for (const struct pa_opt *o = opts; o->name; o++) {
		char left[64];
		snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		printf("  %-26s %s%s\n", left, o->help, o->required ? " (required)" : "");
	}
	printf("  %-26s %s\n", "--config FILE", CONFIG_HELP);
	printf("  %-26s %s\n", "--help", "show this help");
}

static struct pa_opt *find(struct pa_opt *opts, const char *name, size_t nl)
{
	for (struct pa_opt *o = opts; o->name; o++)
		if (strlen(o->name) == nl && strncmp(o->name, name, nl) == 0)
			return o;
	return NULL;
}

/* A flag's value in a file: 1 true, 0 false, -1 neither. */
static int truth(const char *v)
{
	static const char *const yes[] = {"true", "yes", "1"}, *const no[] = {"false", "no", "0"};
	for (int i = 0; i < 3; i++) {
		if (strcmp(v, yes[i]) == 0)
			return 1;
		if (strcmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

enum pa_err pa_opts_file(const char *path, struct pa_opt *opts)
{
	pa_opts_free();
	char *text;
	size_t len;
	enum pa_err rc = pa_data_file_read(path, MAX_CONFIG, &text, &len);
	if (rc)
		return rc;
	/* rows before any [section] belong to an implicit one; a header is refused below */
	rc = pa_conf_parse_rows(path, text, len, "", &config);
	free(text);
	config_held = true;
	if (rc)
		return rc;
	int set_on[MAX_OPTS] = {0};
	for (int s = 0; s < config.nsec; s++) {
		const struct pa_conf_section *sec = &config.sec[s];
		if (sec->line)
			return pa_data_file_err(path, sec->line, sec->name,
						"a config file has no [sections]: one file per "
						"command, its options as key = value");
		for (int i = 0; i < sec->nrows; i++) {
			const struct pa_conf_row *r = &sec->rows[i];
			if (!r->key)
				return pa_data_file_err(path, r->line, r->tok[0],
							"expected key = value");
			struct pa_opt *o = find(opts, r->key, strlen(r->key));
			if (!o)
				return pa_data_file_err(path, r->line, r->key,
							"unknown option (see --help)");
			int k = (int)(o - opts);
			if (k >= MAX_OPTS)
				return pa_errf(PA_INTERNAL, NULL, "too many options");
			if (set_on[k])
				return pa_data_file_err(path, r->line, r->key,
							"given twice (first on line %d)",
							set_on[k]);
			set_on[k] = r->line;
			if (o->arg && !*r->value)
				return pa_data_file_err(path, r->line, r->key, "needs a value (%s)",
							o->arg);
			if (o->arg) {
				*o->val = r->value;
				continue;
			}
			int t = truth(r->value);
			if (t < 0)
				return pa_data_file_err(path, r->line, r->key,
							"a flag: true or false, not \"%s\"",
							r->value);
			*o->val = t ? "1" : NULL;
		}
	}
	return PA_OK;
}

int pa_opts_parse(int argc, char **argv, struct pa_opt *opts, const char *usage, const char *about)
{
	/* The command line is read first and applied last, so it wins over the file
	 * wherever --config stands. */
	const char *given[MAX_OPTS] = {0}, *config_path = NULL;
	int n = 0;
	while (opts[n].name)
		n++;
	if (n > MAX_OPTS) {
		fprintf(stderr, "pingan: more than %d options\n", MAX_OPTS);
		return 2;
	}
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			pa_opts_help(opts, usage, about);
			return 1;
		}
		if (strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "pingan: unexpected argument \"%s\" (see --help)\n", a);
			return 2;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t nl = eq ? (size_t)(eq - name) : strlen(name);
		bool is_config = nl == 6 && strncmp(name, "config", 6) == 0;
		struct pa_opt *o = is_config ? NULL : find(opts, name, nl);
		if (!o && !is_config) {
			fprintf(stderr, "pingan: unknown option --%.*s (see --help)\n", (int)nl,
				name);
			return 2;
		}
		const char *oname = o ? o->name : "config", *oarg = o ? o->arg : "FILE";
		if (o && !o->arg) {
			if (eq) {
				fprintf(stderr, "pingan: --%s takes no value\n", o->name);
				return 2;
			}
			given[o - opts] = "1";
			continue;
		}
		const char *v;
		if (eq)
			v = eq + 1;
		else if (i + 1 < argc)
			v = argv[++i];
		else {
			fprintf(stderr, "pingan: --%s needs a value (%s)\n", oname, oarg);
			return 2;
		}
		if (o)
			given[o - opts] = v;
		else if (config_path) {
			fprintf(stderr, "pingan: --config given twice\n");
			return 2;
		} else
			config_path = v;
	}
	if (config_path && pa_opts_file(config_path, opts)) {
		fprintf(stderr, "pingan: %s\n", pa_err_last()->message);
		return 2;
	}
	for (int k = 0; k < n; k++)
		if (given[k])
			*opts[k].val = given[k];
	for (struct pa_opt *o = opts; o->name; o++)
		if (o->required && !*o->val) {
			fprintf(stderr, "pingan: --%s %s is required (see --help)\n", o->name,
				o->arg);
			return 2;
		}
	return 0;
}
