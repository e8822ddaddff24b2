/* attachments.c: photos, scans and signed agreements on a case. The bytes are kept as a
 * file named by their SHA-256 (written, synced and renamed into place before the case
 * records it, so an acknowledged attachment is never a dangling name); the type is read
 * from the content, not from what the client claims; the case records the hash in a step;
 * a file is served only to those who may read the case. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/text.h"
#include "service/internal.h"

/* The type shown by the first bytes (NULL: not one pingan keeps). */
static const char *sniff(const unsigned char *b, size_t n, const char **ext)
{
	if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
		return *ext = "jpg", "image/jpeg";
	if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return *ext = "png", "image/png";
	if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
		return *ext = "webp", "image/webp";
	if (n >= 5 && memcmp(b, "%PDF-", 5) == 0)
		return *ext = "pdf", "application/pdf";
	return NULL;
}

static bool sha_valid(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

void pa_file_path(const char *files_dir, const char *sha, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%.2s/%.2s/%s", files_dir, sha, sha + 2, sha);
}

enum pa_err pa_mkdirs(const char *path)
{
	char buf[1300];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(buf, 0750) != 0 && errno != EEXIST)
				return pa_errf(PA_STORE_IO, NULL, "cannot make %s: %s", buf,
					       strerror(errno));
			*p = '/';
		}
	if (mkdir(buf, 0750) != 0 && errno != EEXIST)
		return pa_errf(PA_STORE_IO, NULL, "cannot make %s: %s", buf, strerror(errno));
	return PA_OK;
}

void pa_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* The file in place and on disk, or an error; an existing one (same hash) is kept. */
static enum pa_err keep_file(const struct pa_app *app, const char *sha, const char *data, size_t n)
{
	char path[1200], dir[1200], tmp[1300];
	pa_file_path(app->files_dir, sha, path, sizeof path);
	struct stat st;
	if (stat(path, &st) == 0 && (size_t)st.st_size == n)
		return PA_OK;
	snprintf(dir, sizeof dir, "%s/%.2s/%.2s", app->files_dir, sha, sha + 2);
	enum pa_err rc = pa_mkdirs(dir);
	if (rc)
		return rc;
	snprintf(tmp, sizeof tmp, "%s/.%s.%u", dir, sha, randombytes_random());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return pa_errf(PA_STORE_IO, NULL, "cannot store the file: %s", strerror(errno));
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(fd, data + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	bool ok = off == n && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		int err = errno;
		unlink(tmp);
		return pa_errf(PA_STORE_IO, NULL, "cannot store the file: %s", strerror(err));
	}
	pa_sync_dir(dir);
	return PA_OK;
}

struct attach_job {
	struct pa_app *app;
	const struct pa_actor *actor;
	int64_t case_id, size, at;
	const char *sha, *mime, *name;
	struct idem idem;
	struct pa_jw *out;
};

static enum pa_err attach_job(struct pa_db *db, void *arg)
{
	struct attach_job *j = arg;
	enum pa_err rc = idem_lookup(db, &j->idem, j->out);
	if (rc != PA_NOT_FOUND)
		return rc;
	struct pa_case_head h;
	if ((rc = db->ops->case_head(db, &j->actor->scope, j->case_id, &h)))
		return rc;
	if ((rc = db->ops->attachment_add(db, h.id, j->sha, j->mime, j->size, j->name,
					  j->actor->user.id, j->at)))
		return rc;
	/* the step records who added which file when: its name and hash in the note */
	char note[400];
	snprintf(note, sizeof note, "%s (sha256 %s)", j->name, j->sha);
	struct pa_step_in st = {.case_id = h.id,
				.action = "attach",
				.from_state = h.status,
				.to_state = h.status,
				.note = note,
				.from_unit = j->actor->user.unit_id,
				.actor_id = j->actor->user.id,
				.at = j->at,
				.type = h.type,
				.category = h.category,
				.grid = h.grid};
	if ((rc = db->ops->case_step(db, &st)))
		return rc;
	char at[32];
	pa_jw_obj(j->out);
	pa_jw_kstr(j->out, "sha256", j->sha);
	pa_jw_kstr(j->out, "name", j->name);
	pa_jw_kstr(j->out, "mime", j->mime);
	pa_jw_kint(j->out, "size", j->size);
	pa_jw_kstr(j->out, "at", pa_time_iso(j->at, at));
	pa_jw_obj_end(j->out);
	return idem_store(db, &j->idem, 201, j->out);
}

