/* log.c: JSON-lines logger; one write(2) per line so lines from threads never interleave. */
#include "core/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/text.h"

static enum pa_log_level min_level = PA_LOG_INFO;
static const char *names[] = {"debug", "info", "warn", "error"};

const char *pa_log_escape(char *out, size_t cap, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; p[i] && i < max && o + 7 < cap; i++) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(out + o, "\\u00", 4);
			out[o + 4] = hex[c >> 4];
			out[o + 5] = hex[c & 15];
			o += 6;
		} else if (c < 0x80) {
			out[o++] = (char)c;
		} else {
			/* copy a whole well-formed character (a log reader's JSON parser takes
			 * nothing else: no overlong form, no surrogate), or mark the byte */
			size_t n = (size_t)pa_utf8_seq((const char *)p + i);
			if (n && i + n <= max && o + n < cap) {
				memcpy(out + o, p + i, n);
				o += n;
				i += n - 1;
			} else {
				memcpy(out + o, "\\ufffd", 6);
				o += 6;
			}
		}
	}
	out[o] = 0;
	return out;
}

void pa_log_set_level(enum pa_log_level lvl)
{
	min_level = lvl;
}

/* "2026-11-29T08:00:00" of the current second, formatted once per second per thread:
 * every request writes a line, and strftime-style formatting showed up in profiles. */
static const char *second_stamp(time_t sec)
{
	static _Thread_local time_t cached = -1;
	static _Thread_local char buf[24];
	if (sec != cached) {
		struct tm tm;
		gmtime_r(&sec, &tm);
		strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
		cached = sec;
	}
	return buf;
}

void pa_log(enum pa_log_level lvl, const char *event, const char *fmt, ...)
{
	if (lvl < min_level)
		return;
	char line[2048];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int ms = (int)(ts.tv_nsec / 1000000);
	size_t n = 0;
	const char *parts[] = {"{\"ts\":\"", second_stamp(ts.tv_sec), NULL};
	for (int i = 0; parts[i]; i++) {
		size_t l = strlen(parts[i]);
		memcpy(line + n, parts[i], l);
		n += l;
	}
	line[n++] = '.';
	line[n++] = (char)('0' + ms / 100);
	line[n++] = (char)('0' + ms / 10 % 10);
	line[n++] = (char)('0' + ms % 10);
	int m = snprintf(line + n, sizeof line - n, "Z\",\"level\":\"%s\",\"event\":\"%s\"",
			 names[lvl], event);
	n += m > 0 ? (size_t)m : 0;
	if (fmt && *fmt && n < sizeof line - 2) {
		line[n++] = ',';
		va_list ap;
		va_start(ap, fmt);
		m = vsnprintf(line + n, sizeof line - n, fmt, ap);
		va_end(ap);
		n += m > 0 ? (size_t)m : 0;
	}
	if (n > sizeof line - 3)
		n = sizeof line - 3;
	line[n++] = '}';
	line[n++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, n);
	(void)w;
}
