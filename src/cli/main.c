/* main.c: the pingan command line — a thin front over the service layer. */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/ops.h"
#include "cli/opts.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/city.h"
#include "core/geo.h"
#include "demo/demo.h"
#include "http/http.h"
#include "http/metrics.h"
#include "print/pdf.h"
#include "service/app.h"
#include "store/faultvfs.h"

#ifndef PA_DATADIR
#define PA_DATADIR "data"
#endif
#ifndef PA_VERSION
#define PA_VERSION "0.1.0"
#endif

static const char *datadir(const char *given)
{
	if (given)
		return given;
	const char *env = getenv("PINGAN_DATA");
	return env && *env ? env : PA_DATADIR;
}

/* --idempotency-days: 1 to 3650 (a phone offline for days still gets its first answer). */
static bool idem_days(const char *s, struct pa_app *app)
{
	char *end;
	long v = s ? strtol(s, &end, 10) : 30;
	if (s && (*end || v < 1 || v > 3650)) {
		fprintf(stderr, "pingan: --idempotency-days wants a number from 1 to 3650\n");
		return false;
	}
	app->idem_days = (int)v;
	return true;
}

static int fail(const char *what)
{
	const struct pa_errinfo *e = pa_err_last();
	fprintf(stderr, "pingan: %s: %s\n", what, e->message);
	return 1;
}

/* The sweeper inside serve: every `interval` seconds until told to stop. */
struct sweeper {
	struct pa_app *app;
	int interval;
	bool stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
};

static void *sweeper_main(void *arg)
{
	struct sweeper *s = arg;
	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		pthread_mutex_unlock(&s->mu);
		struct pa_sweep_result res;
		if (pa_sweep(s->app, pa_now(), &res))
			pa_log(PA_LOG_WARN, "sweep_failed", "\"error\":\"%s\"",
			       pa_err_name(pa_err_last()->code));
		else if (res.yellow || res.red || res.escalated || res.late || res.watch_late)
			pa_log(PA_LOG_INFO, "swept",
			       "\"looked\":%d,\"yellow\":%d,\"red\":%d,\"escalated\":%d,"
			       "\"late\":%d,\"watch_late\":%d",
			       res.looked, res.yellow, res.red, res.escalated, res.late,
			       res.watch_late);
		pthread_mutex_lock(&s->mu);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += s->interval;
		while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &until) == 0)
			;
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* A whole-number option from lo to hi into *out; 2 (after saying why) if it is not one. */
static int int_opt(const char *name, const char *value, long lo, long hi, int *out)
{
	char *end;
	long v = strtol(value, &end, 10);
	if (!*value || *end || v < lo || v > hi) {
		fprintf(stderr, "pingan: --%s wants a whole number from %ld to %ld\n", name, lo,
			hi);
		return 2;
	}
	*out = (int)v;
	return 0;
}

/* PostgreSQL serves each connection with a process of its own: more readers than there are
 * CPU threads to run them only queue inside the server, and every one holds memory there
 * (docs/deploy.md, sizing). SQLite's readers are threads of this process: no limit. */
static int pool_default(const char *db)
{
	if (!pa_store_is_pg(db))
		return 0;
	long n = sysconf(_SC_NPROCESSORS_ONLN) * 2;
	return n < 4 ? 4 : n > 64 ? 64 : (int)n;
}

/* Demo accounts ask for no second factor: say so at every start, so a demo city is never
 * taken for one fit for service. */
static void warn_exempt(struct pa_app *app)
{
	int64_t n = 0;
	enum pa_err rc = PA_OK;
	PA_WITH_READ(app, db, rc, rc = db->ops->users_exempt(db, &n));
	if (!rc && n)
		pa_log(PA_LOG_WARN, "demo_accounts",
		       "\"accounts\":%lld,\"what\":\"demo accounts log in without a second "
		       "factor: not for service\"",
		       (long long)n);
}

/* --unsafe-early-ack may only face this machine: it is for the crash harness. */
static bool loopback(const char *listen)
{
	return strncmp(listen, "127.", 4) == 0 || strncmp(listen, "[::1]:", 6) == 0;
}

