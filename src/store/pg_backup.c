/* pg_backup.c: backup, restore and check on PostgreSQL. A backup is pg_dump's custom
 * archive of one exported snapshot, the attachments listed from that same snapshot; a
 * restore is pg_restore of such an archive in one transaction; check runs sqlite.c's
 * checks (history, counters) in one repeatable-read snapshot. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/city_sql.h"
#include "store/pg.h"

/* The PostgreSQL client programs: on PATH, or where Debian puts them. */
static const char *tool(const char *name, char *buf, size_t cap)
{
	static const char *const dirs[] = {"/usr/lib/postgresql/15/bin", "/usr/bin", NULL};
	for (int i = 0; dirs[i]; i++) {
		snprintf(buf, cap, "%s/%s", dirs[i], name);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return name;
}

/* Run argv, its output to stderr; the URL goes in the environment, not the command line
 * (ps shows command lines to every user, and a URL may hold a password). */
static enum pa_err run_tool(struct pg *d, char *const argv[], const char *what)
{
	const char *host = PQhost(d->c), *port = PQport(d->c), *db = PQdb(d->c),
		   *user = PQuser(d->c), *pass = PQpass(d->c);
	pid_t pid = fork();
	if (pid < 0)
		return pa_errf(PA_STORE_IO, NULL, "%s: cannot start %s: %s", what, argv[0],
			       strerror(errno));
	if (pid == 0) {
		if (host && *host)
			setenv("PGHOST", host, 1);
		if (port && *port)
			setenv("PGPORT", port, 1);
		if (db)
			setenv("PGDATABASE", db, 1);
		if (user)
			setenv("PGUSER", user, 1);
		if (pass && *pass)
			setenv("PGPASSWORD", pass, 1);
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return PA_OK;
	return pa_errf(PA_STORE_IO, NULL, "%s: %s failed (exit %d)", what, argv[0],
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static enum pa_err files_each(struct pg *d, pa_file_cb cb, void *arg, int64_t *n)
{
	enum pa_err e;
	PGresult *r = pg_run(d,
			     "SELECT case_id, sha256, size FROM case_attachments"
			     " ORDER BY case_id, sha256",
			     NULL, "attachments", &e);
	if (!r)
		return e;
	for (int i = 0; i < PQntuples(r) && !e; i++) {
		if (n)
			(*n)++;
		if (cb)
			e = cb(arg, pg_i(r, i, 0), pg_s(r, i, 1), pg_i(r, i, 2));
	}
	PQclear(r);
	return e;
}

static enum pa_err fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0) {
		int err = errno;
		if (fd >= 0)
			close(fd);
		return pa_errf(PA_STORE_IO, NULL, "cannot sync %s: %s", path, strerror(err));
	}
	close(fd);
	return PA_OK;
}

static enum pa_err pg_backup(struct pa_db *db, const char *path, const struct pa_copy_cbs *cb)
{
	struct pg *d = PG(db);
	struct stat sb;
	if (stat(path, &sb) == 0)
		return pa_errf(PA_CONFLICT, NULL, "%s exists already", path);
	/* The snapshot this transaction sees is exported to pg_dump: the dump and the list of
	 * attachments are of one moment, and writers go on meanwhile. */
	enum pa_err e = pg_exec(d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "backup");
	if (e)
		return e;
	PGresult *r = PQexec(d->c, "SELECT pg_export_snapshot()");
	char snap[64] = "";
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		snprintf(snap, sizeof snap, "%s", PQgetvalue(r, 0, 0));
	else
		e = pg_err(d, r, "backup");
	PQclear(r);
	char dump[256];
	char *argv[] = {(char *)tool("pg_dump", dump, sizeof dump),
			"--format=custom",
			"--no-owner",
			"--no-privileges",
			"--snapshot",
			snap,
			"--file",
			(char *)path,
			NULL};
	if (!e && cb && cb->progress)
		cb->progress(cb->arg, 0, 1);
	if (!e)
		e = run_tool(d, argv, "backup");
	if (!e && cb && cb->progress)
		cb->progress(cb->arg, 1, 1);
	if (!e && cb && cb->file)
		e = files_each(d, cb->file, cb->arg, NULL);
	pg_exec(d, "ROLLBACK", "backup");
	if (!e)
		e = fsync_path(path);
	else
		unlink(path);
	return e;
}

/* Everything of pingan's in this database goes, and the archive's comes in: one
 * transaction (pg_restore --single-transaction), so a failure leaves it as it was. */
static enum pa_err pg_restore(struct pa_db *db, const char *path, const struct pa_copy_cbs *cb)
{
	struct pg *d = PG(db);
	char prog[256];
	char *argv[] = {(char *)tool("pg_restore", prog, sizeof prog),
			"--single-transaction",
			"--clean",
			"--if-exists",
			"--no-owner",
			"--no-privileges",
			"--exit-on-error",
			"--dbname",
			PQdb(d->c),
			(char *)path,
			NULL};
	if (cb && cb->progress)
		cb->progress(cb->arg, 0, 1);
	enum pa_err e = run_tool(d, argv, "restore");
	if (!e && cb && cb->progress)
		cb->progress(cb->arg, 1, 1);
	d->ncache = 0; /* the tables our statements were prepared on are new ones */
	pg_exec(d, "DEALLOCATE ALL", "restore");
	return e;
}

enum pa_err pa_pg_scratch(const char *url, bool drop, char *out, size_t cap)
{
	/* the database's name is the path's last part, before any parameters */
	const char *q = strchr(url, '?'), *end = q ? q : url + strlen(url), *slash = end;
	while (slash > url && slash[-1] != '/')
		slash--;
	char name[64];
	if (!drop) {
		snprintf(name, sizeof name, "%.*s_restoring_%d", (int)(end - slash), slash,
			 (int)getpid());
		for (char *c = name; *c; c++) /* one identifier whatever the name held */
			if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')))
				*c = '_';
		snprintf(out, cap, "%.*s%s%s", (int)(slash - url), url, name, q ? q : "");
	} else {
		const char *o = strchr(out, '?'), *oend = o ? o : out + strlen(out), *os = oend;
		while (os > out && os[-1] != '/')
			os--;
		snprintf(name, sizeof name, "%.*s", (int)(oend - os), os);
	}
	PGconn *c = PQconnectdb(url);
	char sql[160];
	snprintf(sql, sizeof sql,
		 drop ? "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)" : "CREATE DATABASE \"%s\"",
		 name);
	PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
	enum pa_err e = PA_OK;
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		e = pa_errf(PA_STORE_IO, NULL, "cannot %s the scratch database %s: %s",
			    drop ? PA_W("drop") : PA_W("create"), name, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return e;
}

static void problem(struct pa_check_report *r, const char *area, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void problem(struct pa_check_report *r, const char *area, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	r->problems++;
	if (r->problem)
		r->problem(r->arg, area, msg);
}

/* Each sum kept in the same transaction as the cases, against a count of the cases ($1:
 * the uncounted types, $2: the open type/state pairs, JSON lists). The month of a report
 * is its China month, as the counters count it. */
static const char *const count_checks[] = {
	"SELECT grid || ' ' || type || '/' || category || ' ' || status, sum(a), sum(b) FROM ("
	" SELECT grid, type, category, status, n AS a, 0 AS b FROM stat_counts"
	" WHERE substr(status, 1, 1) <> '~'"
	" UNION ALL SELECT grid, type, category, status, 0, 1 FROM cases) x"
	" WHERE $1::text IS NOT NULL AND $2::text IS NOT NULL"
	" GROUP BY grid, type, category, status HAVING sum(a) <> sum(b)",
	"SELECT grid || ' ' || type || '/' || category || ' open past red', sum(a), sum(b)"
	" FROM (SELECT grid, type, category, n AS a, 0 AS b FROM stat_counts"
	" WHERE status = '~overdue'"
	" UNION ALL SELECT grid, type, category, 0, 1 FROM cases WHERE overdue = 1"
	" AND type || '/' || status IN (SELECT json_array_elements_text($2::json))"
	" AND type NOT IN (SELECT json_array_elements_text($1::json))) x"
	" GROUP BY grid, type, category HAVING sum(a) <> sum(b)",
	"SELECT grid || ' ' || month || ' ' || type || '/' || category || ' reported',"
	" sum(a), sum(b) FROM (SELECT grid, month, type, category, n AS a, 0 AS b"
	" FROM stat_month WHERE metric = 'reported'"
	" UNION ALL SELECT grid, to_char(to_timestamp(created_at + 8 * 3600) AT TIME ZONE 'UTC',"
	" 'YYYYMM')::int, type, category, 0, 1 FROM cases"
	" WHERE type NOT IN (SELECT json_array_elements_text($1::json))"
	" AND $2::text IS NOT NULL) x"
	" GROUP BY grid, month, type, category HAVING sum(a) <> sum(b)",
};

/* The cohort events the cases make, as the counters count them ($1: the uncounted types,
 * $2: the open type/state pairs, JSON lists): a case no longer open in the month of its report,
 * for the unit it was reported to; and a case ever past a red limit likewise. */
#define COHORT_CASE                                                                         \
	"SELECT c.grid AS grid, to_char(to_timestamp(c.created_at + 8 * 3600) AT TIME ZONE" \
	" 'UTC', 'YYYYMM')::int AS month, c.type AS type, c.category AS category,"          \
	" coalesce((SELECT s.to_unit FROM case_steps s WHERE s.city = c.city AND"           \
	" s.case_id = c.id ORDER BY s.id LIMIT 1), 0) AS unit_id, c.city AS city, "
#define COHORT_CLOSED                                                                           \
	"'reported_closed'::text AS metric FROM cases c WHERE c.type || '/' || c.status NOT IN" \
	" (SELECT json_array_elements_text($2::json)) AND c.type NOT IN"                        \
	" (SELECT json_array_elements_text($1::json))"
#define COHORT_OVERDUE                                                          \
	"'reported_overdue' FROM cases c WHERE c.overdue = 1 AND c.type NOT IN" \
	" (SELECT json_array_elements_text($1::json))"
#define COHORT_ROWS COHORT_CASE COHORT_CLOSED " UNION ALL " COHORT_CASE COHORT_OVERDUE

/* The cohort events kept, against the cases; not while a recount is pending. */
static const char check_cohort[] =
	"SELECT grid || ' ' || month || ' ' || type || '/' || category || ' ' || metric,"
	" sum(a), sum(b) FROM (SELECT grid, month, type, category, metric, n AS a, 0 AS b"
	" FROM stat_month WHERE metric IN ('reported_closed', 'reported_overdue')"
	" UNION ALL SELECT grid, month, type, category, metric, 0, 1 FROM (" COHORT_ROWS ") y) x"
	" WHERE NOT EXISTS (SELECT 1 FROM counters WHERE name = 'stats_refill')"
	" GROUP BY grid, month, type, category, metric HAVING sum(a) <> sum(b)";

static enum pa_err each_count(struct pg *d, const char *sql, const char *j1, const char *j2,
			      struct pa_check_report *r, const char *fmt)
{
	struct pg_args a = {0};
	pg_text(&a, j1);
	pg_text(&a, j2);
	enum pa_err e;
	PGresult *res = pg_run(d, sql, j1 ? &a : NULL, "check", &e);
	if (!res)
		return e;
	for (int i = 0; i < PQntuples(res); i++) {
		if (!strcmp(fmt, "count"))
			problem(r, "counters", "%s: the counters say %lld, the cases %lld",
				pg_s(res, i, 0), (long long)pg_i(res, i, 1),
				(long long)pg_i(res, i, 2));
		else if (!strcmp(fmt, "city"))
			problem(r, "cities", "%s", pg_s(res, i, 0));
		else if (!strcmp(fmt, "negative"))
			problem(r, "counters", "%s is negative (%lld)", pg_s(res, i, 0),
				(long long)pg_i(res, i, 1));
		else
			problem(r, "counters",
				"case numbers of %s reach %lld but their counter is at %lld: the "
				"next intake would reuse a number",
				pg_s(res, i, 0), (long long)pg_i(res, i, 1),
				(long long)pg_i(res, i, 2));
	}
	PQclear(res);
	return PA_OK;
}

/* A cursor read a page at a time: r's row i of n, the next page fetched past the end. */
struct page {
	const char *cursor;
	PGresult *r;
	int i, n;
};

static enum pa_err next(struct pg *d, struct page *p)
{
	if (p->r && ++p->i < p->n)
		return PA_OK;
	char sql[64];
	snprintf(sql, sizeof sql, "FETCH 5000 FROM %s", p->cursor);
	PQclear(p->r);
	p->r = PQexec(d->c, sql);
	p->i = p->n = 0;
	if (PQresultStatus(p->r) != PGRES_TUPLES_OK)
		return pg_err(d, p->r, "check");
	p->n = PQntuples(p->r);
	return PA_OK;
}

/* Each case's steps in order, beside the case: the history a case's state stands on. Read
 * through two cursors in step, a page at a time. */
static enum pa_err check_history(struct pg *d, struct pa_check_report *r)
{
	enum pa_err e = pg_exec(d,
				"DECLARE chk_cases NO SCROLL CURSOR FOR SELECT id, number, status,"
				" unit_id FROM cases ORDER BY id;"
				"DECLARE chk_steps NO SCROLL CURSOR FOR SELECT case_id, id, action,"
				" from_state, to_state, to_unit, at FROM case_steps"
				" ORDER BY case_id, id",
				"check");
	if (e)
		return e;
	struct page c = {.cursor = "chk_cases"}, t = {.cursor = "chk_steps"};
	e = next(d, &c);
	if (!e)
		e = next(d, &t);
	while (!e && c.i < c.n) {
		int64_t id = pg_i(c.r, c.i, 0);
		char number[64], status[64];
		snprintf(number, sizeof number, "%s", pg_s(c.r, c.i, 1));
		snprintf(status, sizeof status, "%s", pg_s(c.r, c.i, 2));
		int64_t unit = pg_i(c.r, c.i, 3);
		r->cases++;
		while (!e && t.i < t.n && pg_i(t.r, t.i, 0) < id)
			e = next(d, &t);
		char last[64] = "", last_action[64] = "";
		int64_t last_at = 0, last_unit = 0, last_id = 0, nsteps = 0;
		for (; !e && t.i < t.n && pg_i(t.r, t.i, 0) == id; e = next(d, &t)) {
			int64_t step = pg_i(t.r, t.i, 1), at = pg_i(t.r, t.i, 6);
			bool first = nsteps++ == 0;
			bool has_from = !pg_null(t.r, t.i, 3);
			const char *action = pg_s(t.r, t.i, 2), *from = pg_s(t.r, t.i, 3),
				   *to = pg_s(t.r, t.i, 4);
			if (first && has_from)
				problem(r, "history",
					"case %s: its first step #%lld (%s) starts from \"%s\", "
					"not from the report: the steps before it are missing",
					number, (long long)step, action, from);
			if (!first && (!has_from || strcmp(from, last) != 0))
				problem(r, "history",
					"case %s: step #%lld (%s) starts from \"%s\" but the step "
					"before it (#%lld %s) led to \"%s\": a step is missing",
					number, (long long)step, action, from, (long long)last_id,
					last_action, last);
			if (!first && at < last_at)
				problem(r, "history",
					"case %s: step #%lld (%s) is dated before the step before "
					"it (%lld < %lld)",
					number, (long long)step, action, (long long)at,
					(long long)last_at);
			snprintf(last, sizeof last, "%s", to);
			snprintf(last_action, sizeof last_action, "%s", action);
			last_at = at;
			last_id = step;
			if (!pg_null(t.r, t.i, 5))
				last_unit = pg_i(t.r, t.i, 5);
		}
		r->steps += nsteps;
		if (!nsteps)
			problem(r, "history", "case %s has no steps: its history is gone", number);
		else if (strcmp(status, last) != 0)
			problem(r, "history",
				"case %s is \"%s\" but its last step (#%lld %s) led to \"%s\"",
				number, status, (long long)last_id, last_action, last);
		if (nsteps && unit != last_unit)
			problem(r, "history",
				"case %s is held by unit %lld but its steps last sent it to unit "
				"%lld",
				number, (long long)unit, (long long)last_unit);
		if (!e)
			e = next(d, &c);
	}
	PQclear(c.r);
	PQclear(t.r);
	pg_exec(d, "CLOSE chk_cases; CLOSE chk_steps", "check");
	return e;
}

static char *json_list(const char *const *v, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	char *s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

static enum pa_err pg_check(struct pa_db *db, const struct pa_check_rules *rules,
			    struct pa_check_report *r)
{
	struct pg *d = PG(db);
	r->schema_version = 0;
	r->cases = r->steps = r->attachments = r->problems = 0;
	/* one snapshot: the counters and the cases are compared as of one moment. The pages
	 * and indexes are the server's to keep whole (data checksums, amcheck: deploy.md). */
	enum pa_err e = pg_exec(d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "check");
	if (e)
		return e;
	char *uncounted = json_list(rules->uncounted, rules->nuncounted),
	     *open = json_list(rules->open, rules->nopen);
	if ((e = pg_version(db, &r->schema_version)))
		goto out;
	if (r->schema_version != pa_pg_nmigrations) {
		problem(r, "schema",
			r->schema_version == 0 ? "no pingan schema: not a pingan database"
			: r->schema_version > pa_pg_nmigrations
				? "schema version %d is newer than this pingan knows (%d)"
				: "schema version %d is older than this pingan's (%d): migrate a "
				  "copy first (pingan migrate)",
			r->schema_version, pa_pg_nmigrations);
		goto out;
	}
	if ((e = check_history(d, r)))
		goto out;
	for (size_t i = 0; i < sizeof count_checks / sizeof *count_checks && !e; i++)
		e = each_count(d, count_checks[i], uncounted, open, r, "count");
	if (!e)
		e = each_count(d, check_cohort, uncounted, open, r, "count");
	static const char negative[] =
		"SELECT 'counter ' || grid || ' ' || type || '/' || category || ' '"
		" || status, n FROM stat_counts WHERE n < 0"
		" UNION ALL SELECT 'event ' || grid || ' ' || month || ' ' || type"
		" || '/' || category || ' ' || metric || ' (unit ' || unit_id || ')', n"
		" FROM stat_month WHERE n < 0";
	if (!e)
		e = each_count(d, negative, NULL, NULL, r, "negative");
	if (!e)
		e = each_count(d, CHECK_NUMBERS, NULL, NULL, r, "number");
	if (!e)
		e = each_count(d, CHECK_CITIES, NULL, NULL, r, "city");
	if (!e)
		e = files_each(d, r->file, r->arg, &r->attachments);
out:
	free(uncounted);
	free(open);
	pg_exec(d, "ROLLBACK", "check");
	return e;
}

static enum pa_err pg_stats_refill(struct pa_db *db, const struct pa_check_rules *rules, bool force,
				   bool *refilled)
{
	struct pg *d = PG(db);
	*refilled = false;
	enum pa_err e;
	PGresult *res = pg_run(d, "SELECT 1 FROM counters WHERE name = 'stats_refill'", NULL,
			       "statistics recount", &e);
	if (!res)
		return e;
	bool pending = PQntuples(res) > 0;
	PQclear(res);
	if (!pending && !force)
		return PA_OK;
	if ((e = pg_do(d,
		       "DELETE FROM stat_month WHERE metric IN ('reported_closed',"
		       " 'reported_overdue')",
		       NULL, "statistics recount", NULL)) ||
	    (e = pg_do(d, "DELETE FROM counters WHERE name = 'stats_refill'", NULL,
		       "statistics recount", NULL)))
		return e;
	char *uncounted = json_list(rules->uncounted, rules->nuncounted),
	     *open = json_list(rules->open, rules->nopen);
	struct pg_args a = {0};
	pg_text(&a, uncounted);
	pg_text(&a, open);
	e = pg_do(d,
		  "INSERT INTO stat_month (city, grid, month, type, category, metric, n, unit_id)"
		  " SELECT city, grid, month, type, category, metric, count(*), unit_id FROM "
		  "(" COHORT_ROWS ") y GROUP BY city, grid, month, type, category, metric, unit_id",
		  &a, "statistics recount", NULL);
	free(uncounted);
	free(open);
	*refilled = !e;
	return e;
}

void pg_ops_backup(struct pa_store_ops *o)
{
	o->backup = pg_backup;
	o->restore = pg_restore;
	o->check = pg_check;
	o->stats_refill = pg_stats_refill;
}
