/* err.h: the one error vocabulary of pingan, shared by core, store and HTTP.
 * One X-macro table gives the enum, each name, HTTP status and default message. */
#ifndef PA_ERR_H
#define PA_ERR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

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
 * where one input field is at fault, its name. pa_errf sets both and returns e.
 * The message is kept in English and, when data/messages.conf translates its format (see
 * pa_err_set_messages), in simplified Chinese too, formatted from the same arguments; the
 * HTTP layer answers in the language the request asks for (pa_err_text). */
struct pa_errinfo {
	enum pa_err code;
	char message[512];    /* English */
	char message_zh[768]; /* simplified Chinese; "" = no translation (then message) */
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
/* Set the detail from texts already made (a message built of another's, a data file's
 * problem); zh NULL or "" = no translation. Returns e. */
enum pa_err pa_err_set_text(enum pa_err e, const char *field, const char *en, const char *zh);

/* The detail set just now, put inside fmt (one %s, a literal: its Chinese from the
 * table holds the Chinese detail), as code e with field (NULL = none). Returns e. */
enum pa_err pa_err_wrap(enum pa_err e, const char *field, const char *fmt);

/* The languages a person reads pingan in: simplified Chinese first. */
enum pa_lang { PA_LANG_ZH, PA_LANG_EN };
/* The language an Accept-Language header prefers: English only when it ranks an en tag
 * above every zh tag; Chinese when absent, unparsable, or naming neither. */
enum pa_lang pa_lang_of(const char *accept_language);
/* The detail's message in lang (Chinese falls back to English where none is kept). */
const char *pa_err_text(const struct pa_errinfo *info, enum pa_lang lang);
/* A default hint in lang. */
const char *pa_err_hint_in(enum pa_err e, enum pa_lang lang);

/* The translations pa_errf uses: English format -> Chinese format (same conversions, in
 * the same order, as pa_msgs_load checks), and words -> Chinese words, which replace a %s
 * argument equal to them in the Chinese text (fragments such as PA_W("the body")).
 * Installed once at start-up before any thread runs (pa_msgs_load, core/msgs.h); the
 * tables are then read without locks and must outlive every thread. NULL, 0 = none. */
struct pa_msg {
	const char *en, *zh;
};
void pa_err_set_messages(const struct pa_msg *msgs, int n, const struct pa_msg *words, int nw);
/* The Chinese of an English format or word, or NULL (tables sorted by en, strcmp). */
const char *pa_msg_zh(const char *en);
const char *pa_word_zh(const char *en);
/* The Chinese of the English format fmt formatted with its arguments into out, true; or
 * false (out untouched) when the table has none. */
bool pa_msg_vformat_zh(char *out, size_t cap, const char *fmt, va_list ap);
/* Marks a fragment passed to a %s of a pa_errf message: identity, but
 * scripts/messages-check.py requires its Chinese under [words] of data/messages.conf. */
#define PA_W(s) (s)
/* The length of the printf conversion starting at p[0] == '%' ("%%" included), or 0 when
 * it is not one messages may use: flags, width, precision (digits or *), length hh h l
 * ll z, and one of d i u x X o c s f g e p. */
int pa_fmt_spec(const char *p);

#endif