static int cmd_serve(int argc, char **argv)
{
	const char *pii_key = NULL;
	const char *db = NULL, *listen = "127.0.0.1:8080", *data = NULL, *body = "1048576",
		   *quiet = NULL, *cache = "4096", *sweep = "60", *files = NULL,
		   *upload = "10485760", *font = NULL, *metrics = NULL, *faults = NULL,
		   *idle = "1800", *max_age = "43200", *lock_after = "5", *lock_window = "900",
		   *lock_time = "900", *clock = NULL, *login_rate = "30", *public_rate = "30",
		   *proxies = NULL, *req_timeout = "30", *idem = NULL, *early_ack = NULL,
		   *akey = NULL, *pool = NULL, *replica = NULL, *web = PA_WEBDIR;
	struct pa_opt opts[] = {
		{"db", "DB", "the database: a SQLite file, or postgres://… (docs/deploy.md)", &db,
		 1},
		{"db-pool", "N",
		 "read connections to the database at most; a request finding all in use waits "
		 "up to 10 s for one, then answers 503 (default: on PostgreSQL twice this "
		 "machine's CPU threads, at least 4, at most 64; on SQLite no limit)",
		 &pool, 0},
		{"db-replica", "URL",
		 "a streaming replica of a PostgreSQL --db (postgres://…): case lists, search "
		 "and statistics read from it, as far as it has replayed; every write, and what "
		 "is read back after writing it, stays on --db, and a user's lists stay there "
		 "until it has replayed their last write (docs/deploy.md)",
		 &replica, 0},
		{"audit-key", "FILE", PA_AUDIT_KEY_HELP, &akey, 0},
		{"pii-key", "FILE",
		 "the personal-data key file (default: the database path + .pii-key, made at the "
		 "first start; keep a copy apart from the database's backups)",
		 &pii_key, 0},
		{"listen", "HOST:PORT", "address to serve on (default 127.0.0.1:8080)", &listen, 0},
		{"data", "DIR", "the data files (default " PA_DATADIR ")", &data, 0},
		{"web", "DIR",
		 "the web face's built files, served at / (default " PA_WEBDIR
		 ", built by make run and make test)",
		 &web, 0},
		{"max-body", "BYTES", "largest request body accepted (default 1048576)", &body, 0},
		{"case-cache", "N", "rendered cases kept in memory (default 4096; 0 = off)", &cache,
		 0},
		{"sweep-interval", "SECONDS",
		 "how often overdue cases are marked (default 60; 0 = never: use pingan sweep)",
		 &sweep, 0},
		{"files", "DIR", "where attachments are kept (default: the database path + .files)",
		 &files, 0},
		{"max-upload", "BYTES", "largest attachment accepted (default 10485760)", &upload,
		 0},
		{"font", "FILE[:INDEX]",
		 "TrueType font (or collection and index) printed documents use (default: "
		 "fonts-arphic-uming, fonts-wqy-zenhei)",
		 &font, 0},
		{"metrics-listen", "HOST:PORT",
		 "serve GET /metrics (Prometheus) on this address, apart from the API; keep it "
		 "on loopback or a management network (default: off)",
		 &metrics, 0},
		{"session-idle", "SECONDS",
		 "a session unused this long ends (default 1800: 30 minutes)", &idle, 0},
		{"session-max", "SECONDS",
		 "a session ends this long after log-in, used or not (default 43200: 12 hours)",
		 &max_age, 0},
		{"lock-after", "N",
		 "lock a username after N failed log-ins within --lock-window (default 5)",
		 &lock_after, 0},
		{"lock-window", "SECONDS", "the window failed log-ins are counted in (default 900)",
		 &lock_window, 0},
		{"lock-time", "SECONDS", "how long a lock lasts (default 900)", &lock_time, 0},
		{"login-rate", "N",
		 "log-ins per minute from one client address, N at once at most (default 30; "
		 "0 = no limit)",
		 &login_rate, 0},
		{"public-rate", "N",
		 "requests per minute from one client address to what needs no log-in (the "
		 "public portal: GET /api/v1/track), N at once at most (default 30; 0 = no limit)",
		 &public_rate, 0},
		{"trusted-proxy", "ADDR[,ADDR]",
		 "reverse proxies whose X-Forwarded-For names the client (its last address): "
		 "for the rate limits and the audit records (default: none)",
		 &proxies, 0},
		{"request-timeout", "SECONDS",
		 "a request's body must have arrived within this, or the connection is closed "
		 "(default 30)",
		 &req_timeout, 0},
		{"idempotency-days", "N",
		 "how long an Idempotency-Key is remembered; older keys are forgotten by the "
		 "sweep (default 30)",
		 &idem, 0},
		{"quiet", NULL, "log warnings and errors only", &quiet, 0},
		{"testing-clock", "FILE",
		 "TESTING ONLY, never in service: the clock runs as many seconds ahead as FILE "
		 "says (one whole number), re-read when it changes",
		 &clock, 0},
		{"testing-faults", "FILE",
		 "TESTING ONLY, never in service: the store fails the Nth write or sync as "
		 "FILE says (\"ID write|sync N full|ioerr once|persist\" or \"ID off\"), "
		 "re-read when it changes",
		 &faults, 0},
		{"unsafe-early-ack", NULL,
		 "TESTING ONLY, loses data: answer writes 100 ms before committing them (the "
		 "crash harness's negative control); loopback --listen only",
		 &early_ack, 0},
		{NULL, NULL, NULL, NULL, 0},
	};
	int r = pa_opts_parse(argc, argv, opts, "pingan serve --db PATH [--listen HOST:PORT]",
			      "Serve the pingan API. Stops cleanly on SIGTERM or SIGINT: no new "
			      "connections, requests in flight finish, the writer flushes.");
	if (r)
		return r == 1 ? 0 : 2;
	if (quiet)
		pa_log_set_level(PA_LOG_WARN);
	if (early_ack && !loopback(listen)) {
		fprintf(stderr, "pingan: --unsafe-early-ack is for tests on 127.x or [::1] only\n");
		return 2;
	}
	/* Block the stop signals before any thread starts, so only sigwait sees them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	char *end;
	long slots = strtol(cache, &end, 10);
	if (*end || slots < 0 || slots > 10000000) {
		fprintf(stderr, "pingan: --case-cache wants a number from 0 to 10000000\n");
		return 2;
	}
	struct pa_login_policy lp;
	int lrate, prate, rtimeout, npool = 0;
	if ((pool && int_opt("db-pool", pool, 1, 10000, &npool)) ||
	    int_opt("login-rate", login_rate, 0, 100000, &lrate) ||
	    int_opt("public-rate", public_rate, 0, 100000, &prate) ||
	    int_opt("request-timeout", req_timeout, 1, 3600, &rtimeout) ||
	    int_opt("session-idle", idle, 60, 86400, &lp.session_idle) ||
	    int_opt("session-max", max_age, 60, 7 * 86400, &lp.session_max) ||
	    int_opt("lock-after", lock_after, 1, 1000, &lp.lock_after) ||
	    int_opt("lock-window", lock_window, 1, 86400, &lp.lock_window) ||
	    int_opt("lock-time", lock_time, 1, 86400, &lp.lock_time))
		return 2;
	if (faults)
		pa_faultvfs_want(faults);
	if (clock)
		pa_clock_follow(clock);
	struct pa_app app;
	if (pa_app_open(&app, db, akey, datadir(data), pii_key, true))
		return fail("cannot start");
	app.login = lp;
	pa_store_pool_set(app.store, npool ? npool : pool_default(db), 10000);
	if (replica && pa_store_replica_set(app.store, replica)) {
		pa_app_close(&app);
		return fail("cannot reach the replica");
	}
	warn_exempt(&app);
	if (!idem_days(idem, &app)) {
		pa_app_close(&app);
		return 2;
	}
	pa_app_set_case_cache(&app, (int)slots);
	if (early_ack) {
		pa_writer_unsafe_early_ack(app.writer, 100);
		pa_log(PA_LOG_WARN, "unsafe_early_ack",
		       "\"detail\":\"writes are answered before they are committed: a crash "
		       "loses acknowledged data (testing only)\"");
	}
	if (files)
		snprintf(app.files_dir, sizeof app.files_dir, "%s", files);
	/* a font asked for must be there; without any, the rest serves and printing says why */
	struct pa_pdf_fonts fonts;
	if (font)
		snprintf(app.font, sizeof app.font, "%s", font);
	struct pa_pdf *probe = NULL;
	if (pa_pdf_fonts_find(font, &fonts) || (font && pa_pdf_new(&fonts, "-", NULL, &probe))) {
		if (font) { /* a font asked for that cannot print: say so now, not at each print */
			pa_app_close(&app);
			return fail("cannot print");
		}
		pa_log(PA_LOG_WARN, "no_font", "\"detail\":\"%s\"", pa_err_last()->message);
	}
	pa_pdf_free(probe);
	struct pa_server_opts so = {.listen = listen,
				    .max_body = (size_t)strtoull(body, NULL, 10),
				    .max_upload = (size_t)strtoull(upload, NULL, 10),
				    .max_connections = 1000,
				    .timeout_s = 60,
				    .request_timeout = (unsigned)rtimeout,
				    .login_rate = lrate,
				    .public_rate = prate,
				    .trusted_proxies = proxies,
				    .web = web};
	if (so.max_body < 1024)
		so.max_body = 1024;
	struct pa_server *srv;
	if (pa_server_start(&app, &so, &srv)) {
		fail("cannot serve");
		pa_app_close(&app);
		return 1;
	}
	struct pa_metrics_server *ms = NULL;
	if (metrics && pa_metrics_start(&app, metrics, &ms)) {
		fail("cannot serve metrics");
		pa_server_stop(srv);
		pa_app_close(&app);
		return 1;
	}
	/* the API serves without the pages; say why the pages are missing, once */
	char ix[1200], eix[1300];
	snprintf(ix, sizeof ix, "%s/index.html", web);
	if (access(ix, R_OK) != 0)
		pa_log(PA_LOG_WARN, "no_web",
		       "\"detail\":\"%s cannot be read: the API serves, the pages do not (make "
		       "web builds them)\"",
		       pa_log_escape(eix, sizeof eix, ix, 1000));
	pa_log(PA_LOG_INFO, "serving", "\"listen\":\"%s\",\"grids\":%d,\"case_types\":%d", listen,
	       pa_geo_index_count(app.geo), app.cat->ntypes);
	struct sweeper sw = {.app = &app, .interval = atoi(sweep)};
	pthread_mutex_init(&sw.mu, NULL);
	pthread_cond_init(&sw.cv, NULL);
	bool sweeping = sw.interval > 0 && pthread_create(&sw.thread, NULL, sweeper_main, &sw) == 0;
	int sig = 0;
	sigwait(&set, &sig);
	pa_log(PA_LOG_INFO, "stopping", "\"signal\":%d", sig);
	/* The sweeper finishes the run it is in while the server stops accepting and drains;
	 * the writer flushes what both handed it when the app closes. */
	pthread_mutex_lock(&sw.mu);
	sw.stop = true;
	pthread_cond_signal(&sw.cv);
	pthread_mutex_unlock(&sw.mu);
	pa_server_stop(srv);
	if (sweeping)
		pthread_join(sw.thread, NULL);
	pa_metrics_stop(ms);
	pa_app_close(&app);
	pa_log(PA_LOG_INFO, "stopped", NULL);
	return 0;
}

