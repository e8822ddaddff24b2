/* backup.h: never losing a case beyond the disk — a copy taken while pingan serves, put
 * back into a fresh or stopped database, and the check that a database or copy is whole.
 * Knows nothing of argv; the CLI (src/cli/ops.c) is a thin front. Not thread-safe: one
 * call at a time, from a command, beside (not inside) a serving pingan. */
#ifndef PA_BACKUP_H
#define PA_BACKUP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/catalog.h"
#include "core/err.h"

/* What the operations tell as they go. Any may be NULL. */
struct pa_ops_listener {
	/* a problem found (area: integrity, schema, history, counters, attachments …) */
	void (*problem)(void *arg, const char *area, const char *message);
	/* pages copied of total */
	void (*progress)(void *arg, int64_t done, int64_t total);
	void *arg;
};

struct pa_ops_result {
	int schema_version;
	int64_t cases, steps, attachments, problems;
	int64_t files;      /* attachment files copied (or found already in place) */
	int64_t missing;    /* attachment files a backup could not copy (each a problem) */
	int64_t bytes;      /* the size of the backup's database file */
	int64_t audit_rows; /* check: the audit log's rows, verified with its key */
	bool no_key;        /* backup: the audit key was not found, so the backup lacks it */
};

/* The attachments directory of a database when none is given: its path + ".files". */
void pa_files_dir_of(const char *db, char *out, size_t cap);

/* Look the database at db over (read only, as of one moment): integrity, foreign keys,
 * schema version, each case's history, the counters against the cases (by the catalog's
 * rules), and each attachment's file under files_dir by its SHA-256; then its audit log's
 * chain with the key at audit_key (NULL = db + ".audit-key"). Problems go to the listener
 * and are counted in res; an error only when checking itself failed. */
enum pa_err pa_check(const char *db, const char *audit_key, const char *files_dir,
		     const struct pa_catalog *cat, const struct pa_ops_listener *l,
		     struct pa_ops_result *res);

/* Copy the database at db, while it serves, to out, the attachment files its copy refers
 * to (from files_dir) to out + ".files", and its audit key (audit_key, NULL = db +
 * ".audit-key") to out + ".audit-key", without which the copy's audit log cannot be
 * verified. Made under temporary names, synced, then renamed: out names a whole backup or
 * nothing. Refuses an out that exists. An attachment whose file is missing or changed is a
 * problem (res->missing), as is a key not found (res->no_key); the rest is still copied. */
enum pa_err pa_backup(const char *db, const char *audit_key, const char *files_dir, const char *out,
		      const struct pa_ops_listener *l, struct pa_ops_result *res);

/* Put the backup at from (attachments in from + ".files") in place as the database db
 * (attachments into files_dir). Its audit key is the file at audit_key, or, when NULL,
 * from + ".audit-key", put beside db as db + ".audit-key"; a backup from before the audit
 * chain gets a new key there. The copy is restored beside db, brought to this pingan's
 * schema and checked first, its audit chain with its key; one with problems is refused, as
 * is a file that is no pingan backup. An existing db is replaced only with force (its
 * server stopped), in one transaction. */
enum pa_err pa_restore(const char *from, const char *audit_key, const char *db,
		       const char *files_dir, bool force, const struct pa_catalog *cat,
		       const struct pa_ops_listener *l, struct pa_ops_result *res);

#endif
