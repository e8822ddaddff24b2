/* opts.c: --name VALUE / --name=VALUE parsing against a table. */
#include "cli/opts.h"

#include <stdio.h>
#include <string.h>

void pa_opts_help(const struct pa_opt *opts, const char *usage, const char *about)
{
	printf("usage: %s\n\n%s\n\noptions:\n", usage, about);
	for (const struct pa_opt *o = opts; o->name; o++) {
		char left[64];
		snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "",
			 o->arg ? o->arg : "");
		printf("  %-26s %s%s\n", left, o->help, o->required ? " (required)" : "");
	}
	printf("  %-26s %s\n", "--help", "show this help");
}

int pa_opts_parse(int argc, char **argv, struct pa_opt *opts, const char *usage, const char *about)
{
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
		struct pa_opt *o = opts;
		while (o->name && !(strlen(o->name) == nl && strncmp(o->name, name, nl) == 0))
			o++;
		if (!o->name) {
			fprintf(stderr, "pingan: unknown option --%.*s (see --help)\n", (int)nl,
				name);
			return 2;
		}
		if (!o->arg) {
			if (eq) {
				fprintf(stderr, "pingan: --%s takes no value\n", o->name);
				return 2;
			}
			*o->val = "1";
			continue;
		}
		if (eq)
			*o->val = eq + 1;
		else if (i + 1 < argc)
			*o->val = argv[++i];
		else {
			fprintf(stderr, "pingan: --%s needs a value (%s)\n", o->name, o->arg);
			return 2;
		}
	}
	for (struct pa_opt *o = opts; o->name; o++)
		if (o->required && !*o->val) {
			fprintf(stderr, "pingan: --%s %s is required (see --help)\n", o->name,
				o->arg);
			return 2;
		}
	return 0;
}