static int cmd_migrate(int argc, char **argv)
{
	const char *db = NULL, *akey = NULL;
	struct pa_opt opts[] = {
		{"db", "DB", "the database: a SQLite file, or postgres://… (docs/deploy.md)", &db,
		 1},
		{"audit-key", "FILE", PA_AUDIT_KEY_HELP, &akey, 0},
		{NULL, NULL, NULL, NULL, 0},
	};
	int r = pa_opts_parse(argc, argv, opts, "pingan migrate --db PATH",
			      "Create the database or bring its schema up to date.");
	if (r)
		return r == 1 ? 0 : 2;
	struct pa_store *s;
	struct pa_db *w;
	if (pa_store_open(db, &s))
		return fail("cannot open the database");
	if (pa_store_audit_key(s, akey) || pa_store_open_writer(s, &w)) {
		pa_store_close(s);
		return fail("cannot open the database");
	}
	int from, to;
	enum pa_err rc = w->ops->migrate(w, &from, &to);
	w->ops->close(w);
	pa_store_close(s);
	if (rc)
		return fail("migration failed");
	if (from == to)
		printf("schema is up to date (version %d)\n", to);
	else
		printf("schema migrated from version %d to %d\n", from, to);
	return 0;
}

static int read_password_stdin(char *buf, size_t cap)
{
	if (!fgets(buf, (int)cap, stdin))
		return -1;
	size_t n = strlen(buf);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = 0;
	return 0;
}

