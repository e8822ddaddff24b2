/* server.c: libmicrohttpd glue — bounded body intake, routing, authentication, the
 * rendering of every reply and error, security headers and the access log. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/jspec.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/ratelimit.h"

struct pa_server {
	struct MHD_Daemon *d;
	struct pa_app *app;
	struct pa_server_opts o;
	struct pa_ratelimit *login_rl, *public_rl; /* NULL = no limit */
};

/* Per-connection-request state, from the first call of the access handler to completion. */
struct call {
	struct pa_arena arena;
	char *body;
	size_t len, cap;
	bool too_large;
	bool url_had_nul;
	bool in_use, owned;
	size_t max; /* the body cap of this request's route */
	struct timespec t0;
};

static atomic_ulong req_counter;
/* Requests between their first call and completion: a clean stop waits for them. */
static atomic_int inflight;
/* Set once a stop has begun: answers then close their connection, so clients keeping
 * connections alive come back on a new one (to a server that is up) instead. */
static atomic_bool stopping;

int pa_server_inflight(void)
{
	return atomic_load(&inflight);
}

/* The state of the request in progress on this thread: with a thread per connection a
 * thread serves one request at a time, so its call and arena are reused, not reallocated;
 * the key's destructor frees them when the connection's thread ends. */
static pthread_key_t call_key;
static pthread_once_t call_key_once = PTHREAD_ONCE_INIT;

static void call_destroy(void *p)
{
	struct call *cl = p;
	pa_arena_free(&cl->arena);
	free(cl->body);
	free(cl);
}

static void call_key_init(void)
{
	pthread_key_create(&call_key, call_destroy);
}

/* Set by unescape() when the URL held %00, read by the access handler of the same
 * request: MHD runs both on the connection's own thread. */
static _Thread_local bool url_had_nul;

/* Percent-decoding that leaves %00 as it is: a decoded NUL would silently cut a path or a
 * query value short ("/cases/12%00junk" read as case 12). */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return pa_url_unescape(s, &url_had_nul);
}

/* The value of name in pairs (name, value, …, NULL); headers' names in any case. */
static const char *pair_value(const char *const *pairs, const char *name, bool anycase)
{
	for (; pairs && pairs[0]; pairs += 2)
		if (anycase ? strcasecmp(pairs[0], name) == 0 : strcmp(pairs[0], name) == 0)
			return pairs[1];
	return NULL;
}

