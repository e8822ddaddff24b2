/* metrics.c: request counters and latency histograms per route, and GET /metrics — those,
 * the writer's batches and queue, the sweeper's runs and marks and the case cache — in the
 * Prometheus text format, on a listener apart from the API. */
#include "http/metrics.h"

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/log.h"
#include "http/http.h"
#include "service/case_cache.h"

#define MAX_ROUTES 64 /* pa_routes must fit: checked at start */
#define NCLASS     5  /* 1xx … 5xx */

typedef atomic_uint_fast64_t counter;

static const char *const methods[] = {"GET",   "HEAD",   "POST",    "PUT",
				      "PATCH", "DELETE", "OPTIONS", "other"};
#define NMETHOD (int)(sizeof methods / sizeof methods[0])

/* Latency bucket bounds in microseconds (le, in seconds on the page); one more for +Inf. */
static const long bounds_us[] = {500,    1000,   2500,   5000,    10000,   25000,   50000,
				 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
#define NBUCKET (int)(sizeof bounds_us / sizeof bounds_us[0])

/* Row 0 is the requests no route matched; row r + 1 is pa_routes[r]. */
static counter requests[MAX_ROUTES + 1][NMETHOD][NCLASS];
static counter latency[MAX_ROUTES + 1][NBUCKET + 1]; /* per bucket, not cumulative */
static counter latency_sum_us[MAX_ROUTES + 1];
static double started; /* process start, unix seconds */

static void count(counter *c, uint_fast64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t load(counter *c)
{
	return (uint64_t)atomic_load_explicit(c, memory_order_relaxed);
}

void pa_metrics_request(int route, const char *method, int status, long us)
{
	int row = route >= 0 && route < MAX_ROUTES ? route + 1 : 0;
	int m = 0;
	while (m < NMETHOD - 1 && strcmp(methods[m], method) != 0)
		m++;
	int cl = status / 100 - 1;
	cl = cl < 0 ? 0 : cl >= NCLASS ? NCLASS - 1 : cl;
	int b = 0;
	while (b < NBUCKET && us > bounds_us[b])
		b++;
	count(&requests[row][m][cl], 1);
	count(&latency[row][b], 1);
	count(&latency_sum_us[row], us > 0 ? (uint_fast64_t)us : 0);
}

static const char *route_name(int row)
{
	return row ? pa_routes[row - 1].pattern : "none";
}

/* A pattern may carry several methods (GET and POST /api/v1/cases): a route is both. HEAD
 * is timed with its GET. */
static const char *route_method(int row)
{
	return row ? pa_routes[row - 1].method : "any";
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render_requests(FILE *f)
{
	int rows = pa_nroutes + 1;
	head(f, "pingan_http_requests_total", "counter",
	     "Requests answered, by route pattern, method and status class.");
	for (int r = 0; r < rows; r++)
		for (int m = 0; m < NMETHOD; m++)
			for (int c = 0; c < NCLASS; c++) {
				uint64_t n = load(&requests[r][m][c]);
				if (n)
					fprintf(f,
						"pingan_http_requests_total{route=\"%s\",method=\"%"
						"s\",status=\"%dxx\"} %llu\n",
						route_name(r), methods[m], c + 1,
						(unsigned long long)n);
			}
	const char *h = "pingan_http_request_duration_seconds";
	head(f, h, "histogram",
	     "Time from a request's headers to its answer being queued, by route (pattern and "
	     "method).");
	for (int r = 0; r < rows; r++) {
		uint64_t cum = 0, per[NBUCKET + 1];
		for (int b = 0; b <= NBUCKET; b++)
			cum += per[b] = load(&latency[r][b]);
		if (!cum)
			continue;
		cum = 0;
		for (int b = 0; b <= NBUCKET; b++) {
			cum += per[b];
			char le[16] = "+Inf";
			if (b < NBUCKET)
				snprintf(le, sizeof le, "%g", bounds_us[b] / 1e6);
			fprintf(f, "%s_bucket{route=\"%s\",method=\"%s\",le=\"%s\"} %llu\n", h,
				route_name(r), route_method(r), le, (unsigned long long)cum);
		}
		fprintf(f, "%s_sum{route=\"%s\",method=\"%s\"} %.6f\n", h, route_name(r),
			route_method(r), load(&latency_sum_us[r]) / 1e6);
		fprintf(f, "%s_count{route=\"%s\",method=\"%s\"} %llu\n", h, route_name(r),
			route_method(r), (unsigned long long)cum);
	}
	head(f, "pingan_http_requests_in_flight", "gauge",
	     "Requests begun and not yet completed on the API port.");
	fprintf(f, "pingan_http_requests_in_flight %d\n", pa_server_inflight());
}

static void render_writer(FILE *f, struct pa_writer *w)
{
	if (!w)
		return;
	struct pa_writer_stats st;
	pa_writer_get_stats(w, &st);
	const char *h = "pingan_writer_batch_size";
	head(f, h, "histogram", "Jobs per transaction of the group-commit writer.");
	uint64_t cum = 0;
	for (int b = 0; b < PA_WRITER_SIZE_BUCKETS; b++) {
		cum += st.batch_sizes[b];
		if (b < PA_WRITER_SIZE_BUCKETS - 1)
			fprintf(f, "%s_bucket{le=\"%d\"} %llu\n", h, 1 << b,
				(unsigned long long)cum);
		else
			fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n", h, (unsigned long long)cum);
	}
	fprintf(f, "%s_sum %llu\n%s_count %llu\n", h, (unsigned long long)st.jobs, h,
		(unsigned long long)st.batches);
	head(f, "pingan_writer_queue_depth", "gauge", "Jobs waiting for the writer now.");
	fprintf(f, "pingan_writer_queue_depth %llu\n", (unsigned long long)st.queue_depth);
	head(f, "pingan_writer_jobs_total", "counter",
	     "Writer jobs by result: committed, or failed (answered with an error).");
	fprintf(f, "pingan_writer_jobs_total{result=\"committed\"} %llu\n",
		(unsigned long long)st.committed);
	fprintf(f, "pingan_writer_jobs_total{result=\"failed\"} %llu\n",
		(unsigned long long)st.failed_jobs);
	head(f, "pingan_writer_store_failures_total", "counter",
	     "Batches the store failed as a whole (each job then retried alone).");
	fprintf(f, "pingan_writer_store_failures_total %llu\n",
		(unsigned long long)st.failed_batches);
}

static void render_sweeps(FILE *f, struct pa_sweep_totals *t)
{
	head(f, "pingan_sweeper_runs_total", "counter", "Sweeps run, by result.");
	uint64_t runs = load(&t->runs), failed = load(&t->failed);
	fprintf(f, "pingan_sweeper_runs_total{result=\"ok\"} %llu\n",
		(unsigned long long)(runs - failed));
	fprintf(f, "pingan_sweeper_runs_total{result=\"failed\"} %llu\n",
		(unsigned long long)failed);
	head(f, "pingan_sweeper_cases_looked_total", "counter",
	     "Cases the sweeps judged (a deadline or watched date had come).");
	fprintf(f, "pingan_sweeper_cases_looked_total %llu\n",
		(unsigned long long)load(&t->looked));
	head(f, "pingan_sweeper_cases_marked_total", "counter",
	     "Marks the sweeps made: yellow, red, escalated, late (supervision without report), "
	     "watch_late (watched date passed).");
	const struct {
		const char *mark;
		counter *n;
	} marks[] = {{"yellow", &t->yellow},
		     {"red", &t->red},
		     {"escalated", &t->escalated},
		     {"late", &t->late},
		     {"watch_late", &t->watch_late}};
	for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
		fprintf(f, "pingan_sweeper_cases_marked_total{mark=\"%s\"} %llu\n", marks[i].mark,
			(unsigned long long)load(marks[i].n));
}

void pa_metrics_render(struct pa_app *app, FILE *f)
{
	render_requests(f);
	render_writer(f, app->writer);
	render_sweeps(f, &app->sweeps);
	uint64_t hits, misses;
	pa_case_cache_counts(app->case_cache, &hits, &misses);
	head(f, "pingan_case_cache_requests_total", "counter",
	     "Case reads by whether their rendering was kept (hit) or made (miss).");
	fprintf(f, "pingan_case_cache_requests_total{result=\"hit\"} %llu\n",
		(unsigned long long)hits);
	fprintf(f, "pingan_case_cache_requests_total{result=\"miss\"} %llu\n",
		(unsigned long long)misses);
	head(f, "process_start_time_seconds", "gauge",
	     "Start time of the process since the Unix epoch, in seconds.");
	fprintf(f, "process_start_time_seconds %.3f\n", started);
}

/* ---- the listener ---- */

struct pa_metrics_server {
	struct MHD_Daemon *d;
	struct pa_app *app;
};

static enum MHD_Result on_scrape(void *cls, struct MHD_Connection *c, const char *url,
				 const char *method, const char *version, const char *upload,
				 size_t *upload_size, void **con_cls)
{
	(void)version;
	(void)upload;
	static int first_call;
	if (!*con_cls) { /* answer once the whole request is in */
		*con_cls = &first_call;
		return MHD_YES;
	}
	if (*upload_size) { /* a scrape has no body: drop whatever comes */
		*upload_size = 0;
		return MHD_YES;
	}
	const char *text = "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"only /metrics "
			   "is served here\"}}\n";
	unsigned status = 404;
	if (strcmp(url, "/metrics") == 0) {
		text = "{\"error\":{\"code\":\"METHOD_NOT_ALLOWED\",\"message\":\"GET "
		       "/metrics\"}}\n";
		status = 405;
	}
	if (strcmp(url, "/metrics") == 0 &&
	    (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)) {
		char *buf = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&buf, &n);
		if (!f)
			return MHD_NO;
		pa_metrics_render(((struct pa_metrics_server *)cls)->app, f);
		fclose(f);
		struct MHD_Response *r =
			MHD_create_response_from_buffer(n, buf, MHD_RESPMEM_MUST_FREE);
		MHD_add_response_header(r, "Content-Type",
					"text/plain; version=0.0.4; charset=utf-8");
		MHD_add_response_header(r, "Cache-Control", "no-store");
		enum MHD_Result ret = MHD_queue_response(c, 200, r);
		MHD_destroy_response(r);
		return ret;
	}
	char *copy = strdup(text);
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(copy), copy, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	if (status == 405)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum pa_err pa_metrics_start(struct pa_app *app, const char *listen, struct pa_metrics_server **out)
{
	*out = NULL;
	if (pa_nroutes > MAX_ROUTES)
		return pa_errf(PA_INTERNAL, NULL, "more routes than metrics can count (%d)",
			       MAX_ROUTES);
	struct sockaddr_storage ss;
	enum pa_err rc = pa_listen_addr(listen, &ss);
	if (rc)
		return rc;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (!started)
		started = (double)now.tv_sec + now.tv_nsec / 1e9;
	struct pa_metrics_server *m = calloc(1, sizeof *m);
	m->app = app;
	/* one polling thread: a scraper or two, never the load of the API */
	unsigned flags =
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m->d = MHD_start_daemon(flags, 0, NULL, NULL, on_scrape, m, MHD_OPTION_SOCK_ADDR,
				(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, 16u,
				MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!m->d) {
		free(m);
		return pa_errf(PA_UNAVAILABLE, "metrics-listen", "cannot listen on %s (in use?)",
			       listen);
	}
	*out = m;
	return PA_OK;
}

void pa_metrics_stop(struct pa_metrics_server *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->d);
	free(m);
}