static int cmd_user_add(int argc, char **argv)
{
	const char *pii_key = NULL;
	const char *db = NULL, *username = NULL, *role = NULL, *region = NULL, *unit = NULL,
		   *name = NULL, *pw_stdin = NULL, *data = NULL, *akey = NULL;
	struct pa_opt opts[] = {
		{"db", "DB", "the database: a SQLite file, or postgres://… (docs/deploy.md)", &db,
		 1},
		{"audit-key", "FILE", PA_AUDIT_KEY_HELP, &akey, 0},
		{"pii-key", "FILE",
		 "the personal-data key file (default: the database path + .pii-key, made at the "
		 "first start; keep a copy apart from the database's backups)",
		 &pii_key, 0},
		{"username", "U", "log-in name (letters, digits, _ . -)", &username, 1},
		{"role", "ROLE", "one of the roles in data/roles.conf", &role, 1},
		{"region", "CODE", "the region subtree the user works in", &region, 1},
		{"unit", "ID", "the unit the user belongs to", &unit, 0},
		{"name", "NAME", "display name", &name, 0},
		{"password-stdin", NULL, "read the password from the first line of stdin",
		 &pw_stdin, 1},
		{"data", "DIR", "the data files (default " PA_DATADIR ")", &data, 0},
		{NULL, NULL, NULL, NULL, 0},
	};
	int r = pa_opts_parse(argc, argv, opts,
			      "pingan user add --db PATH --username U --role ROLE --region CODE "
			      "[--unit ID] --password-stdin",
			      "Add a user account. The password is read from stdin so it never "
			      "appears in the process list or shell history. It must meet the "
			      "password policy (12 characters or more, not a common one …); the "
			      "account replaces it at its first log-in and enrols a second factor "
			      "if its role requires one. The system, security and audit "
			      "administrators' accounts are added only this way.");
	if (r)
		return r == 1 ? 0 : 2;
	char pw[256];
	if (read_password_stdin(pw, sizeof pw)) {
		fprintf(stderr, "pingan: no password on stdin\n");
		return 2;
	}
	char *end = NULL;
	long long unit_id = unit ? strtoll(unit, &end, 10) : 0;
	if (unit && (*end || unit_id <= 0)) {
		fprintf(stderr, "pingan: --unit wants a unit id (a positive number)\n");
		return 2;
	}
	struct pa_app app;
	if (pa_app_open(&app, db, akey, datadir(data), pii_key, false))
		return fail("cannot open");
	struct pa_db *w;
	enum pa_err rc = pa_store_open_writer(app.store, &w);
	if (!rc) {
		rc = w->ops->begin(w);
		if (!rc)
			rc = pa_user_create(w, app.cat,
					    &(struct pa_account_new){.username = username,
								     .password = pw,
								     .role = role,
								     .region = region,
								     .name = name,
								     .unit_id = unit_id},
					    NULL);
		if (!rc)
			rc = w->ops->commit(w);
		else
			w->ops->rollback(w);
		w->ops->close(w);
	}
	sodium_memzero(pw, sizeof pw);
	pa_app_close(&app);
	if (rc)
		return fail("cannot add the user");
	printf("user %s added (%s, region %s)\n", username, role, region);
	return 0;
}

