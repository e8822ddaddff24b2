/* audit_key.c: the audit key's file — outside the database, so a copy of the database alone
 * can neither forge the audit log nor verify it. One line: "pingan-audit-key-v1 " and the
 * 32 key bytes in hex; mode 0600. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/audit.h"

#define MAGIC "pingan-audit-key-v1 "

void pa_audit_key_path_of(const char *db, char *out, size_t cap)
{
	if (strncmp(db, "sqlite://", 9) == 0)
		db += 9;
	else if (strncmp(db, "sqlite:", 7) == 0)
		db += 7;
	snprintf(out, cap, "%s.audit-key", db);
}

enum pa_err pa_audit_key_read(const char *path, uint8_t key[PA_AUDIT_KEY_BYTES])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return pa_errf(PA_NOT_FOUND, "audit-key", "no audit key at %s", path);
	if (fd < 0)
		return pa_errf(PA_STORE_IO, "audit-key", "cannot read the audit key %s: %s", path,
			       strerror(errno));
	struct stat st;
	char buf[128];
	ssize_t n = 0;
	enum pa_err rc = PA_OK;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		rc = pa_errf(PA_BAD_REQUEST, "audit-key", "the audit key %s is not a file", path);
	else if (st.st_mode & 077)
		/* as ssh refuses a private key others may read */
		rc = pa_errf(PA_BAD_REQUEST, "audit-key",
			     "the audit key %s may be read by others (mode %04o): chmod 600 it",
			     path, (unsigned)(st.st_mode & 07777));
	else if ((n = read(fd, buf, sizeof buf - 1)) < 0)
		rc = pa_errf(PA_STORE_IO, "audit-key", "cannot read the audit key %s: %s", path,
			     strerror(errno));
	close(fd);
	if (rc)
		return rc;
	size_t len = n > 0 && (size_t)n < sizeof buf ? (size_t)n : 0;
	buf[len] = 0;
	size_t m = strlen(MAGIC), hex = 2 * PA_AUDIT_KEY_BYTES;
	size_t bin = 0;
	bool ok = len >= m + hex && memcmp(buf, MAGIC, m) == 0 &&
		  strspn(buf + m, "0123456789abcdef") == hex &&
		  (buf[m + hex] == 0 || (buf[m + hex] == '\n' && buf[m + hex + 1] == 0)) &&
		  sodium_hex2bin(key, PA_AUDIT_KEY_BYTES, buf + m, hex, NULL, &bin, NULL) == 0 &&
		  bin == PA_AUDIT_KEY_BYTES;
	sodium_memzero(buf, sizeof buf);
	if (!ok)
		return pa_errf(PA_BAD_REQUEST, "audit-key",
			       "%s is not a pingan audit key (a damaged or wrong file?)", path);
	return PA_OK;
}

/* fsync the directory a path lies in: a name made or renamed survives a crash. */
static void sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
}

/* Write key to a new file at path (mode 0600, synced); EEXIST is CONFLICT. */
static enum pa_err write_new(const char *path, const uint8_t key[PA_AUDIT_KEY_BYTES])
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == EEXIST)
		return pa_errf(PA_CONFLICT, "audit-key", "an audit key is at %s already", path);
	if (fd < 0)
		return pa_errf(PA_STORE_IO, "audit-key", "cannot create the audit key %s: %s", path,
			       strerror(errno));
	char line[128];
	size_t m = strlen(MAGIC);
	memcpy(line, MAGIC, m);
	sodium_bin2hex(line + m, sizeof line - m, key, PA_AUDIT_KEY_BYTES);
	size_t len = strlen(line);
	line[len++] = '\n';
	bool ok = fchmod(fd, 0600) == 0 && write(fd, line, len) == (ssize_t)len && fsync(fd) == 0;
	int err = errno;
	sodium_memzero(line, sizeof line);
	close(fd);
	if (!ok) {
		unlink(path);
		return pa_errf(PA_STORE_IO, "audit-key", "cannot write the audit key %s: %s", path,
			       strerror(err));
	}
	return PA_OK;
}

enum pa_err pa_audit_key_create(const char *path, uint8_t key[PA_AUDIT_KEY_BYTES])
{
	randombytes_buf(key, PA_AUDIT_KEY_BYTES);
	enum pa_err rc = write_new(path, key);
	/* the name too must survive a crash, or the next start would make another key */
	if (!rc)
		sync_dir_of(path);
	return rc;
}

enum pa_err pa_audit_key_save(const char *path, const uint8_t key[PA_AUDIT_KEY_BYTES])
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s.partial-%d", path, (int)getpid());
	unlink(tmp);
	enum pa_err rc = write_new(tmp, key);
	if (!rc && rename(tmp, path) != 0) {
		rc = pa_errf(PA_STORE_IO, "audit-key", "cannot put the audit key at %s: %s", path,
			     strerror(errno));
		unlink(tmp);
	}
	if (!rc)
		sync_dir_of(path);
	return rc;
}
