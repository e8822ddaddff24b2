/* backup.c: backup while serving, restore, and check. The database is copied by the store
 * (one moment, the writer never blocked); this file adds the attachment files beside it,
 * the temporary names and renames that keep a half copy from ever wearing the final name,
 * and the catalog's rules the counters are checked by. */
#include "service/backup.h"
#include "service/backup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "service/internal.h"

void pa_files_dir_of(const char *db, char *out, size_t cap)
{
	char local[PATH_MAX];
	pa_store_local_path(db, local, sizeof local);
	snprintf(out, cap, "%s.files", local);
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static void tell(const struct pa_ops_listener *l, struct pa_ops_result *res, const char *area,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void tell(const struct pa_ops_listener *l, struct pa_ops_result *res, const char *area,
		 const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	res->problems++;
	if (l && l->problem)
		l->problem(l->arg, area, msg);
}

/* ---- attachment files ---- */

enum file_state { FILE_OK, FILE_MISSING, FILE_CHANGED, FILE_IO };

/* Read the file at path, hashing it and (to_fd >= 0) writing it out as it is read; whether
 * it is the file named sha of size bytes. why gets what is wrong. */
static enum file_state file_read(const char *path, int to_fd, const char *sha, int64_t size,
				 char *why, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, cap, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? FILE_MISSING : FILE_IO;
	}
	crypto_hash_sha256_state h;
	crypto_hash_sha256_init(&h);
	static unsigned char buf[1 << 16]; /* one call at a time (backup.h) */
	int64_t total = 0;
	ssize_t n;
	enum file_state st = FILE_OK;
	while ((n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(why, cap, "cannot read %s: %s", path, strerror(errno));
			st = FILE_IO;
			break;
		}
		crypto_hash_sha256_update(&h, buf, (unsigned long long)n);
		total += n;
		for (ssize_t off = 0; to_fd >= 0 && off < n;) {
			ssize_t w = write(to_fd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				snprintf(why, cap, "cannot write a copy of %s: %s", path,
					 strerror(errno));
				st = FILE_IO;
				break;
			}
			off += w;
		}
		if (st)
			break;
	}
	close(fd);
	if (st)
		return st;
	unsigned char hash[32];
	char hex[65];
	crypto_hash_sha256_final(&h, hash);
	sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
	if (strcmp(hex, sha) != 0) {
		snprintf(why, cap, "%s holds other bytes than the case recorded (SHA-256 %.12s…)",
			 path, hex);
		return FILE_CHANGED;
	}
	if (total != size) {
		snprintf(why, cap, "%s holds %lld bytes, the case recorded %lld", path,
			 (long long)total, (long long)size);
		return FILE_CHANGED;
	}
	return FILE_OK;
}

/* Copy the attachment sha from one files directory into another, checked against its name
 * as it is read: written under a temporary name, synced, renamed. One already there whole
 * is kept. */
static enum file_state file_copy(const char *from_dir, const char *to_dir, const char *sha,
				 int64_t size, char *why, size_t cap)
{
	char src[1200], dst[1200], dir[1200], tmp[1300];
	pa_file_path(from_dir, sha, src, sizeof src);
	pa_file_path(to_dir, sha, dst, sizeof dst);
	if (exists(dst) && file_read(dst, -1, sha, size, why, cap) == FILE_OK)
		return FILE_OK;
	snprintf(dir, sizeof dir, "%s/%.2s/%.2s", to_dir, sha, sha + 2);
	if (pa_mkdirs(dir)) {
		snprintf(why, cap, "%s", pa_err_last()->message);
		return FILE_IO;
	}
	snprintf(tmp, sizeof tmp, "%s/.%s.partial", dir, sha);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		snprintf(why, cap, "cannot write %s: %s", tmp, strerror(errno));
		return FILE_IO;
	}
	enum file_state st = file_read(src, fd, sha, size, why, cap);
	if (!st && fsync(fd) != 0) {
		snprintf(why, cap, "cannot sync %s: %s", tmp, strerror(errno));
		st = FILE_IO;
	}
	if (close(fd) != 0 && !st) {
		snprintf(why, cap, "cannot write %s: %s", tmp, strerror(errno));
		st = FILE_IO;
	}
	if (!st && rename(tmp, dst) != 0) {
		snprintf(why, cap, "cannot rename %s: %s", tmp, strerror(errno));
		st = FILE_IO;
	}
	if (st)
		unlink(tmp);
	else
		pa_sync_dir(dir);
	return st;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

/* Remove a directory this file made (a temporary one), with all in it. */
static void remove_tree(const char *dir)
{
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void sync_parent(const char *path)
{
	char copy[PATH_MAX];
	snprintf(copy, sizeof copy, "%s", path);
	pa_sync_dir(dirname(copy));
}

/* A read connection to the database at db (the store and the connection to close with
 * read_end). */
static enum pa_err read_begin(const char *db, struct pa_store **s, struct pa_db **conn)
{
	enum pa_err rc = pa_store_open(db, s);
	if (rc)
		return rc;
	if (!(*conn = pa_store_acquire(*s))) {
		rc = pa_err_last()->code ? pa_err_last()->code : PA_STORE_IO;
		pa_store_close(*s);
	}
	return rc;
}

static void read_end(struct pa_store *s, struct pa_db *conn)
{
	pa_store_release(s, conn);
	pa_store_close(s);
}

/* ---- check ---- */

struct shas {
	int n, cap;
	struct {
		char sha[65];
		int64_t size;
	} * v;
};

struct check_ctx {
	const char *files_dir;
	const struct pa_ops_listener *l;
	struct pa_ops_result *res;
	struct shas *keep; /* the files the rows refer to, for restore; NULL = not kept */
};

static void check_problem(void *arg, const char *area, const char *message)
{
	const struct pa_ops_listener *l = ((struct check_ctx *)arg)->l;
	if (l && l->problem)
		l->problem(l->arg, area, message);
}

static enum pa_err check_file(void *arg, int64_t case_id, const char *sha, int64_t size)
{
	struct check_ctx *x = arg;
	char path[1200], why[1400];
	if (strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64) {
		tell(x->l, x->res, "attachments",
		     "case id %lld refers to a file named \"%.80s\", "
		     "not a SHA-256",
		     (long long)case_id, sha);
		return PA_OK;
	}
	pa_file_path(x->files_dir, sha, path, sizeof path);
	enum file_state st = file_read(path, -1, sha, size, why, sizeof why);
	if (st == FILE_MISSING)
		tell(x->l, x->res, "attachments", "case id %lld: the file %s is missing",
		     (long long)case_id, path);
	else if (st)
		tell(x->l, x->res, "attachments", "case id %lld: %s", (long long)case_id, why);
	if (x->keep) {
		struct shas *k = x->keep;
		if (k->n == k->cap) {
			k->cap = k->cap ? 2 * k->cap : 64;
			k->v = realloc(k->v, sizeof *k->v * (size_t)k->cap);
		}
		snprintf(k->v[k->n].sha, sizeof k->v[k->n].sha, "%s", sha);
		k->v[k->n++].size = size;
	}
	return PA_OK;
}

/* The audit log's chain, verified with key (NULL: none was found at key_path). */
static void check_audit(struct pa_db *conn, const uint8_t *key, const char *key_path,
			const struct pa_ops_listener *l, struct pa_ops_result *res)
{
	struct pa_audit_report rep;
	if (!key)
		tell(l, res, "audit",
		     "no audit key at %s: the audit log cannot be verified (give --audit-key FILE)",
		     key_path);
	else if (pa_audit_verify(conn, key, 1, &rep))
		tell(l, res, "audit", "the audit log cannot be verified: %s",
		     pa_err_last()->message);
	else if (rep.problem)
		tell(l, res, "audit", "%s", rep.message);
	else
		res->audit_rows = rep.last;
}

static enum pa_err check_db(const char *db, const uint8_t *key, const char *key_path,
			    const char *files_dir, const struct pa_catalog *cat,
			    const struct pa_ops_listener *l, struct pa_ops_result *res,
			    struct shas *keep)
{
	struct pa_store *s;
	struct pa_db *conn;
	enum pa_err rc = read_begin(db, &s, &conn);
	if (rc)
		return rc;
	struct pa_arena a;
	pa_arena_init(&a);
	struct pa_check_rules rules;
	pa_check_rules_of(cat, &a, &rules);
	struct check_ctx x = {.files_dir = files_dir, .l = l, .res = res, .keep = keep};
	struct pa_check_report r = {.problem = check_problem, .file = check_file, .arg = &x};
	rc = conn->ops->check(conn, &rules, &r);
	res->schema_version = r.schema_version;
	res->cases = r.cases;
	res->steps = r.steps;
	res->attachments = r.attachments;
	res->problems += r.problems;
	if (!rc)
		check_audit(conn, key, key_path, l, res);
	pa_arena_free(&a);
	read_end(s, conn);
	return rc;
}

/* The audit key at path (NULL = db's own; the path read into path_out) into key. A key
 * that cannot be read is told as a problem; one not found is left to the caller. */
static enum pa_err key_of(const char *db, const char *path, char *path_out, size_t cap,
			  uint8_t key[PA_AUDIT_KEY_BYTES], const struct pa_ops_listener *l,
			  struct pa_ops_result *res)
{
	if (path)
		snprintf(path_out, cap, "%s", path);
	else
		pa_audit_key_path_of(db, path_out, cap);
	enum pa_err rc = pa_audit_key_read(path_out, key);
	if (rc && rc != PA_NOT_FOUND)
		tell(l, res, "audit", "%s", pa_err_last()->message);
	return rc;
}

enum pa_err pa_check(const char *db, const char *audit_key, const char *files_dir,
		     const struct pa_catalog *cat, const struct pa_ops_listener *l,
		     struct pa_ops_result *res)
{
	memset(res, 0, sizeof *res);
	char path[PATH_MAX];
	uint8_t key[PA_AUDIT_KEY_BYTES];
	bool have = key_of(db, audit_key, path, sizeof path, key, l, res) == PA_OK;
	enum pa_err rc = check_db(db, have ? key : NULL, path, files_dir, cat, l, res, NULL);
	sodium_memzero(key, sizeof key);
	return rc;
}

/* ---- backup ---- */

struct copy_ctx {
	const char *from_dir, *to_dir;
	const struct pa_ops_listener *l;
	struct pa_ops_result *res;
};

static void copy_progress(void *arg, int64_t done, int64_t total)
{
	const struct pa_ops_listener *l = ((struct copy_ctx *)arg)->l;
	if (l && l->progress)
		l->progress(l->arg, done, total);
}

static enum pa_err backup_file(void *arg, int64_t case_id, const char *sha, int64_t size)
{
	struct copy_ctx *x = arg;
	char why[1400];
	enum file_state st = file_copy(x->from_dir, x->to_dir, sha, size, why, sizeof why);
	if (st == FILE_OK) {
		x->res->files++;
		return PA_OK;
	}
	/* one lost file must not cost the backup of everything else: told, counted, skipped */
	x->res->missing++;
	tell(x->l, x->res, "attachments", "case id %lld: not in the backup: %s", (long long)case_id,
	     why);
	return PA_OK;
}

enum pa_err pa_backup(const char *db, const char *audit_key, const char *files_dir, const char *out,
		      const struct pa_ops_listener *l, struct pa_ops_result *res)
{
	memset(res, 0, sizeof *res);
	if (strlen(out) > PATH_MAX / 2)
		return pa_errf(PA_BAD_REQUEST, "out", "a path too long");
	char out_files[PATH_MAX], tmp[PATH_MAX], tmp_files[PATH_MAX], out_key[PATH_MAX];
	snprintf(out_files, sizeof out_files, "%s.files", out);
	pa_audit_key_path_of(out, out_key, sizeof out_key);
	const char *there = exists(out)         ? out
			    : exists(out_files) ? out_files
			    : exists(out_key)   ? out_key
						: NULL;
	if (there)
		return pa_errf(PA_CONFLICT, "out",
			       "%s exists already: a backup never replaces another; give a new "
			       "name",
			       there);
	snprintf(tmp, sizeof tmp, "%s.partial-%d", out, (int)getpid());
	snprintf(tmp_files, sizeof tmp_files, "%s.files.partial-%d", out, (int)getpid());
	struct pa_store *s;
	struct pa_db *conn;
	enum pa_err rc = read_begin(db, &s, &conn);
	if (rc)
		return rc;
	if (mkdir(tmp_files, 0750) != 0)
		rc = pa_errf(PA_STORE_IO, "out", "cannot make %s: %s", tmp_files, strerror(errno));
	struct copy_ctx x = {.from_dir = files_dir, .to_dir = tmp_files, .l = l, .res = res};
	struct pa_copy_cbs cb = {.progress = copy_progress, .file = backup_file, .arg = &x};
	if (!rc)
		rc = conn->ops->backup(conn, tmp, &cb);
	read_end(s, conn);
	/* the key travels with the copy: without it the copy's audit log cannot be verified */
	char key_path[PATH_MAX];
	uint8_t key[PA_AUDIT_KEY_BYTES];
	enum pa_err krc = rc ? rc : key_of(db, audit_key, key_path, sizeof key_path, key, l, res);
	bool have = !rc && !krc;
	if (!rc && krc == PA_NOT_FOUND)
		tell(l, res, "audit",
		     "no audit key at %s: the backup holds none, and its audit log cannot be "
		     "verified without the key (give --audit-key FILE)",
		     key_path);
	res->no_key = !rc && krc;
	if (have)
		rc = pa_audit_key_save(out_key, key);
	sodium_memzero(key, sizeof key);
	/* the files first, the database last: a database under its final name has its files */
	if (!rc) {
		pa_sync_dir(tmp_files);
		if (rename(tmp_files, out_files) != 0 || rename(tmp, out) != 0)
			rc = pa_errf(PA_STORE_IO, "out", "cannot put the backup in place: %s",
				     strerror(errno));
		sync_parent(out);
	}
	struct stat st;
	if (!rc && stat(out, &st) == 0)
		res->bytes = st.st_size;
	if (rc) {
		unlink(tmp);
		remove_tree(tmp_files);
		if (have)
			unlink(out_key);
	}
	return rc;
}

/* ---- restore ---- */

/* A database's log and its index, left once every connection to it is closed. */
static void unlink_log(const char *path)
{
	char p[PATH_MAX + 128];
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
}

static void unlink_db(const char *path)
{
	unlink(path);
	unlink_log(path);
}

/* Copy the database at from into the database at to (created, or replaced whole), and
 * bring it to this pingan's schema (chaining its audit log with key, if it was from before
 * the chain). */
enum pa_err pa_restore_into(const char *to, const char *from, const uint8_t key[PA_AUDIT_KEY_BYTES],
			    const struct pa_ops_listener *l)
{
	struct pa_store *s;
	struct pa_db *w = NULL;
	enum pa_err rc = pa_store_open(to, &s);
	if (rc)
		return rc;
	pa_store_set_audit_key(s, key);
	struct copy_ctx x = {.l = l};
	struct pa_copy_cbs cb = {.progress = copy_progress, .arg = &x};
	int v0, v1;
	if (!(rc = pa_store_open_writer(s, &w)) && !(rc = w->ops->restore(w, from, &cb)))
		rc = w->ops->migrate(w, &v0, &v1);
	if (w)
		w->ops->close(w);
	pa_store_close(s);
	return rc;
}

enum pa_err pa_restore_checked(const char *staged, const char *from,
			       const uint8_t key[PA_AUDIT_KEY_BYTES], const char *key_path,
			       const char *files_dir, const struct pa_catalog *cat,
			       const struct pa_ops_listener *l, struct pa_ops_result *res)
{
	char from_files[PATH_MAX];
	snprintf(from_files, sizeof from_files, "%s.files", from);
	struct shas keep = {0};
	enum pa_err rc = check_db(staged, key, key_path, from_files, cat, l, res, &keep);
	if (!rc && res->problems)
		rc = res->problems == 1
			     ? pa_errf(PA_CONFLICT, "from",
				       "the backup %s has a problem (above): nothing was restored",
				       from)
			     : pa_errf(PA_CONFLICT, "from",
				       "the backup %s has %lld problems (above): nothing was "
				       "restored",
				       from, (long long)res->problems);
	for (int i = 0; !rc && i < keep.n; i++) {
		char why[1400];
		if (file_copy(from_files, files_dir, keep.v[i].sha, keep.v[i].size, why,
			      sizeof why))
			rc = pa_errf(PA_STORE_IO, NULL, "cannot restore an attachment: %s", why);
		else
			res->files++;
	}
	free(keep.v);
	return rc;
}

/* Whether the file at path holds a pingan database this pingan can take. */
static enum pa_err backup_usable(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return pa_errf(PA_NOT_FOUND, "from", "no backup at %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return pa_errf(PA_BAD_REQUEST, "from", "%s is not a file", path);
	struct pa_store *s;
	struct pa_db *conn;
	int v = 0;
	if (!read_begin(path, &s, &conn)) {
		conn->ops->version(conn, &v);
		read_end(s, conn);
	}
	if (v <= 0)
		return pa_errf(PA_BAD_REQUEST, "from",
			       "%s is not a pingan backup (no pingan database in it)", path);
	return PA_OK; /* one newer than this pingan is refused by the migration */
}

/* The backup's audit key: read from path, or — for a backup whose log was never chained
 * (from before the chain) — a new one (*made). */
static enum pa_err backup_key(const char *from, const char *path, uint8_t key[PA_AUDIT_KEY_BYTES],
			      bool *made)
{
	*made = false;
	enum pa_err rc = pa_audit_key_read(path, key);
	if (rc != PA_NOT_FOUND)
		return rc;
	struct pa_store *s;
	struct pa_db *conn;
	int64_t n = 0;
	char id[17];
	if ((rc = read_begin(from, &s, &conn)))
		return rc;
	rc = conn->ops->audit_status(conn, &n, id);
	read_end(s, conn);
	if (rc)
		return rc;
	if (n > 0)
		return pa_errf(PA_BAD_REQUEST, "audit-key",
			       "no audit key at %s, but the backup's audit log holds %lld rows "
			       "chained with one: give its key (--audit-key FILE)",
			       path, (long long)n);
	randombytes_buf(key, PA_AUDIT_KEY_BYTES);
	*made = true;
	return PA_OK;
}

enum pa_err pa_restore(const char *from, const char *audit_key, const char *db,
		       const char *files_dir, bool force, const struct pa_catalog *cat,
		       const struct pa_ops_listener *l, struct pa_ops_result *res)
{
	memset(res, 0, sizeof *res);
	if (strlen(from) > PATH_MAX / 2 || strlen(db) > PATH_MAX / 2)
		return pa_errf(PA_BAD_REQUEST, NULL, "a path too long");
	if (pa_store_is_pg(db))
		return pa_restore_pg(from, audit_key, db, files_dir, force, cat, l, res);
	char wal[PATH_MAX], tmp[PATH_MAX], ra[PATH_MAX], rb[PATH_MAX];
	snprintf(wal, sizeof wal, "%s-wal", db);
	bool replace = exists(db) || exists(wal);
	if (replace && realpath(from, ra) && realpath(db, rb) && strcmp(ra, rb) == 0)
		return pa_errf(PA_BAD_REQUEST, "db", "the backup and the database are one file");
	enum pa_err rc = backup_usable(from);
	if (rc)
		return rc;
	if (replace && !force)
		return pa_errf(PA_CONFLICT, "db",
			       "%s exists: restore replaces a database only with --force (stop "
			       "its pingan serve first)",
			       db);
	char key_path[PATH_MAX], db_key[PATH_MAX];
	uint8_t key[PA_AUDIT_KEY_BYTES], old[PA_AUDIT_KEY_BYTES];
	bool made, had_old = false, saved = false;
	if (audit_key)
		snprintf(key_path, sizeof key_path, "%s", audit_key);
	else
		pa_audit_key_path_of(from, key_path, sizeof key_path);
	if ((rc = backup_key(from, key_path, key, &made)))
		return rc;
	/* the key goes beside the database, unless kept elsewhere (given, and there already) */
	const char *key_dest = !audit_key ? db_key : made ? audit_key : NULL;
	pa_audit_key_path_of(db, db_key, sizeof db_key);
	/* Restored beside the database first, brought to this schema and checked there: the
	 * database is touched only by a copy known whole. */
	snprintf(tmp, sizeof tmp, "%s.restoring-%d", db, (int)getpid());
	unlink_db(tmp);
	if (!(rc = pa_restore_into(tmp, from, key, l)))
		rc = pa_restore_checked(tmp, from, key, key_path, files_dir, cat, l, res);
	/* the key before the database: a database under its name has its key */
	if (!rc && key_dest) {
		had_old = replace && pa_audit_key_read(key_dest, old) == PA_OK;
		rc = pa_audit_key_save(key_dest, key);
		saved = !rc;
	}
	if (!rc && !replace) {
		/* every connection to it is closed: its log is folded in and can go */
		unlink_log(tmp);
		int fd = open(tmp, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) != 0 || rename(tmp, db) != 0)
			rc = pa_errf(PA_STORE_IO, "db", "cannot put %s in place: %s", db,
				     strerror(errno));
		if (fd >= 0)
			close(fd);
		sync_parent(db);
	} else if (!rc) {
		rc = pa_restore_into(db, tmp, key, l);
		if (rc && had_old) /* the database stays as it was: so does its key */
			pa_audit_key_save(key_dest, old);
	}
	if (rc && saved && !replace)
		unlink(key_dest);
	unlink_db(tmp);
	sodium_memzero(key, sizeof key);
	sodium_memzero(old, sizeof old);
	return rc;
}
