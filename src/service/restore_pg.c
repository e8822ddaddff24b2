/* restore_pg.c: pingan restore into a PostgreSQL database. The archive (pg_dump's) is
 * restored first into a scratch database beside it on the same server, brought to this
 * pingan's schema and checked there; only a copy known whole is then restored into the
 * database itself, in one transaction, and the scratch database dropped. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "service/backup_internal.h"
#include "service/internal.h"

/* Whether the file at path is a pg_dump archive (custom format: "PGDMP" first). */
static enum pa_err archive_usable(const char *path)
{
	FILE *f = fopen(path, "rb");
	char magic[5] = "";
	size_t n = f ? fread(magic, 1, sizeof magic, f) : 0;
	if (f)
		fclose(f);
	if (!f)
		return pa_errf(PA_NOT_FOUND, "from", "no backup at %s", path);
	if (n != sizeof magic || memcmp(magic, "PGDMP", 5) != 0)
		return pa_errf(PA_BAD_REQUEST, "from",
			       "%s is not a pingan backup of a PostgreSQL database (pg_dump's "
			       "archive, made by pingan backup --db postgres://…)",
			       path);
	return PA_OK;
}

/* Whether the database at url holds pingan's tables already. */
static enum pa_err holds_pingan(const char *url, bool *yes)
{
	struct pa_store *s;
	struct pa_db *conn = NULL;
	int v = 0;
	enum pa_err rc = pa_store_open(url, &s);
	if (!rc && !(conn = pa_store_acquire(s)))
		rc = pa_err_last()->code;
	if (!rc)
		rc = conn->ops->version(conn, &v);
	pa_store_release(s, conn);
	pa_store_close(s);
	*yes = v > 0;
	return rc;
}

enum pa_err pa_restore_pg(const char *from, const char *audit_key, const char *db,
			  const char *files_dir, bool force, const struct pa_catalog *cat,
			  const struct pa_ops_listener *l, struct pa_ops_result *res)
{
	enum pa_err rc = archive_usable(from);
	if (rc)
		return rc;
	char key_path[1100], db_key[1100], staged[1100];
	uint8_t key[PA_AUDIT_KEY_BYTES];
	if (audit_key)
		snprintf(key_path, sizeof key_path, "%s", audit_key);
	else
		pa_audit_key_path_of(from, key_path, sizeof key_path);
	/* an archive cannot be read without restoring it: its key must be at hand */
	if ((rc = pa_audit_key_read(key_path, key)))
		return rc == PA_NOT_FOUND ? pa_errf(PA_BAD_REQUEST, "audit-key",
						    "no audit key at %s: give the backup's key "
						    "(--audit-key FILE)",
						    key_path)
					  : rc;
	bool replace = false;
	if ((rc = holds_pingan(db, &replace)))
		goto out;
	if (replace && !force) {
		rc = pa_errf(PA_CONFLICT, "db",
			     "%s holds a pingan database: restore replaces one only with --force "
			     "(stop its pingan serve first)",
			     db);
		goto out;
	}
	if ((rc = pa_pg_scratch(db, false, staged, sizeof staged)))
		goto out;
	if (!(rc = pa_restore_into(staged, from, key, l)) &&
	    !(rc = pa_restore_checked(staged, from, key, key_path, files_dir, cat, l, res))) {
		/* the key before the database: a database under its name has its key (unless it
		 * is kept where it was given) */
		pa_audit_key_path_of(db, db_key, sizeof db_key);
		if (!audit_key)
			rc = pa_audit_key_save(db_key, key);
		if (!rc)
			rc = pa_restore_into(db, from, key, l);
	}
	pa_pg_scratch(db, true, staged, sizeof staged);
out:
	sodium_memzero(key, sizeof key);
	return rc;
}
