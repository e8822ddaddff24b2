/* opts.h: one option table per command drives parsing and --help. */
#ifndef PA_OPTS_H
#define PA_OPTS_H

struct pa_opt {
	const char *name; /* "db" for --db */
	const char *arg;  /* metavariable, e.g. "PATH"; NULL for a flag */
	const char *help;
	const char **val; /* where the value goes; a flag gets "1" */
	int required;
};

/* Parse argv (after the command words). Returns 0 on success, 1 after printing --help,
 * 2 after printing an error naming the option. */
int pa_opts_parse(int argc, char **argv, struct pa_opt *opts, const char *usage, const char *about);
void pa_opts_help(const struct pa_opt *opts, const char *usage, const char *about);

#endif