const char *pa_req_query(struct pa_req *rq, const char *name)
{
	if (!rq->conn)
		return pair_value(rq->args, name, false);
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *pa_req_header(struct pa_req *rq, const char *name)
{
	if (!rq->conn)
		return pair_value(rq->headers, name, true);
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

enum pa_err pa_req_id(struct pa_req *rq, int i, int64_t *out)
{
	const char *s = rq->params[i];
	char *end;
	if (!s || !*s || strlen(s) > 18 || *s < '1' || *s > '9')
		return pa_errf(PA_NOT_FOUND, NULL, "no such resource: %s", s ? s : "");
	long long v = strtoll(s, &end, 10);
	if (*end)
		return pa_errf(PA_NOT_FOUND, NULL, "no such resource: %s", s);
	*out = v;
	return PA_OK;
}

struct query_check {
	const struct pa_route *route;
	enum pa_err rc;
};

static enum MHD_Result check_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				       const char *value)
{
	(void)kind;
	struct query_check *qc = cls;
	qc->rc = pa_query_arg_check(qc->route, key, value);
	return qc->rc ? MHD_NO : MHD_YES;
}

static void add_common_headers(struct MHD_Response *r, const char *rid)
{
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'none'; frame-ancestors 'none'");
	MHD_add_response_header(r, "X-Request-Id", rid);
	if (atomic_load(&stopping))
		MHD_add_response_header(r, "Connection", "close");
}

/* Sends body if given, else the text streamed into out (taken over and freed). */
static enum MHD_Result send_json(struct MHD_Connection *c, int status, json_t *body,
				 struct pa_jw *out, const char *rid, const char *cookie,
				 const char *allow, int retry_after)
{
	char *s;
	size_t n;
	if (body) {
		s = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(10));
		n = strlen(s);
	} else if (out && out->len) {
		s = pa_jw_take(out, &n);
	} else {
		s = strdup("{}");
		n = 2;
	}
	/* A trailing newline makes curl and logs friendlier. */
	s = realloc(s, n + 2);
	s[n++] = '\n';
	s[n] = 0;
	struct MHD_Response *r = MHD_create_response_from_buffer(n, s, MHD_RESPMEM_MUST_FREE);
	add_common_headers(r, rid);
	if (cookie)
		MHD_add_response_header(r, "Set-Cookie", cookie);
	if (allow)
		MHD_add_response_header(r, "Allow", allow);
	if (retry_after > 0) {
		char ra[24];
		snprintf(ra, sizeof ra, "%d", retry_after);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static json_t *error_body(enum pa_err e, enum pa_lang lang);

/* The language the client asks its messages in (Accept-Language; Chinese unless en). */
static enum pa_lang conn_lang(struct MHD_Connection *c)
{
	return pa_lang_of(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language"));
}

static enum MHD_Result send_error(struct MHD_Connection *c, enum pa_err e, const char *rid)
{
	json_t *eb = error_body(e, conn_lang(c));
	enum MHD_Result ret = send_json(c, pa_err_status(e), eb, NULL, rid, NULL, NULL, 0);
	json_decref(eb);
	return ret;
}

/* A response reading the file at path (which it then owns), or NULL if it cannot be read. */
static struct MHD_Response *fd_response(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	return MHD_create_response_from_fd((uint64_t)st.st_size, fd);
}

/* A stored file, as it is: never sniffed, never run, downloaded under its given name. */
static enum MHD_Result send_file(struct MHD_Connection *c, const struct pa_reply *rp,
				 const char *rid)
{
	struct MHD_Response *r;
	if (rp->file_data) {
		r = MHD_create_response_from_buffer(rp->file_len, rp->file_data,
						    MHD_RESPMEM_MUST_FREE);
	} else if (!(r = fd_response(rp->file))) {
		pa_errf(PA_STORE_IO, NULL, "the stored file cannot be read");
		return send_error(c, PA_STORE_IO, rid);
	}
	add_common_headers(r, rid);
	MHD_del_response_header(r, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(r, "Content-Type", rp->file_type);
	MHD_del_response_header(r, "Content-Security-Policy",
				"default-src 'none'; frame-ancestors 'none'");
	MHD_add_response_header(r, "Content-Security-Policy", "default-src 'none'; sandbox");
	/* RFC 6266: the UTF-8 name percent-encoded */
	char disp[600];
	size_t o = (size_t)snprintf(disp, sizeof disp, "attachment; filename*=UTF-8''");
	for (const unsigned char *p = (const unsigned char *)rp->file_name;
	     *p && o + 4 < sizeof disp; p++) {
		if (isalnum(*p) || *p == '.' || *p == '-' || *p == '_')
			disp[o++] = (char)*p;
		else
			o += (size_t)snprintf(disp + o, sizeof disp - o, "%%%02X", *p);
	}
	disp[o] = 0;
	MHD_add_response_header(r, "Content-Disposition", disp);
	enum MHD_Result ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

/* What a page of the web face may do: run only its own scripts (no inline script, no
 * eval), style itself from its own files, call only its own API, start only its own
 * service worker (/sw.js, keeping the pages for offline use), be framed by nobody. */
#define PAGE_CSP                                                                                \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " \
	"font-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "         \
	"base-uri 'none'; "                                                                     \
	"form-action 'self'; frame-ancestors 'none'"

/* A file of the web face (static.c found it): shown in the browser, with the pages' CSP. */
static enum MHD_Result send_page(struct MHD_Connection *c, const struct pa_reply *rp,
				 const char *rid)
{
	struct MHD_Response *r = fd_response(rp->file);
	if (!r) { /* gone since static.c found it: a new build replacing the old */
		pa_errf(PA_NOT_FOUND, NULL, "no such page");
		return send_error(c, PA_NOT_FOUND, rid);
	}
	MHD_add_response_header(r, "Content-Type", rp->file_type);
	MHD_add_response_header(r, "Cache-Control", rp->page_cache);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Content-Security-Policy", PAGE_CSP);
	MHD_add_response_header(r, "X-Request-Id", rid);
	if (atomic_load(&stopping))
		MHD_add_response_header(r, "Connection", "close");
	enum MHD_Result ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static json_t *error_body(enum pa_err e, enum pa_lang lang)
{
	const struct pa_errinfo *info = pa_err_last();
	const char *msg = info->code == e && info->message[0] ? pa_err_text(info, lang)
							      : pa_err_hint_in(e, lang);
	json_t *err = json_pack("{s:s, s:s}", "code", pa_err_name(e), "message", msg);
	if (!err) /* never a bare {}: the hint is always valid */
		return json_pack("{s:{s:s, s:s}}", "error", "code", pa_err_name(e), "message",
				 pa_err_hint_in(e, lang));
	if (info->code == e && info->field[0])
		json_object_set_new(err, "field", json_string(info->field));
	return json_pack("{s:o}", "error", err);
}

static enum pa_err parse_body(struct pa_req *rq, const struct call *cl)
{
	const char *ct = pa_req_header(rq, "Content-Type");
	if (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] && ct[16] != ';' && ct[16] != ' '))
		return pa_errf(PA_UNSUPPORTED_MEDIA, NULL,
			       "send the body as application/json (got %s)", ct ? ct : "nothing");
	return pa_json_body(cl->body ? cl->body : "", cl->len, &rq->body);
}

/* Whether addr is one of the comma-separated list. */
static bool listed(const char *list, const char *addr)
{
	size_t n = strlen(addr);
	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, addr, n) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* The client's address as text ("" if unknown): the peer's, or — when the peer is a
 * trusted reverse proxy — the last address of X-Forwarded-For, the one the proxy saw; and
 * whether the proxy says the client spoke TLS to it (nobody else is believed). */
static void client_address(struct MHD_Connection *c, const char *trusted, char *out, size_t cap,
			   bool *https)
{
	*https = false;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	out[0] = 0;
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
			  (socklen_t)cap);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
			  (socklen_t)cap);
	if (!trusted || !listed(trusted, out))
		return;
	const char *proto = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto");
	*https = proto && strcasecmp(proto, "https") == 0;
	const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
	const char *last = xff ? strrchr(xff, ',') : NULL;
	last = last ? last + 1 : xff;
	while (last && *last == ' ')
		last++;
	struct pa_addr_key k;
	size_t n = last ? strcspn(last, " ") : 0;
	if (n && n < cap) {
		char given[INET6_ADDRSTRLEN + 1] = "";
		memcpy(given, last, n < sizeof given ? n : sizeof given - 1);
		if (pa_addr_key_of(given, &k)) /* a real address, nothing else */
			memcpy(out, given, sizeof given < cap ? sizeof given : cap);
	}
}

/* RATE_LIMITED if the client's address has used up its rate for this route. */
static enum pa_err rate_check(struct pa_server *srv, const struct pa_route *route,
			      const struct pa_req *rq)
{
	struct pa_ratelimit *rl = route->flags & PA_R_LIMIT_LOGIN    ? srv->login_rl
				  : route->flags & PA_R_LIMIT_PUBLIC ? srv->public_rl
								     : NULL;
	struct pa_addr_key k;
	int wait;
	if (!rl || !pa_addr_key_of(rq->from, &k) || pa_ratelimit_take(rl, &k, pa_now(), &wait))
		return PA_OK;
	pa_errf(PA_RATE_LIMITED, NULL, "too many %s from your address; try again in %d s",
		route->flags & PA_R_LIMIT_LOGIN ? PA_W("log-ins") : PA_W("requests"), wait);
	pa_err_retry_after(wait);
	return PA_RATE_LIMITED;
}

static const char *session_token(struct pa_req *rq, bool *from_cookie)
{
	*from_cookie = false;
	const char *h = pa_req_header(rq, "Authorization");
	if (h && strncasecmp(h, "Bearer ", 7) == 0)
		return h + 7;
	const char *c = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, "pingan_session");
	if (c)
		*from_cookie = true;
	return c;
}

/* Paths the server keeps for itself, never answered by the web face: the API, the health
 * check, and /metrics (served on a port of its own; here it must stay a 404, never a page
 * that a probe could take for it). */
static bool server_path(const char *p)
{
	static const char *const prefixes[] = {"/api", "/healthz", "/metrics"};
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(p, prefixes[i], n) == 0 && (p[n] == 0 || p[n] == '/'))
			return true;
	}
	return false;
}

