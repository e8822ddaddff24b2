/* ops.c: the operator's commands that keep cases beyond one disk — pingan backup, restore
 * and check — a thin front over src/service/backup.c. */
#include "cli/ops.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/opts.h"
#include "service/backup.h"

#ifndef PA_DATADIR
#define PA_DATADIR "data"
#endif

#define PROBLEMS_SHOWN 50 /* per area; the rest are counted */

struct out {
	const char *area;
	int shown;
	long long more;
	bool tty; /* progress is drawn only on a terminal */
	double started;
};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void flush_more(struct out *o)
{
	if (o->more)
		printf("problem: %s: … and %lld more\n", o->area, o->more);
	o->more = 0;
}

/* One line a problem, AREA first; past PROBLEMS_SHOWN in one area, a count. */
static void on_problem(void *arg, const char *area, const char *message)
{
	struct out *o = arg;
	if (!o->area || strcmp(o->area, area) != 0) {
		flush_more(o);
		o->area = area;
		o->shown = 0;
	}
	if (o->shown++ < PROBLEMS_SHOWN)
		printf("problem: %s: %s\n", area, message);
	else
		o->more++;
	fflush(stdout);
}

static void on_progress(void *arg, int64_t done, int64_t total)
{
	struct out *o = arg;
	if (o->tty && total > 0)
		fprintf(stderr, "\rcopied %lld of %lld pages (%d%%)", (long long)done,
			(long long)total, (int)(100 * done / total));
}

static int failed(struct out *o, const char *what)
{
	flush_more(o);
	if (o->tty)
		fputc('\n', stderr);
	fprintf(stderr, "pingan: %s: %s\n", what, pa_err_last()->message);
	return 1;
}

static const char *datadir(const char *given)
{
	const char *env = getenv("PINGAN_DATA");
	return given ? given : env && *env ? env : PA_DATADIR;
}

/* What each command runs with: where its output goes, the attachments directory (given,
 * or the database's own) and, for check and restore, the catalog counters are checked by. */
struct run {
	struct out o;
	struct pa_ops_listener l;
	struct pa_ops_result res;
	struct pa_catalog *cat;
	const char *files;
	char dir[1100];
};

static int run_start(struct run *x, const char *db, const char *files, bool catalog,
		     const char *data, bool progress)
{
	memset(x, 0, sizeof *x);
	x->o = (struct out){.tty = progress && isatty(2), .started = now_s()};
	x->l = (struct pa_ops_listener){
		.problem = on_problem, .progress = progress ? on_progress : NULL, .arg = &x->o};
	pa_files_dir_of(db, x->dir, sizeof x->dir);
	x->files = files ? files : x->dir;
	if (catalog && pa_catalog_load(datadir(data), &x->cat)) {
		fprintf(stderr, "pingan: cannot read the data files: %s\n", pa_err_last()->message);
		return 1;
	}
	return 0;
}

int pa_cmd_backup(int argc, char **argv)
{
	const char *db = NULL, *out = NULL, *files = NULL, *akey = NULL;
	struct pa_opt opts[] = {
		{"db", "PATH", "the database to back up (it may be serving)", &db, 1},
		{"out", "FILE",
		 "the backup to write (must not exist); its attachments go to FILE.files, its "
		 "audit key to FILE.audit-key",
		 &out, 1},
		{"files", "DIR", "where the database's attachments are kept (default: PATH.files)",
		 &files, 0},
		{"audit-key", "FILE", "the database's audit key (default: PATH.audit-key)", &akey,
		 0},
		{NULL, NULL, NULL, NULL, 0},
	};
	int r = pa_opts_parse(
		argc, argv, opts, "pingan backup --db PATH --out FILE",
		"Copy the database while pingan serves it: the copy is of one moment (every case "
		"acknowledged before the backup began is in it) and the server is never blocked. "
		"The attachment files the copy refers to go beside it in FILE.files, its audit key "
		"in FILE.audit-key (keep backups as safe as the server). Written under "
		"temporary names, synced and then renamed, so FILE is a whole backup or is not "
		"there. Check it with pingan check --db FILE; put it back with pingan restore.");
	if (r)
		return r == 1 ? 0 : 2;
	struct run x;
	run_start(&x, db, files, false, NULL, true);
	if (pa_backup(db, akey, x.files, out, &x.l, &x.res))
		return failed(&x.o, "backup failed");
	flush_more(&x.o);
	if (x.o.tty)
		fputc('\n', stderr);
	printf("backup written to %s (%.1f MiB) and %s.files (%lld attachment files) in %.2f s\n",
	       out, (double)x.res.bytes / (1 << 20), out, (long long)x.res.files,
	       now_s() - x.o.started);
	if (x.res.missing)
		printf("%lld attachment files could not be copied (above): the backup lacks them\n",
		       (long long)x.res.missing);
	if (x.res.no_key)
		printf("the audit key was not copied (above): the backup lacks it\n");
	return x.res.missing || x.res.no_key ? 1 : 0;
}

