/* err.h: the one error vocabulary of pingan, shared by core, store and HTTP.
 * One X-macro table gives the enum, each name, HTTP status and default message. */
#ifndef PA_ERR_H
#define PA_ERR_H

#include <stdarg.h>

/* X(NAME, http_status, "default message") */
#define PA_ERR_MAP(X)                                                                        \
	X(OK, 200, "ok")                                                                     \
	X(BAD_JSON, 400, "the request body is not valid JSON")                               \
	X(BAD_REQUEST, 400, "the request is malformed")                                      \
	X(MISSING_FIELD, 400, "a required field is missing")                                 \
	X(UNKNOWN_FIELD, 400, "the request has a field this endpoint does not take")         \
	X(BAD_FIELD, 400, "a field has the wrong type or an invalid value")                  \
	X(BAD_QUERY, 400, "a query parameter is invalid")                                    \
	X(UNAUTHENTICATED, 401, "log in first")                                              \
	X(BAD_CREDENTIALS, 401, "wrong username or password")                                \
	X(OTP_REQUIRED, 401, "this account also needs its one-time code")                    \
	X(BAD_OTP, 401, "the one-time code or recovery code is not right")                   \
	X(FORBIDDEN, 403, "your role or scope does not allow this")                          \
	X(SETUP_REQUIRED, 403, "change your password or enrol a second factor first")        \
	X(NOT_FOUND, 404, "no such resource")                                                \
	X(METHOD_NOT_ALLOWED, 405, "method not allowed on this resource")                    \
	X(CONFLICT, 409, "the request conflicts with the current state")                     \
	X(ACTION_NOT_ALLOWED, 409, "this action is not allowed in the case's current state") \
	X(TOO_LARGE, 413, "the request body is too large")                                   \
	X(UNSUPPORTED_MEDIA, 415, "send the body as application/json")                       \
	X(ACCOUNT_LOCKED, 423, "too many failed log-ins: the account is locked for a while") \
	X(RATE_LIMITED, 429, "too many requests from your address; wait a moment")           \
	X(STORE_BUSY, 503, "the store is busy; try again")                                   \
	X(STORE_IO, 503, "the store cannot write right now; nothing was saved")              \
	X(UNAVAILABLE, 503, "the service is shutting down or unavailable")                   \
	X(INTERNAL, 500, "internal error")                                                   \
	X(DATA_FILE, 500, "a data file is invalid")

enum pa_err {
#define PA_X(name, status, msg) PA_##name,
	PA_ERR_MAP(PA_X)
#undef PA_X
		PA_ERR__COUNT
};

const char *pa_err_name(enum pa_err e);
int pa_err_status(enum pa_err e);
const char *pa_err_hint(enum pa_err e);

/* Detail kept beside the code, per thread (like sqlite3_errmsg): the message and,
 * where one input field is at fault, its name. pa_errf sets both and returns e. */
struct pa_errinfo {
	enum pa_err code;
	char message[512];
	char field[64];
	int retry_after; /* seconds to wait before trying again (Retry-After), 0 = not said */
};

enum pa_err pa_errf(enum pa_err e, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum pa_err pa_verrf(enum pa_err e, const char *field, const char *fmt, va_list ap);
/* Say how long to wait before trying again, for the error just set (a lock, a limit). */
void pa_err_retry_after(int seconds);
/* The current thread's detail; message is the default hint when none was set. */
const struct pa_errinfo *pa_err_last(void);
void pa_err_clear(void);
/* Copy detail across threads (the writer hands a job's error back to its caller). */
void pa_err_set_info(const struct pa_errinfo *info);

#endif