/* *route_ix gets the index of the route matched, or stays -1. */
static enum pa_err dispatch(struct pa_server *srv, struct pa_req *rq, struct call *cl,
			    struct pa_reply *rp, const char **allow, bool nul, int *route_ix)
{
	char *allow_buf = pa_alloc(rq->arena, 64);
	*route_ix = pa_route_find(rq->method, rq->path, rq->arena, rq->params, allow_buf);
	const struct pa_route *route = *route_ix >= 0 ? &pa_routes[*route_ix] : NULL;
	if (!route) {
		/* Every path outside the API is the web face's: its files, or its single page. */
		if (!*allow_buf && srv->o.web && !server_path(rq->path) &&
		    (strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0)) {
			if (nul || cl->len)
				return pa_errf(PA_NOT_FOUND, NULL, "no such page");
			return pa_static_find(srv->o.web, rq->path, rq->arena, rp);
		}
		if (!*allow_buf)
			return pa_errf(PA_NOT_FOUND, NULL, "no such endpoint: %s %s", rq->method,
				       rq->path);
		*allow = allow_buf;
		return pa_errf(PA_METHOD_NOT_ALLOWED, NULL, "%s is not allowed on %s", rq->method,
			       rq->path);
	}
	if (cl->too_large)
		return pa_errf(PA_TOO_LARGE, NULL, "the body is larger than %zu bytes", cl->max);
	enum pa_err rc = rate_check(srv, route, rq);
	if (rc)
		return rc;
	struct query_check qc = {.route = route};
	MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, check_query_arg, &qc);
	if (qc.rc)
		return qc.rc;
	if (nul)
		return strstr(rq->path, "%00")
			       ? pa_errf(PA_NOT_FOUND, NULL,
					 "no such resource: the path holds %%00")
			       : pa_errf(PA_BAD_QUERY, NULL, "a query parameter holds %%00 (NUL)");
	if (route->flags & PA_R_AUTH) {
		bool cookie;
		rq->token = session_token(rq, &cookie);
		if (!rq->token)
			return pa_errf(PA_UNAUTHENTICATED, NULL, "log in first");
		if ((rc = pa_authenticate(srv->app, rq->token, &rq->actor)))
			return rc;
		if (rq->actor.needs && !(route->flags & PA_R_SETUP))
			return pa_errf(PA_SETUP_REQUIRED, NULL, "%s first (POST %s)",
				       rq->actor.needs & PA_NEEDS_PASSWORD
					       ? PA_W("replace the password someone else set")
					       : PA_W("enrol the second factor your role requires"),
				       rq->actor.needs & PA_NEEDS_PASSWORD
					       ? "/api/v1/session/password"
					       : "/api/v1/session/totp");
		/* A cookie rides along on cross-site requests; a custom header cannot be set by
		 * another site without CORS, which pingan never grants. */
		if (cookie && strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0 &&
		    !pa_req_header(rq, "X-Pingan-CSRF"))
			return pa_errf(PA_FORBIDDEN, NULL,
				       "state-changing requests made with the session cookie need "
				       "the X-Pingan-CSRF header");
	}
	if (route->flags & PA_R_BODY) {
		if ((rc = parse_body(rq, cl)))
			return rc;
	} else if (route->flags & PA_R_UPLOAD) {
		rq->raw = cl->body ? cl->body : "";
		rq->raw_len = cl->len;
	} else if (cl->len)
		return pa_errf(PA_BAD_REQUEST, NULL, "%s %s takes no body", rq->method,
			       route->pattern);
	return route->handler(rq, rp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	(void)version;
	struct pa_server *srv = cls;
	struct call *cl = *con_cls;
	if (!cl) {
		pthread_once(&call_key_once, call_key_init);
		cl = pthread_getspecific(call_key);
		if (cl && !cl->in_use) {
			struct pa_arena keep = cl->arena;
			char *body = cl->body;
			size_t cap = cl->cap;
			memset(cl, 0, sizeof *cl);
			cl->arena = keep;
			cl->body = body;
			cl->cap = cap;
		} else {
			cl = calloc(1, sizeof *cl);
			cl->owned = true; /* not this thread's reusable one: freed on completion */
			if (!pthread_getspecific(call_key)) {
				pthread_setspecific(call_key, cl);
				cl->owned = false;
			}
		}
		cl->in_use = true;
		atomic_fetch_add(&inflight, 1);
		cl->url_had_nul = url_had_nul;
		url_had_nul = false;
		clock_gettime(CLOCK_MONOTONIC, &cl->t0);
		*con_cls = cl;
		/* files may be larger than JSON bodies: the route decides the cap */
		cl->max = srv->o.max_body;
		const char *params[PA_MAX_PARAMS];
		char allow[64];
		int r = pa_route_find(method, url, &cl->arena, params, allow);
		if (r >= 0 && (pa_routes[r].flags & PA_R_UPLOAD))
			cl->max = srv->o.max_upload;
		const char *clen =
			MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (clen && strtoull(clen, NULL, 10) > cl->max)
			cl->too_large = true;
		return MHD_YES;
	}
	if (*upload_size) {
		/* a body trickled in to hold a thread and a connection: the time it may take is
		 * bounded as its size is */
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (srv->o.request_timeout && t.tv_sec - cl->t0.tv_sec > srv->o.request_timeout) {
			pa_log(PA_LOG_WARN, "request_too_slow", "\"seconds\":%u",
			       srv->o.request_timeout);
			return MHD_NO;
		}
		if (!cl->too_large && cl->len + *upload_size > cl->max)
			cl->too_large = true;
		if (!cl->too_large) {
			if (cl->len + *upload_size + 1 > cl->cap) {
				cl->cap = (cl->len + *upload_size + 1) * 2;
				if (cl->cap > cl->max + 1)
					cl->cap = cl->max + 1;
				cl->body = realloc(cl->body, cl->cap);
			}
			memcpy(cl->body + cl->len, upload, *upload_size);
			cl->len += *upload_size;
			cl->body[cl->len] = 0;
		}
		*upload_size = 0;
		return MHD_YES;
	}

	struct pa_req rq = {
		.app = srv->app, .conn = c, .method = method, .path = url, .arena = &cl->arena};
	client_address(c, srv->o.trusted_proxies, rq.from, sizeof rq.from, &rq.https);
	snprintf(rq.id, sizeof rq.id, "%lx-%lx", (unsigned long)time(NULL) & 0xffffff,
		 (unsigned long)atomic_fetch_add(&req_counter, 1));
	struct pa_reply rp = {.status = 200};
	pa_jw_init(&rp.out, 0);
	const char *allow = NULL;
	pa_err_clear();
	int route = -1;
	enum pa_err rc = dispatch(srv, &rq, cl, &rp, &allow, cl->url_had_nul, &route);
	/* before the answer leaves: the user's next list must find what this one wrote */
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		pa_app_wrote(srv->app, rq.actor.user.id);
	int status;
	enum MHD_Result ret;
	if (rc) {
		free(rp.file_data);
		json_decref(rp.body);
		status = pa_err_status(rc);
		json_t *eb = error_body(rc, conn_lang(c));
		if (status >= 500) {
			/* the store's own words stay in the log, with the request id */
			char emsg[1200];
			pa_log(PA_LOG_ERROR, "request_failed",
			       "\"rid\":\"%s\",\"error\":\"%s\",\"detail\":\"%s\"", rq.id,
			       pa_err_name(rc),
			       pa_log_escape(emsg, sizeof emsg, pa_err_last()->message, 300));
			if (status == 500)
				pa_errf(rc, NULL, "internal error (request %s)", rq.id);
		}
		const struct pa_errinfo *info = pa_err_last();
		ret = send_json(c, status, eb, NULL, rq.id, NULL, allow,
				info->code == rc ? info->retry_after : 0);
		json_decref(eb);
	} else if (rp.page_cache) {
		status = 200;
		ret = send_page(c, &rp, rq.id);
	} else if (rp.file || rp.file_data) {
		status = 200;
		ret = send_file(c, &rp, rq.id);
	} else if (rp.out.overflow) {
		status = 500;
		pa_errf(PA_INTERNAL, NULL, "the answer grew too large");
		json_t *eb = error_body(PA_INTERNAL, conn_lang(c));
		ret = send_json(c, status, eb, NULL, rq.id, NULL, NULL, 0);
		json_decref(eb);
	} else {
		status = rp.status;
		ret = send_json(c, status, rp.body, &rp.out, rq.id, rp.cookie, allow, 0);
		json_decref(rp.body);
	}
	pa_jw_free(&rp.out);
	json_decref(rq.body);
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long us = (t1.tv_sec - cl->t0.tv_sec) * 1000000L + (t1.tv_nsec - cl->t0.tv_nsec) / 1000;
	pa_metrics_request(route, method, status, us);
	/* The path may hold ids but never personal data; the query string is not logged. Both
	 * come from the client: escaped, so a request cannot forge log lines. */
	char epath[1300], emethod[100];
	pa_log(PA_LOG_INFO, "request",
	       "\"rid\":\"%s\",\"method\":\"%s\",\"path\":\"%s\",\"status\":%d,\"us\":%ld,"
	       "\"user\":%lld",
	       rq.id, pa_log_escape(emethod, sizeof emethod, method, 16),
	       pa_log_escape(epath, sizeof epath, url, 200), status, us,
	       (long long)rq.actor.user.id);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct call *cl = *con_cls;
	if (!cl)
		return;
	atomic_fetch_sub(&inflight, 1);
	cl->in_use = false;
	if (cl->owned) {
		pa_arena_free(&cl->arena);
		free(cl->body);
		free(cl);
	} else {
		pa_arena_reset(&cl->arena);
		/* a large body's buffer is not kept */
		if (cl->cap > 65536) {
			free(cl->body);
			cl->body = NULL;
			cl->cap = 0;
		}
	}
	*con_cls = NULL;
}

