/* sqlite_commit_baseline.c: the ceiling for durable intake without group commit.
 *
 * Opens a fresh SQLite file in WAL mode with synchronous=FULL (the settings pingan's
 * writer uses), creates a table shaped like a case row and inserts one row per
 * transaction, for a fixed duration. Every COMMIT is an fsync of the WAL, so the
 * commits/second printed is what "one durable commit per case" can reach on this disk.
 *
 *   sqlite_commit_baseline --db PATH [--seconds N]
 *
 * The last line of output is machine-readable:
 *   BENCH commits=N seconds=S commits_per_sec=X
 * Build: gcc -std=c17 -O2 -o sqlite_commit_baseline sqlite_commit_baseline.c -lsqlite3 */
#define _POSIX_C_SOURCE 200809L

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* About 300 bytes of UTF-8 Chinese text, like a case description typed at intake. */
static const char description[] =
	"两户居民因楼道堆放杂物及空调外机滴水问题多次发生争执，双方情绪激动，"
	"曾有推搡行为。一方称对方长期占用公共通道影响通行和消防安全，另一方称"
	"空调滴水损坏其窗台和晾晒衣物。社区网格员已上门了解情况，申请调解。";

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "sqlite_commit_baseline: %s: %s\n", what,
		db ? sqlite3_errmsg(db) : "out of memory");
	exit(1);
}

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "sqlite_commit_baseline: %s: %s\n", sql, msg ? msg : "?");
		exit(1);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: sqlite_commit_baseline --db PATH [--seconds N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	double seconds = 10;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--db") && i + 1 < argc)
			path = argv[++i];
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else
			usage();
	}
	if (!path || seconds <= 0)
		usage();

	/* A fresh file every run: remove the database and its WAL side files. */
	char side[4096];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);

	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK)
		die(db, path);
	exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
	exec(db, "CREATE TABLE cases ("
		 " id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE, type TEXT NOT NULL,"
		 " category TEXT NOT NULL, status TEXT NOT NULL, title TEXT NOT NULL,"
		 " description TEXT NOT NULL, grid TEXT NOT NULL, lng REAL NOT NULL,"
		 " lat REAL NOT NULL, created_at INTEGER NOT NULL)");

	sqlite3_stmt *begin, *ins, *commit;
	if (sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "INSERT INTO cases (number, type, category, status, title,"
			       " description, grid, lng, lat, created_at)"
			       " VALUES (?, 'dispute', 'neighbour', 'reported', ?, ?, ?, ?, ?, ?)",
			       -1, &ins, NULL) != SQLITE_OK)
		die(db, "prepare");

	long n = 0;
	double start = now_s(), end = start + seconds, t = start;
	while (t < end) {
		char number[32];
		snprintf(number, sizeof number, "BL%08ld", n + 1);
		if (sqlite3_step(begin) != SQLITE_DONE)
			die(db, "BEGIN");
		sqlite3_reset(begin);
		sqlite3_bind_text(ins, 1, number, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 2, "邻里纠纷测试", -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, description, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, "420984001001", -1, SQLITE_STATIC);
		sqlite3_bind_double(ins, 5, 113.17 + (double)(n % 100) * 1e-4);
		sqlite3_bind_double(ins, 6, 30.66 + (double)(n % 100) * 1e-4);
		sqlite3_bind_int64(ins, 7, (sqlite3_int64)time(NULL));
		if (sqlite3_step(ins) != SQLITE_DONE)
			die(db, "INSERT");
		sqlite3_reset(ins);
		if (sqlite3_step(commit) != SQLITE_DONE)
			die(db, "COMMIT");
		sqlite3_reset(commit);
		n++;
		t = now_s();
	}
	double elapsed = t - start;

	sqlite3_finalize(begin);
	sqlite3_finalize(ins);
	sqlite3_finalize(commit);
	sqlite3_close(db);

	printf("sqlite_commit_baseline: %ld commits in %.2f s, description %zu bytes\n", n,
	       elapsed, sizeof description - 1);
	printf("BENCH commits=%ld seconds=%.3f commits_per_sec=%.1f\n", n, elapsed,
	       (double)n / elapsed);
	return 0;
}
