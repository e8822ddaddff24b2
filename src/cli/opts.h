/* opts.h: one option table per command drives parsing and --help, and --config FILE. */
#ifndef PA_OPTS_H
#define PA_OPTS_H

#include "core/err.h"

/* The help of --audit-key, the same for every command that takes it. */
#define PA_AUDIT_KEY_HELP                                                                  \
	"the audit log's key (default: the database path + .audit-key, made when the log " \
	"begins; keep it safe: without it the log cannot be verified)"

struct pa_opt {
	const char *name; /* "db" for --db */
	const char *arg;  /* metavariable, e.g. "PATH"; NULL for a flag */
	const char *help;
	const char **val; /* where the value goes; a flag gets "1" */
	int required;
};

/* Parse argv (after the command words). Every command also takes --config FILE: the
 * options as `key = value` lines (pa_opts_file), overridden by those on the command line.
 * Returns 0 on success, 1 after printing --help, 2 after printing an error naming the
 * option (or the file, line and key). Values from a file stay valid until pa_opts_free. */
int pa_opts_parse(int argc, char **argv, struct pa_opt *opts, const char *usage, const char *about);
void pa_opts_help(const struct pa_opt *opts, const char *usage, const char *about);

/* Set options from a config file: `key = value` lines whose keys are the long option names
 * ("listen = 127.0.0.1:8080"), a flag's value true/false (also yes/no, 1/0), `#` comment
 * lines and blank lines. The value is the rest of the line, trimmed. An unknown key, a key
 * given twice, a line that is not key = value or a section header is PA_DATA_FILE with
 * "FILE:LINE: KEY: problem"; the options set before the error keep their values. */
enum pa_err pa_opts_file(const char *path, struct pa_opt *opts);
/* Free the text of the last file read. */
void pa_opts_free(void);

#endif
