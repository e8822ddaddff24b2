/* conf.h: the line-oriented data-file format staff can read and edit.
 *
 *   # comment
 *   [section optional-arg]
 *   key = value with spaces          (a key/value row)
 *   col1  col2  "col three"  -       (a column row; "-" means empty)
 *
 * Every row keeps its line number so a loader can say "file:line: field: problem". */
#ifndef PA_CONF_H
#define PA_CONF_H

#include "core/arena.h"
#include "core/err.h"

struct pa_conf_row {
	int line;
	const char *key;   /* key/value rows: the key; column rows: NULL */
	const char *value; /* key/value rows: the value (trimmed) */
	int ntok;          /* column rows: the columns */
	const char **tok;
};

struct pa_conf_section {
	const char *name;
	const char *arg; /* "[category neighbour]" -> arg "neighbour"; else NULL */
	int line;
	int nrows;
	struct pa_conf_row *rows;
};

struct pa_conf {
	const char *path;
	int nsec;
	struct pa_conf_section *sec;
	struct pa_arena arena; /* owns everything above */
};

/* Parse text; name is used in messages. On a syntax error returns PA_DATA_FILE with
 * "name:line: problem" as the detail (pa_err_last). out is always safe to pa_conf_free. */
enum pa_err pa_conf_parse(const char *name, const char *text, size_t len, struct pa_conf *out);
/* The same, but rows before any [section] header belong to a section named implicit
 * (line 0): text that holds the rows of one section alone keeps its own line numbers. */
enum pa_err pa_conf_parse_rows(const char *name, const char *text, size_t len, const char *implicit,
			       struct pa_conf *out);
enum pa_err pa_conf_load(const char *path, struct pa_conf *out);
void pa_conf_free(struct pa_conf *c);

/* Read a whole data file (at most max bytes) into a malloc'd, NUL-terminated buffer; a file
 * that cannot be read, is larger or holds a NUL byte is PA_DATA_FILE naming it. */
enum pa_err pa_data_file_read(const char *path, size_t max, char **out, size_t *len);
/* PA_DATA_FILE with "path:line: field: message" (the loaders' one error shape). */
enum pa_err pa_data_file_err(const char *path, int line, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* First section with this name, or NULL. */
const struct pa_conf_section *pa_conf_section(const struct pa_conf *c, const char *name);
/* Value of key in section s (NULL if absent); *line gets its line number if non-NULL. */
const char *pa_conf_get(const struct pa_conf_section *s, const char *key, int *line);

#endif