static int cmd_demo(int argc, char **argv)
{
	const char *pii_key = NULL, *akey = NULL;
	const char *db = NULL, *seed = "1", *data = NULL;
	const char *city = NULL, *name = NULL, *centre = NULL;
	struct pa_opt opts[] = {
		{"db", "DB",
		 "the database to create the city in (a file or postgres://…; must not hold that "
		 "city yet, it may hold others)",
		 &db, 1},
		{"city", "CODE",
		 "the city's six-digit code (GB/T 2260; default 429006, 天门市); another city's "
		 "demo usernames end in _CODE",
		 &city, 0},
		{"name", "NAME", "the city's name (default 天门市; required with --city)", &name,
		 0},
		{"centre", "LNG,LAT",
		 "where the city lies (default 113.17,30.66; required with --city); its grids "
		 "must not overlap another city's",
		 &centre, 0},
		{"audit-key", "FILE", PA_AUDIT_KEY_HELP, &akey, 0},
		{"pii-key", "FILE",
		 "the personal-data key file (default: the database path + .pii-key, made at the "
		 "first start; keep a copy apart from the database's backups)",
		 &pii_key, 0},
		{"seed", "N", "random seed: the same seed gives the same city (default 1)", &seed,
		 0},
		{"data", "DIR", "the data files (default " PA_DATADIR ")", &data, 0},
		{NULL, NULL, NULL, NULL, 0},
	};
	int r = pa_opts_parse(
		argc, argv, opts,
		"pingan demo --db PATH [--seed N] [--city CODE --name NAME --centre LNG,LAT]",
		"Create the demo city: a Tianmen-like county-level city (429006) with "
		"its towns, villages, grids, units, users and a few thousand cases. "
		"With --city, another such city beside those the database holds (a "
		"province's database); the first city of a province also makes the "
		"province's region and its read-only account province_NN. "
		"Prints the demo log-ins.");
	if (r)
		return r == 1 ? 0 : 2;
	struct pa_demo_city c = pa_demo_default_city;
	if (city || name || centre) {
		char tail;
		if (!city || !name || !centre) {
			fprintf(stderr, "pingan: --city, --name and --centre go together\n");
			return 2;
		}
		if (!pa_city_valid(city)) {
			fprintf(stderr, "pingan: --city wants six digits (GB/T 2260), not %s\n",
				city);
			return 2;
		}
		if (sscanf(centre, "%lf,%lf%c", &c.lng, &c.lat, &tail) != 2 ||
		    !pa_geo_valid(c.lng, c.lat)) {
			fprintf(stderr, "pingan: --centre wants LNG,LAT, not %s\n", centre);
			return 2;
		}
		c.code = city;
		c.name = name;
	}
	char *end;
	unsigned long long s = strtoull(seed, &end, 10);
	if (*end) {
		fprintf(stderr, "pingan: --seed wants a number\n");
		return 2;
	}
	struct pa_app app;
	if (pa_app_open(&app, db, akey, datadir(data), pii_key, false))
		return fail("cannot open");
	enum pa_err rc = pa_demo_build(&app, &c, (uint64_t)s, stdout);
	pa_app_close(&app);
	if (rc)
		return fail("cannot build the demo city");
	return 0;
}

