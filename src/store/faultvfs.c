/* faultvfs.c: the testing-only fault-injecting VFS (see faultvfs.h). Every call goes to
 * the default VFS underneath; writes and syncs are counted and may be failed instead. */
#include "store/faultvfs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"

/* An open file: ours first (SQLite sees it), the default VFS's right behind it. */
struct ffile {
	sqlite3_file base;
	sqlite3_io_methods methods; /* ours, at the version of the file underneath */
	const char *name;           /* SQLite keeps it valid until xClose; NULL for temp files */
	sqlite3_file *real;
};

static struct {
	pthread_mutex_t mu;
	bool wanted, installed;
	char control[4096]; /* "" = armed from code only */
	struct stat seen;   /* the control file as last read (st_ino 0: none) */
	struct pa_fault armed;
	struct pa_faultvfs_count count;
	sqlite3_vfs vfs;
	sqlite3_vfs *real;
} fv = {.mu = PTHREAD_MUTEX_INITIALIZER};

#define REAL(f) (((struct ffile *)(f))->real)

bool pa_faultvfs_parse(const char *text, struct pa_fault *out)
{
	char op[8], err[8], mode[8], tail;
	long id, n;
	memset(out, 0, sizeof *out);
	int k = sscanf(text, "%ld %7s %ld %7s %7s %c", &id, op, &n, err, mode, &tail);
	out->id = id;
	if (k == 2 && strcmp(op, "off") == 0)
		return sscanf(text, "%ld %7s %c", &id, op, &tail) == 2;
	if (k != 5 || n < 1)
		return false;
	if (strcmp(op, "write") == 0)
		out->op = PA_FAULT_WRITE;
	else if (strcmp(op, "sync") == 0)
		out->op = PA_FAULT_SYNC;
	else
		return false;
	if (strcmp(err, "full") == 0)
		out->error = SQLITE_FULL;
	else if (strcmp(err, "ioerr") == 0)
		out->error = out->op == PA_FAULT_WRITE ? SQLITE_IOERR_WRITE : SQLITE_IOERR_FSYNC;
	else
		return false;
	if (strcmp(mode, "persist") != 0 && strcmp(mode, "once") != 0)
		return false;
	out->persist = mode[0] == 'p';
	out->n = n;
	return true;
}

static void arm_locked(const struct pa_fault *f)
{
	fv.armed = *f;
	memset(&fv.count, 0, sizeof fv.count);
}

/* Read the control file again if it changed since last time (a test replaces it whole).
 * A missing or unreadable file disarms: a fault must never outlive the test's wish. */
static void reload_locked(void)
{
	if (!fv.control[0])
		return;
	struct stat st;
	if (stat(fv.control, &st) != 0)
		memset(&st, 0, sizeof st);
	if (st.st_ino == fv.seen.st_ino && st.st_size == fv.seen.st_size &&
	    st.st_mtim.tv_sec == fv.seen.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == fv.seen.st_mtim.tv_nsec)
		return;
	fv.seen = st;
	char line[128] = "";
	FILE *f = st.st_ino ? fopen(fv.control, "r") : NULL;
	if (f) {
		if (!fgets(line, sizeof line, f))
			line[0] = 0;
		fclose(f);
	}
	struct pa_fault want;
	if (!pa_faultvfs_parse(line, &want)) {
		if (st.st_ino)
			pa_log(PA_LOG_WARN, "fault_control_unreadable", NULL);
		memset(&want, 0, sizeof want);
	}
	arm_locked(&want);
}

/* Count one write or sync; returns the error to give instead of doing it, or SQLITE_OK. */
static int fault_at(enum pa_fault_op op, const struct ffile *file)
{
	pthread_mutex_lock(&fv.mu);
	reload_locked();
	long k = op == PA_FAULT_WRITE ? ++fv.count.writes : ++fv.count.syncs;
	const struct pa_fault *a = &fv.armed;
	int rc = SQLITE_OK;
	long id = a->id;
	if (a->op == op && (k == a->n || (a->persist && k > a->n))) {
		rc = a->error;
		fv.count.fired++;
	}
	pthread_mutex_unlock(&fv.mu);
	if (rc) {
		const char *base = file->name ? strrchr(file->name, '/') : NULL;
		char ebase[200];
		pa_log(PA_LOG_WARN, "fault_injected",
		       "\"arm\":%ld,\"op\":\"%s\",\"nth\":%ld,\"error\":%d,\"file\":\"%s\"", id,
		       op == PA_FAULT_WRITE ? "write" : "sync", k, rc,
		       pa_log_escape(ebase, sizeof ebase,
				     base         ? base + 1
				     : file->name ? file->name
						  : "(temp)",
				     120));
	}
	return rc;
}

/* ---- the file methods: counted ones, then plain forwarding ---- */

static int f_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
	int rc = fault_at(PA_FAULT_WRITE, (struct ffile *)f);
	return rc ? rc : REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int f_sync(sqlite3_file *f, int flags)
{
	int rc = fault_at(PA_FAULT_SYNC, (struct ffile *)f);
	return rc ? rc : REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int f_close(sqlite3_file *f)
{
	return REAL(f)->pMethods->xClose(REAL(f));
}

static int f_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int f_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int f_lock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int f_unlock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int f_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int f_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int f_sector(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int f_device(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int f_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **out)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), region, size, extend, out);
}

static int f_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void f_shm_barrier(sqlite3_file *f)
{
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int f_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **out)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, n, out);
}

