/* faultvfs.h: for tests only — a SQLite VFS wrapping the default one that fails the Nth
 * write or sync after it is armed (disk full, I/O error), and stops when disarmed.
 *
 * Installed only when asked (pingan serve --testing-faults FILE, or a unit test): it then
 * becomes the default VFS of the process, so every connection goes through it. Arming
 * comes from the control FILE, read again whenever it changes, so a test can arm and
 * disarm a running server; or, in-process, from pa_faultvfs_arm. Thread-safe. */
#ifndef PA_FAULTVFS_H
#define PA_FAULTVFS_H

#include <stdbool.h>

enum pa_fault_op { PA_FAULT_OFF, PA_FAULT_WRITE, PA_FAULT_SYNC };

struct pa_fault {
	long id; /* the test's name for this arming, logged when it fires */
	enum pa_fault_op op;
	long n;       /* counted from the arming: the Nth write (or sync) fails, 1 = the next */
	int error;    /* the SQLite result it returns: SQLITE_FULL, SQLITE_IOERR_WRITE … */
	bool persist; /* and every one after it until disarmed, as a full disk; else the Nth only */
};

/* The control file's one line: "ID off", or "ID write|sync N full|ioerr once|persist"
 * (ioerr is SQLITE_IOERR_WRITE for a write, SQLITE_IOERR_FSYNC for a sync). Returns false
 * if text is not one of these. */
bool pa_faultvfs_parse(const char *text, struct pa_fault *out);

/* Ask for the VFS, steered by the control file (NULL: by pa_faultvfs_arm alone). Takes
 * effect when the store first opens a connection (pa_faultvfs_setup); call before that. */
void pa_faultvfs_want(const char *control);
/* Called once by the SQLite backend before its first connection: registers the VFS as
 * the default if it was asked for. Returns a SQLite result code. */
int pa_faultvfs_setup(void);
bool pa_faultvfs_active(void);

/* Arm (op OFF disarms). Counting starts afresh. */
void pa_faultvfs_arm(const struct pa_fault *f);

struct pa_faultvfs_count {
	long writes, syncs; /* since the last arming */
	long fired;         /* failures returned since the last arming */
};
void pa_faultvfs_count(struct pa_faultvfs_count *out);

#endif