int pa_cmd_restore(int argc, char **argv)
{
	const char *from = NULL, *db = NULL, *files = NULL, *data = NULL, *force = NULL,
		   *akey = NULL;
	struct pa_opt opts[] = {
		{"from", "FILE", "the backup (made by pingan backup; attachments in FILE.files)",
		 &from, 1},
		{"audit-key", "FILE",
		 "the backup's audit key, kept where it is (default: FILE.audit-key, put beside "
		 "the database as PATH.audit-key)",
		 &akey, 0},
		{"db", "PATH", "the database to restore into", &db, 1},
		{"files", "DIR", "where the database's attachments go (default: PATH.files)",
		 &files, 0},
		{"data", "DIR",
		 "the data files the counters are checked by (default " PA_DATADIR ")", &data, 0},
		{"force", NULL, "replace an existing database (stop its pingan serve first)",
		 &force, 0},
		{NULL, NULL, NULL, NULL, 0},
	};
	int r = pa_opts_parse(
		argc, argv, opts, "pingan restore --from FILE --db PATH [--force]",
		"Put a backup back. The backup is restored beside PATH, brought to this pingan's "
		"schema and checked as pingan check does, its audit log with its key; one with any "
		"problem, or a file that is not a pingan backup, is refused. Then its attachment "
		"files are copied and the "
		"database put in place. An existing database is replaced (in one transaction) only "
		"with --force.");
	if (r)
		return r == 1 ? 0 : 2;
	struct run x;
	if (run_start(&x, db, files, true, data, true))
		return 1;
	enum pa_err rc = pa_restore(from, akey, db, x.files, force != NULL, x.cat, &x.l, &x.res);
	pa_catalog_free(x.cat);
	if (rc)
		return failed(&x.o, rc == PA_CONFLICT || rc == PA_BAD_REQUEST || rc == PA_NOT_FOUND
					    ? "restore refused"
					    : "restore failed");
	if (x.o.tty)
		fputc('\n', stderr);
	printf("restored %s into %s: %lld cases, %lld steps, %lld attachment files, %lld audit "
	       "rows, checked; in %.2f s\n",
	       from, db, (long long)x.res.cases, (long long)x.res.steps, (long long)x.res.files,
	       (long long)x.res.audit_rows, now_s() - x.o.started);
	return 0;
}

int pa_cmd_check(int argc, char **argv)
{
	const char *db = NULL, *files = NULL, *data = NULL, *akey = NULL;
	struct pa_opt opts[] = {
		{"db", "PATH", "the database (or backup) to check; it may be serving", &db, 1},
		{"audit-key", "FILE", "its audit key (default: PATH.audit-key)", &akey, 0},
		{"files", "DIR", "where its attachments are kept (default: PATH.files)", &files, 0},
		{"data", "DIR",
		 "the data files (lifecycles say what is counted; default " PA_DATADIR ")", &data,
		 0},
		{NULL, NULL, NULL, NULL, 0},
	};
	int r = pa_opts_parse(
		argc, argv, opts, "pingan check --db PATH",
		"Look a database over, read only, as of one moment: SQLite's integrity and foreign "
		"key checks; the schema version; each case's history (it has steps, each starting "
		"where the one before led, in time order, ending in the case's state and unit); "
		"the "
		"counters against the cases (cases by status, open cases past red, reports per "
		"month, case numbers); each attachment's file by its SHA-256; the audit log's "
		"chain, "
		"with its key (as pingan audit verify). Prints one line a "
		"problem and exits 1 if there is any.");
	if (r)
		return r == 1 ? 0 : 2;
	struct run x;
	if (run_start(&x, db, files, true, data, false))
		return 1;
	enum pa_err rc = pa_check(db, akey, x.files, x.cat, &x.l, &x.res);
	pa_catalog_free(x.cat);
	if (rc)
		return failed(&x.o, "cannot check");
	flush_more(&x.o);
	const struct pa_ops_result *res = &x.res;
	printf("checked %s (schema %d): %lld cases, %lld steps, %lld attachment%s in %.2f s, %lld "
	       "audit rows verified: ",
	       db, res->schema_version, (long long)res->cases, (long long)res->steps,
	       (long long)res->attachments, res->attachments == 1 ? "" : "s", now_s() - x.o.started,
	       (long long)res->audit_rows);
	if (!res->problems) {
		printf("no problems\n");
		return 0;
	}
	printf("%lld problem%s\n", (long long)res->problems, res->problems == 1 ? "" : "s");
	return 1;
}