/* "2026-12-01T09:00:00" in China Standard Time → unix seconds; -1 if malformed. */
static int64_t parse_cst(const char *s)
{
	int y, mo, d, h = 0, mi = 0, sec = 0;
	char tail;
	int n = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &tail);
	if (n != 3 && n != 6)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 || y < 1970)
		return -1;
	struct tm tm = {.tm_year = y - 1900,
			.tm_mon = mo - 1,
			.tm_mday = d,
			.tm_hour = h,
			.tm_min = mi,
			.tm_sec = sec};
	return (int64_t)timegm(&tm) - 8 * 3600;
}

static int cmd_sweep(int argc, char **argv)
{
	const char *pii_key = NULL, *akey = NULL;
	const char *db = NULL, *data = NULL, *at = NULL, *idem = NULL, *idle = "1800";
	struct pa_opt opts[] = {
		{"db", "DB", "the database: a SQLite file, or postgres://… (docs/deploy.md)", &db,
		 1},
		{"audit-key", "FILE", PA_AUDIT_KEY_HELP, &akey, 0},
		{"pii-key", "FILE",
		 "the personal-data key file (default: the database path + .pii-key, made at the "
		 "first start; keep a copy apart from the database's backups)",
		 &pii_key, 0},
		{"idempotency-days", "N",
		 "how long an Idempotency-Key is remembered; older keys are forgotten by the "
		 "sweep (default 30)",
		 &idem, 0},
		{"session-idle", "SECONDS",
		 "sessions unused this long are forgotten, as serve ends them (default 1800: "
		 "give the value serve has)",
		 &idle, 0},
		{"at", "TIME",
		 "judge deadlines as at this China time, e.g. 2026-12-01T09:00:00 "
		 "(default: now)",
		 &at, 0},
		{"data", "DIR", "the data files (default " PA_DATADIR ")", &data, 0},
		{NULL, NULL, NULL, NULL, 0},
	};
	int r = pa_opts_parse(argc, argv, opts, "pingan sweep --db PATH [--at TIME]",
			      "Mark yellow and red supervision (黄牌/红牌督办) on the cases past "
			      "their limits, once each, and escalate those whose profile says so; "
			      "mark once the cases past a date their type watches (整改期限) while "
			      "still being handled, and the supervisions left without a report; "
			      "forget idempotency keys past their retention and sessions that have "
			      "ended. "
			      "pingan serve does this by itself; this is for cron.");
	if (r)
		return r == 1 ? 0 : 2;
	int64_t now = at ? parse_cst(at) : pa_now();
	if (now < 0) {
		fprintf(stderr, "pingan: --at wants YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS\n");
		return 2;
	}
	int session_idle;
	if (int_opt("session-idle", idle, 60, 86400, &session_idle))
		return 2;
	struct pa_app app;
	if (pa_app_open(&app, db, akey, datadir(data), pii_key, true))
		return fail("cannot open");
	if (!idem_days(idem, &app)) {
		pa_app_close(&app);
		return 2;
	}
	app.login.session_idle = session_idle;
	struct pa_sweep_result res;
	enum pa_err rc = pa_sweep(&app, now, &res);
	pa_app_close(&app);
	if (rc)
		return fail("sweep failed");
	printf("looked at %d cases: %d yellow, %d red, %d escalated, %d supervisions late, "
	       "%d watched dates passed, %d idempotency keys and %d ended sessions forgotten\n",
	       res.looked, res.yellow, res.red, res.escalated, res.late, res.watch_late,
	       res.forgotten, res.sessions);
	return 0;
}

