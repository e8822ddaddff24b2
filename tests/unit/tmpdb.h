/* tmpdb.h: a fresh database for a unit test, and its removal with what lies beside it (the
 * write-ahead log, shared memory and audit key). With PINGAN_TEST_PG set to a PostgreSQL
 * URL (tests/pg-server.sh) the database is a new one on that server instead of a file under
 * /tmp, and tmpdb_exec / tmpdb_int reach into it with SQL of its own (to damage it on
 * purpose). Include after cmocka.h. */
#ifndef PA_TEST_TMPDB_H
#define PA_TEST_TMPDB_H

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline const char *tmpdb_pg(void)
{
	const char *u = getenv("PINGAN_TEST_PG");
	return u && *u ? u : NULL;
}

/* The server's URL with another database name. */
static inline void tmpdb_pg_url(const char *name, char *out, size_t cap)
{
	const char *u = tmpdb_pg();
	const char *slash = strrchr(u, '/');
	int n = snprintf(out, cap, "%.*s/%s", (int)(slash - u), u, name);
	assert_true(n > 0 && (size_t)n < cap);
}

static inline void tmpdb_pg_admin(const char *sql)
{
	PGconn *c = PQconnectdb(tmpdb_pg());
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQfinish(c);
}

static inline void tmpdb_path(char *out, size_t cap, const char *tag)
{
	if (tmpdb_pg()) {
		static int n;
		char name[64], sql[128];
		snprintf(name, sizeof name, "pingan_%s_%d_%d", tag, (int)getpid(), ++n);
		snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
		tmpdb_pg_admin(sql);
		tmpdb_pg_url(name, out, cap);
		/* the keys made with it go to /tmp, not the working directory */
		setenv("PINGAN_STATE_DIR", "/tmp", 1);
		return;
	}
	snprintf(out, cap, "/tmp/pingan-%s-%d-XXXXXX", tag, (int)getpid());
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
	unlink(out); /* only the unique name is wanted: SQLite creates the file */
}

static inline void tmpdb_remove(const char *path)
{
	char p[512];
	if (tmpdb_pg() && strstr(path, "://")) {
		const char *name = strrchr(path, '/') + 1;
		snprintf(p, sizeof p, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
		tmpdb_pg_admin(p);
		snprintf(p, sizeof p, "/tmp/%s.audit-key", name);
		unlink(p);
		snprintf(p, sizeof p, "/tmp/%s.pii-key", name);
		unlink(p);
		return;
	}
	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof p, "%s.audit-key", path); /* made with the database */
	unlink(p);
}

/* Run sql on the database at path, around pingan; 0 if it succeeded. */
static inline int tmpdb_exec(const char *path, const char *sql)
{
	if (strstr(path, "://")) {
		PGconn *c = PQconnectdb(path);
		assert_int_equal(PQstatus(c), CONNECTION_OK);
		PGresult *r = PQexec(c, sql);
		int rc = PQresultStatus(r) == PGRES_COMMAND_OK ||
					 PQresultStatus(r) == PGRES_TUPLES_OK
				 ? 0
				 : 1;
		PQclear(r);
		PQfinish(c);
		return rc;
	}
	sqlite3 *h;
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	int rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc;
}

/* The first column of the first row sql answers, as a number. */
static inline long long tmpdb_int(const char *path, const char *sql)
{
	long long v = -1;
	if (strstr(path, "://")) {
		PGconn *c = PQconnectdb(path);
		assert_int_equal(PQstatus(c), CONNECTION_OK);
		PGresult *r = PQexec(c, sql);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
			v = atoll(PQgetvalue(r, 0, 0));
		PQclear(r);
		PQfinish(c);
		return v;
	}
	sqlite3 *h;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

#endif