enum pa_err pa_listen_addr(const char *listen, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	char host[64];
	const char *colon = strrchr(listen, ':');
	if (!colon || colon == listen)
		return pa_errf(PA_BAD_REQUEST, "listen", "--listen wants HOST:PORT, got %s",
			       listen);
	size_t hl = (size_t)(colon - listen);
	if (hl >= sizeof host)
		return pa_errf(PA_BAD_REQUEST, "listen", "host too long in %s", listen);
	memcpy(host, listen, hl);
	host[hl] = 0;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return pa_errf(PA_BAD_REQUEST, "listen", "bad port in %s", listen);
	if (host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = 0;
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return pa_errf(PA_BAD_REQUEST, "listen", "bad IPv6 address in %s", listen);
		return PA_OK;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, strcmp(host, "localhost") == 0 ? "127.0.0.1" : host,
		      &s4->sin_addr) != 1)
		return pa_errf(PA_BAD_REQUEST, "listen", "bad IPv4 address in %s", listen);
	return PA_OK;
}

enum pa_err pa_server_start(struct pa_app *app, const struct pa_server_opts *o,
			    struct pa_server **out)
{
	*out = NULL;
	struct sockaddr_storage ss;
	enum pa_err rc = pa_listen_addr(o->listen, &ss);
	if (rc)
		return rc;
	struct pa_server *s = calloc(1, sizeof *s);
	s->app = app;
	s->o = *o;
	s->login_rl = pa_ratelimit_new(o->login_rate);
	s->public_rl = pa_ratelimit_new(o->public_rate);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
				(struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
				s, MHD_OPTION_CONNECTION_LIMIT, o->max_connections,
				MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s,

				MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
	if (!s->d) {
		pa_ratelimit_free(s->login_rl);
		pa_ratelimit_free(s->public_rl);
		free(s);
		return pa_errf(PA_UNAVAILABLE, "listen", "cannot listen on %s (in use?)",
			       o->listen);
	}
	*out = s;
	return PA_OK;
}

void pa_server_stop(struct pa_server *s)
{
	if (!s)
		return;
	/* Stop accepting first, then let the requests in flight finish and answer (at most
	 * 30 s), and only then close the connections: an answered write is never dropped.
	 * Quiescing only stops MHD polling the socket; shutting it down makes the kernel
	 * refuse new connections at once instead of queueing them unanswered. MHD wants the
	 * socket itself closed only after it has stopped. */
	atomic_store(&stopping, true);
	MHD_socket fd = MHD_quiesce_daemon(s->d);
	if (fd != MHD_INVALID_SOCKET)
		shutdown(fd, SHUT_RDWR);
	for (int i = 0; i < 3000 && atomic_load(&inflight) > 0; i++) {
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(s->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	pa_ratelimit_free(s->login_rl);
	pa_ratelimit_free(s->public_rl);
	free(s);
}
