/* log.h: structured logs, one JSON object per line on stderr.
 * Never pass personal data (names, ID numbers, phones, free text) to these. */
#ifndef PA_LOG_H
#define PA_LOG_H

#include <stddef.h>

enum pa_log_level { PA_LOG_DEBUG, PA_LOG_INFO, PA_LOG_WARN, PA_LOG_ERROR };

void pa_log_set_level(enum pa_log_level lvl);
/* event: a short snake_case name; fmt: extra JSON members, e.g. "\"status\":%d". */
void pa_log(enum pa_log_level lvl, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* s as the inside of a JSON string (quotes, backslashes and control characters escaped,
 * an invalid UTF-8 byte as \ufffd), at most max input bytes, into out[cap]: for any text
 * from outside (a path, a method) that goes into a log line. */
const char *pa_log_escape(char *out, size_t cap, const char *s, size_t max);

/* Our bug (an invariant broke) vs. bad client input: logged apart, as Taler does. */
#define PA_BUG(what) \
	pa_log(PA_LOG_ERROR, "bug", "\"what\":\"%s\",\"at\":\"%s:%d\"", what, __FILE__, __LINE__)
#define PA_BAD_INPUT(what) pa_log(PA_LOG_INFO, "bad_input", "\"what\":\"%s\"", what)

#endif
