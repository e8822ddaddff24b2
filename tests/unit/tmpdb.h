/* tmpdb.h: a fresh database path under /tmp for a unit test, and its removal with the
 * write-ahead log, shared memory and audit key beside it. Include after cmocka.h. */
#ifndef PA_TEST_TMPDB_H
#define PA_TEST_TMPDB_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void tmpdb_path(char *out, size_t cap, const char *tag)
{
	snprintf(out, cap, "/tmp/pingan-%s-%d-XXXXXX", tag, (int)getpid());
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
	unlink(out); /* only the unique name is wanted: SQLite creates the file */
}

static inline void tmpdb_remove(const char *path)
{
	char p[512];
	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof p, "%s.audit-key", path); /* made with the database */
	unlink(p);
}

#endif