static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods methods = {
	.iVersion = 3,
	.xClose = f_close,
	.xRead = f_read,
	.xWrite = f_write,
	.xTruncate = f_truncate,
	.xSync = f_sync,
	.xFileSize = f_size,
	.xLock = f_lock,
	.xUnlock = f_unlock,
	.xCheckReservedLock = f_reserved,
	.xFileControl = f_control,
	.xSectorSize = f_sector,
	.xDeviceCharacteristics = f_device,
	.xShmMap = f_shm_map,
	.xShmLock = f_shm_lock,
	.xShmBarrier = f_shm_barrier,
	.xShmUnmap = f_shm_unmap,
	.xFetch = f_fetch,
	.xUnfetch = f_unfetch,
};

/* ---- the VFS: open wraps, the rest goes straight to the default VFS ---- */

static int v_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *oflags)
{
	(void)v;
	struct ffile *ff = (struct ffile *)f;
	ff->real = (sqlite3_file *)(ff + 1);
	ff->name = name;
	int rc = fv.real->xOpen(fv.real, name, ff->real, flags, oflags);
	/* SQLite calls xClose whenever pMethods is set, failed open or not: mirror the real */
	if (ff->real->pMethods) {
		ff->methods = methods;
		if (ff->real->pMethods->iVersion < ff->methods.iVersion)
			ff->methods.iVersion = ff->real->pMethods->iVersion;
		ff->base.pMethods = &ff->methods;
	} else {
		ff->base.pMethods = NULL;
	}
	return rc;
}

static int v_delete(sqlite3_vfs *v, const char *name, int sync_dir)
{
	(void)v;
	return fv.real->xDelete(fv.real, name, sync_dir);
}

static int v_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
	(void)v;
	return fv.real->xAccess(fv.real, name, flags, out);
}

static int v_fullpath(sqlite3_vfs *v, const char *name, int n, char *out)
{
	(void)v;
	return fv.real->xFullPathname(fv.real, name, n, out);
}

static void *v_dlopen(sqlite3_vfs *v, const char *name)
{
	(void)v;
	return fv.real->xDlOpen(fv.real, name);
}

static void v_dlerror(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	fv.real->xDlError(fv.real, n, out);
}

static void (*v_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
	(void)v;
	return fv.real->xDlSym(fv.real, h, sym);
}

static void v_dlclose(sqlite3_vfs *v, void *h)
{
	(void)v;
	fv.real->xDlClose(fv.real, h);
}

static int v_random(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return fv.real->xRandomness(fv.real, n, out);
}

static int v_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return fv.real->xSleep(fv.real, us);
}

static int v_time(sqlite3_vfs *v, double *out)
{
	(void)v;
	return fv.real->xCurrentTime(fv.real, out);
}

static int v_lasterr(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return fv.real->xGetLastError(fv.real, n, out);
}

static int v_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
	(void)v;
	return fv.real->xCurrentTimeInt64(fv.real, out);
}

static int v_setcall(sqlite3_vfs *v, const char *name, sqlite3_syscall_ptr p)
{
	(void)v;
	return fv.real->xSetSystemCall(fv.real, name, p);
}

static sqlite3_syscall_ptr v_getcall(sqlite3_vfs *v, const char *name)
{
	(void)v;
	return fv.real->xGetSystemCall(fv.real, name);
}

static const char *v_nextcall(sqlite3_vfs *v, const char *name)
{
	(void)v;
	return fv.real->xNextSystemCall(fv.real, name);
}

void pa_faultvfs_want(const char *control)
{
	pthread_mutex_lock(&fv.mu);
	fv.wanted = true;
	snprintf(fv.control, sizeof fv.control, "%s", control ? control : "");
	pthread_mutex_unlock(&fv.mu);
}

int pa_faultvfs_setup(void)
{
	if (!fv.wanted || fv.installed)
		return SQLITE_OK;
	fv.real = sqlite3_vfs_find(NULL);
	if (!fv.real)
		return SQLITE_ERROR;
	/* the version-3 calls are forwarded only if the default VFS has them */
	fv.vfs = (sqlite3_vfs){
		.iVersion = fv.real->iVersion < 3 ? fv.real->iVersion : 3,
		.szOsFile = (int)sizeof(struct ffile) + fv.real->szOsFile,
		.mxPathname = fv.real->mxPathname,
		.zName = "pingan-fault",
		.xOpen = v_open,
		.xDelete = v_delete,
		.xAccess = v_access,
		.xFullPathname = v_fullpath,
		.xDlOpen = v_dlopen,
		.xDlError = v_dlerror,
		.xDlSym = v_dlsym,
		.xDlClose = v_dlclose,
		.xRandomness = v_random,
		.xSleep = v_sleep,
		.xCurrentTime = v_time,
		.xGetLastError = v_lasterr,
		.xCurrentTimeInt64 = v_time64,
		.xSetSystemCall = v_setcall,
		.xGetSystemCall = v_getcall,
		.xNextSystemCall = v_nextcall,
	};
	int rc = sqlite3_vfs_register(&fv.vfs, 1);
	if (rc == SQLITE_OK) {
		fv.installed = true;
		pa_log(PA_LOG_WARN, "fault_injection_on",
		       "\"control\":\"%s\",\"note\":\"for tests only: writes and syncs may be "
		       "made to fail\"",
		       fv.control[0] ? "file" : "in-process");
	}
	return rc;
}

bool pa_faultvfs_active(void)
{
	return fv.installed;
}

void pa_faultvfs_arm(const struct pa_fault *f)
{
	pthread_mutex_lock(&fv.mu);
	arm_locked(f);
	pthread_mutex_unlock(&fv.mu);
}

void pa_faultvfs_count(struct pa_faultvfs_count *out)
{
	pthread_mutex_lock(&fv.mu);
	reload_locked();
	*out = fv.count;
	pthread_mutex_unlock(&fv.mu);
}
