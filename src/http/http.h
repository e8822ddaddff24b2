/* http.h: the HTTP face — request and reply of one call, the handler contract and the
 * route table. A handler returns PA_OK after filling the reply, or an error code (detail
 * via pa_errf); it never writes an error body itself: server.c renders every error. */
#ifndef PA_HTTP_H
#define PA_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/err.h"
#include "service/app.h"

struct MHD_Connection;

#define PA_MAX_PARAMS 4

struct pa_req {
	struct pa_app *app;
	struct MHD_Connection *conn;
	const char *method, *path;
	const char *params[PA_MAX_PARAMS]; /* {name} segments of the route, in order */
	json_t *body;                      /* parsed JSON body (routes with PA_R_BODY) */
	const char *raw;                   /* the body as sent (routes with PA_R_UPLOAD) */
	size_t raw_len;
	struct pa_actor actor;  /* the caller (routes with PA_R_AUTH) */
	const char *token;      /* the session token the caller presented */
	struct pa_arena *arena; /* freed when the request completes */
	char id[24];            /* request id, also sent as X-Request-Id */
	char from[48];          /* the client's address (IPv4 or IPv6), for audit records */
	bool https; /* it came over TLS: a trusted proxy said so (X-Forwarded-Proto: https) */
	/* A request made in-process (conn NULL: the fuzz targets): its query arguments and
	 * headers as name, value pairs ending in NULL, read by pa_req_query and _header. */
	const char *const *args, *const *headers;
};

struct pa_reply {
	int status;         /* 200 unless set */
	json_t *body;       /* owned by the reply; rendered as JSON … */
	struct pa_jw out;   /* … or the JSON streamed here, when body is NULL */
	const char *cookie; /* Set-Cookie value, arena-owned */
	/* a file answered as it is (instead of JSON): path, type, download name; arena-owned */
	const char *file, *file_type, *file_name;
	/* … or made in memory (malloc'd; the reply frees it), with file_type and file_name */
	char *file_data;
	size_t file_len;
	/* set for a file of the web face (static.c): shown, not downloaded, with the pages'
	 * headers and this Cache-Control */
	const char *page_cache;
};

typedef enum pa_err (*pa_handler)(struct pa_req *rq, struct pa_reply *rp);

#define PA_R_AUTH   1u /* a valid session is required */
#define PA_R_BODY   2u /* a JSON object body is required */
#define PA_R_UPLOAD 4u /* a raw body up to the upload limit (files) */
/* open to a session that must first change its password or enrol a second factor
 * (PA_NEEDS_*): the session's own routes */
#define PA_R_SETUP        8u
#define PA_R_LIMIT_LOGIN  16u /* counted against the log-in rate of the client's address */
#define PA_R_LIMIT_PUBLIC 32u /* counted against the public rate (no log-in: the portal) */

struct pa_route {
	const char *method;
	const char *pattern; /* "/api/v1/cases/{id}" */
	pa_handler handler;
	unsigned flags;
	const char *const *query; /* allowed query parameters, NULL-terminated; NULL = none */
};

extern const struct pa_route pa_routes[];
extern const int pa_nroutes;

/* router.c: percent-decode s in place, leaving %00 as it is (a decoded NUL would cut a path
 * or a query value short: "/cases/12%00junk" read as case 12) and setting *had_nul then;
 * returns the new length. */
size_t pa_url_unescape(char *s, bool *had_nul);
/* The index of the route for method (HEAD as GET) and the decoded path, with params filled
 * from its {name} segments (strings in a); -1 if none, allow then naming the methods the
 * path has ("GET, HEAD, POST"; "" for no such path). */
int pa_route_find(const char *method, const char *path, struct pa_arena *a,
		  const char *params[PA_MAX_PARAMS], char allow[64]);
/* A query argument (value NULL: given without "=") against the parameters route r takes:
 * BAD_QUERY naming it when unknown, without a value or not valid UTF-8. */
enum pa_err pa_query_arg_check(const struct pa_route *r, const char *key, const char *value);

/* Query parameter (NULL if absent). */
const char *pa_req_query(struct pa_req *rq, const char *name);
/* Request header (NULL if absent). */
const char *pa_req_header(struct pa_req *rq, const char *name);
/* Parse a path parameter as a positive id; NOT_FOUND if it is not one. */
enum pa_err pa_req_id(struct pa_req *rq, int i, int64_t *out);

/* server.c */
struct pa_server_opts {
	const char *listen; /* "127.0.0.1:8080" or "[::1]:8080" */
	size_t max_body;    /* bytes */
	size_t max_upload;  /* bytes, for PA_R_UPLOAD routes */
	unsigned max_connections;
	unsigned timeout_s;       /* a connection idle this long is closed */
	unsigned request_timeout; /* a request's body must have arrived within this (seconds) */
	int login_rate;           /* log-ins per minute per client address (0 = no limit) */
	int public_rate;          /* requests to public routes per minute per address (0 = none) */
	/* addresses whose X-Forwarded-For names the client ("10.0.0.2,::1"), or NULL */
	const char *trusted_proxies;
	const char *web; /* the web face's built files (GET / and the rest), NULL = none */
};
struct pa_server;
enum pa_err pa_server_start(struct pa_app *app, const struct pa_server_opts *o,
			    struct pa_server **out);
/* Stop accepting, finish requests in flight, then return. NULL-safe. */
void pa_server_stop(struct pa_server *s);
/* Requests begun and not yet completed. */
int pa_server_inflight(void);
struct sockaddr_storage;
/* "HOST:PORT" ("[::1]:8080" for IPv6) as a socket address; BAD_REQUEST naming field listen. */
enum pa_err pa_listen_addr(const char *listen, struct sockaddr_storage *ss);

/* static.c: the file of the web face in root that path names — an asset by name, else
 * index.html for the single page's own routes — into rp (file, file_type, page_cache);
 * NOT_FOUND for a name that is not there or is not allowed (a dot segment, "..", a link
 * leading out of root). */
enum pa_err pa_static_find(const char *root, const char *path, struct pa_arena *a,
			   struct pa_reply *rp);

/* Handlers, one file per resource. */
enum pa_err pa_h_health(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_session_create(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_session_get(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_session_delete(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_session_password(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_session_totp(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_session_totp_confirm(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_regions_list(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_region_get(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_grids_locate(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_case_types(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_units_list(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_unit_add(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_unit_change(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_cases_create(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_cases_list(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_queues(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_case_get(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_case_act(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_case_reveal(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_stats(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_ranking(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_attachment_add(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_track(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_portal_submit(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_portal_rate(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_portal_catalog(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_warning_issue(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_warning_get(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_attachment_get(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_routing_get(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_routing_put(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_audit_list(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_routing_versions(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_document_get(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_documents_list(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_users_list(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_user_add(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_user_unlock(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_user_totp_reset(struct pa_req *, struct pa_reply *);
enum pa_err pa_h_security_events(struct pa_req *, struct pa_reply *);

#endif