bool pa_may_attach(const struct pa_catalog *cat, const char *type, const struct pa_role *role)
{
	const struct pa_casetype *t = pa_catalog_type(cat, type);
	const struct pa_transition *report =
		t ? pa_lifecycle_find(t->lc, "report", PA_FROM_CREATE) : NULL;
	return report && pa_role_may(report, role);
}

enum pa_err pa_attachment_add(struct pa_app *app, const struct pa_actor *a, int64_t case_id,
			      const char *name, const char *data, size_t n, const char *idem_key,
			      struct pa_jw *out)
{
	if (!n)
		return pa_errf(PA_BAD_REQUEST, NULL, "send the file as the body");
	const char *ext, *mime = sniff((const unsigned char *)data, n, &ext);
	if (!mime)
		return pa_errf(PA_UNSUPPORTED_MEDIA, NULL,
			       "pingan keeps JPEG, PNG and WebP images and PDF documents");
	if (name && (!pa_utf8_valid(name) || pa_utf8_len(name) > 100 || strpbrk(name, "/\\")))
		return pa_errf(PA_BAD_QUERY, "name",
			       "a file name of at most 100 characters, no slashes");
	for (const char *p = name; p && *p; p++)
		if ((unsigned char)*p < 0x20)
			return pa_errf(PA_BAD_QUERY, "name", "the name holds a control character");
	/* Only someone who may read the case and report cases of its type adds to it. */
	struct pa_case_head h;
	enum pa_err rc = PA_OK;
	PA_WITH_READ(app, db, rc, rc = db->ops->case_head(db, &a->scope, case_id, &h));
	if (rc)
		return rc;
	if (!pa_may_attach(app->cat, h.type, a->role))
		return pa_errf(PA_FORBIDDEN, NULL, "your role may not add files to cases");
	uint8_t hash[32];
	char sha[65];
	crypto_hash_sha256(hash, (const unsigned char *)data, n);
	sodium_bin2hex(sha, sizeof sha, hash, sizeof hash);
	if ((rc = keep_file(app, sha, data, n)))
		return rc;
	char defname[32];
	snprintf(defname, sizeof defname, "附件.%s", ext);
	struct attach_job j = {.app = app,
			       .actor = a,
			       .case_id = case_id,
			       .size = (int64_t)n,
			       .at = pa_now(),
			       .sha = sha,
			       .mime = mime,
			       .name = name && *name ? name : defname,
			       .out = out};
	/* the request a key stands for: this file, under this name, on this case */
	json_t *what = json_pack("{s:I, s:s, s:s}", "case", (json_int_t)case_id, "sha256", sha,
				 "name", j.name);
	char path[64];
	snprintf(path, sizeof path, "POST /cases/%lld/attachments", (long long)case_id);
	rc = idem_prepare(&j.idem, app, a, idem_key, path, what);
	json_decref(what);
	if (rc)
		return rc;
	return pa_writer_run(app->writer, attach_job, &j);
}

enum pa_err pa_attachment_file(struct pa_app *app, const struct pa_actor *a, int64_t case_id,
			       const char *sha, char path[1200], char mime[32], char name[256])
{
	if (!sha_valid(sha))
		return pa_errf(PA_NOT_FOUND, NULL, "no such attachment");
	enum pa_err rc = PA_OK;
	int64_t size;
	PA_WITH_READ(app, db, rc, {
		struct pa_case_head h;
		rc = db->ops->case_head(db, &a->scope, case_id, &h);
		if (!rc)
			rc = db->ops->attachment_get(db, case_id, sha, mime, name, &size);
	});
	if (rc)
		return rc;
	pa_file_path(app->files_dir, sha, path, 1200);
	return PA_OK;
}