static int cmd_routes(void)
{
	for (int i = 0; i < pa_nroutes; i++)
		printf("%s %s\n", pa_routes[i].method, pa_routes[i].pattern);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"pingan %s — the safe-city platform of a 综治中心\n\n"
		"usage: pingan COMMAND [options]   (pingan COMMAND --help for each)\n\n"
		"commands:\n"
		"  serve      serve the API\n"
		"  demo       create the demo city in a fresh database\n"
		"  user add   add a user account\n"
		"  migrate    create or upgrade the database schema\n"
		"  sweep      mark overdue cases (yellow/red supervision), escalate\n"
		"  backup     copy the database (and attachments) while it serves\n"
		"  restore    put a backup back, checked first\n"
		"  check      look a database or backup over: integrity, history, counters\n"
		"  audit      verify the audit log's chain (audit verify)\n"
		"  routes     list the HTTP API routes\n"
		"  version    print the version\n",
		PA_VERSION);
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "pingan: libsodium failed to initialise\n");
		return 1;
	}
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "serve") == 0)
		return cmd_serve(argc - 2, argv + 2);
	if (strcmp(cmd, "demo") == 0)
		return cmd_demo(argc - 2, argv + 2);
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(argc - 2, argv + 2);
	if (strcmp(cmd, "sweep") == 0)
		return cmd_sweep(argc - 2, argv + 2);
	if (strcmp(cmd, "backup") == 0)
		return pa_cmd_backup(argc - 2, argv + 2);
	if (strcmp(cmd, "restore") == 0)
		return pa_cmd_restore(argc - 2, argv + 2);
	if (strcmp(cmd, "check") == 0)
		return pa_cmd_check(argc - 2, argv + 2);
	if (strcmp(cmd, "routes") == 0)
		return cmd_routes();
	if (strcmp(cmd, "audit") == 0) {
		if (argc >= 3 && strcmp(argv[2], "verify") == 0)
			return pa_cmd_audit_verify(argc - 3, argv + 3);
		fprintf(stderr, "usage: pingan audit verify --help\n");
		return 2;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("pingan %s\n", PA_VERSION);
		return 0;
	}
	if (strcmp(cmd, "user") == 0) {
		if (argc >= 3 && strcmp(argv[2], "add") == 0)
			return cmd_user_add(argc - 3, argv + 3);
		fprintf(stderr, "usage: pingan user add --help\n");
		return 2;
	}
	fprintf(stderr, "pingan: unknown command \"%s\"\n\n", cmd);
	usage(stderr);
	return 2;
}
