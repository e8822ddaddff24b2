/* backup_internal.h: the steps of a restore that SQLite's (backup.c) and PostgreSQL's
 * (restore_pg.c) share. Not for use outside src/service/backup.c and restore_pg.c. */
#ifndef PA_SERVICE_BACKUP_INTERNAL_H
#define PA_SERVICE_BACKUP_INTERNAL_H

#include "service/backup.h"
#include "store/audit.h"

/* Copy the backup (or database) at from into the database at to, replacing what it held,
 * and bring it to this pingan's schema, chaining any unchained audit log with key. */
enum pa_err pa_restore_into(const char *to, const char *from, const uint8_t key[PA_AUDIT_KEY_BYTES],
			    const struct pa_ops_listener *l);
/* Check the restored copy at staged as pingan check does (its audit chain with key, named
 * key_path in messages): any problem refuses the backup from. Then copy the attachment
 * files its rows name from from.files into files_dir. */
enum pa_err pa_restore_checked(const char *staged, const char *from,
			       const uint8_t key[PA_AUDIT_KEY_BYTES], const char *key_path,
			       const char *files_dir, const struct pa_catalog *cat,
			       const struct pa_ops_listener *l, struct pa_ops_result *res);
/* pa_restore into a PostgreSQL database (restore_pg.c). */
enum pa_err pa_restore_pg(const char *from, const char *audit_key, const char *db,
			  const char *files_dir, bool force, const struct pa_catalog *cat,
			  const struct pa_ops_listener *l, struct pa_ops_result *res);

#endif
