/* err.c: names, HTTP statuses and per-thread detail for enum pa_err. */
#include "core/err.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int status;
	const char *hint;
} table[] = {
#define PA_X(name, status, msg) {#name, status, msg},
	PA_ERR_MAP(PA_X)
#undef PA_X
};

static _Thread_local struct pa_errinfo last;

const char *pa_err_name(enum pa_err e)
{
	return (unsigned)e < PA_ERR__COUNT ? table[e].name : "INTERNAL";
}

int pa_err_status(enum pa_err e)
{
	return (unsigned)e < PA_ERR__COUNT ? table[e].status : 500;
}

const char *pa_err_hint(enum pa_err e)
{
	return (unsigned)e < PA_ERR__COUNT ? table[e].hint : "internal error";
}

/* Messages carry user input (codes, values): keep them valid UTF-8 — an invalid byte or a
 * character cut by the buffer's end becomes '?' — so every error body can be built. */
static void sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		int n = *p < 0x80             ? 0
			: (*p & 0xE0) == 0xC0 ? 1
			: (*p & 0xF0) == 0xE0 ? 2
			: (*p & 0xF8) == 0xF0 ? 3
					      : -1;
		bool ok = n >= 0 && !(n == 1 && *p < 0xC2) && *p <= 0xF4;
		for (int i = 1; ok && i <= n; i++)
			ok = (p[i] & 0xC0) == 0x80;
		if (!ok) {
			*p++ = '?';
			continue;
		}
		p += n + 1;
	}
}

/* Set once at start-up (pa_err_set_messages), read by every thread after. */
static const struct pa_msg *msgs, *words;
static int nmsgs, nwords;

void pa_err_set_messages(const struct pa_msg *m, int n, const struct pa_msg *w, int nw)
{
	msgs = m;
	nmsgs = m ? n : 0;
	words = w;
	nwords = w ? nw : 0;
}

static int msg_cmp(const void *key, const void *m)
{
	return strcmp(key, ((const struct pa_msg *)m)->en);
}

const char *pa_msg_zh(const char *en)
{
	const struct pa_msg *m =
		en && nmsgs ? bsearch(en, msgs, (size_t)nmsgs, sizeof *msgs, msg_cmp) : NULL;
	return m ? m->zh : NULL;
}

const char *pa_word_zh(const char *en)
{
	const struct pa_msg *m =
		en && nwords ? bsearch(en, words, (size_t)nwords, sizeof *words, msg_cmp) : NULL;
	return m ? m->zh : NULL;
}

int pa_fmt_spec(const char *p)
{
	const char *q = p + 1;
	if (*q == '%')
		return 2;
	while (*q && strchr("-+ #0", *q))
		q++;
	if (*q == '*')
		q++;
	else
		while (*q >= '0' && *q <= '9')
			q++;
	if (*q == '.') {
		q++;
		if (*q == '*')
			q++;
		else
			while (*q >= '0' && *q <= '9')
				q++;
	}
	if (q[0] == 'h' && q[1] == 'h')
		q += 2;
	else if (q[0] == 'l' && q[1] == 'l')
		q += 2;
	else if (*q == 'h' || *q == 'l' || *q == 'z')
		q++;
	if (!*q || !strchr("diuxXocsfgep", *q))
		return 0;
	return (int)(q - p) + 1;
}

/* Format the Chinese format zh with the arguments of its English twin, one conversion at a
 * time (the two take the same conversions in the same order: pa_msgs_load checked), a %s
 * argument that is a word of the table in its Chinese. */
static void format_zh(char *out, size_t cap, const char *zh, va_list ap)
{
	size_t n = 0;
	const char *p = zh;
	while (*p && n + 1 < cap) {
		int len = *p == '%' ? pa_fmt_spec(p) : 0;
		if (!len) {
			out[n++] = *p++;
			continue;
		}
		char spec[32];
		snprintf(spec, sizeof spec, "%.*s", len < 31 ? len : 31, p);
		p += len;
		char conv = spec[strlen(spec) - 1];
		bool star_w = false, star_p = false;
		int w = 0, pr = 0;
		for (const char *s = spec + 1; *s; s++) /* '*' width first, then precision */
			if (*s == '*') {
				if (s[-1] == '.') {
					star_p = true;
					pr = va_arg(ap, int);
				} else {
					star_w = true;
					w = va_arg(ap, int);
				}
			}
		const char *lm = spec + strcspn(spec, "hlz");
		bool ll = lm[0] == 'l' && lm[1] == 'l', l = lm[0] == 'l' && !ll, z = lm[0] == 'z';
		char piece[768];
		int k;
#define PIECE(v)                                                          \
	(star_w && star_p ? snprintf(piece, sizeof piece, spec, w, pr, v) \
	 : star_w         ? snprintf(piece, sizeof piece, spec, w, v)     \
	 : star_p         ? snprintf(piece, sizeof piece, spec, pr, v)    \
			  : snprintf(piece, sizeof piece, spec, v))
		switch (conv) {
		case '%':
			k = snprintf(piece, sizeof piece, "%%");
			break;
		case 's': {
			const char *v = va_arg(ap, const char *);
			const char *t = pa_word_zh(v);
			k = PIECE(t ? t : v);
			break;
		}
		case 'p':
			k = PIECE(va_arg(ap, void *));
			break;
		case 'f':
		case 'g':
		case 'e':
			k = PIECE(va_arg(ap, double));
			break;
		case 'd':
		case 'i':
		case 'c':
			k = ll  ? PIECE(va_arg(ap, long long))
			    : l ? PIECE(va_arg(ap, long))
			    : z ? PIECE(va_arg(ap, ssize_t))
				: PIECE(va_arg(ap, int));
			break;
		default: /* u x X o */
			k = ll  ? PIECE(va_arg(ap, unsigned long long))
			    : l ? PIECE(va_arg(ap, unsigned long))
			    : z ? PIECE(va_arg(ap, size_t))
				: PIECE(va_arg(ap, unsigned));
			break;
		}
#undef PIECE
		for (int i = 0; i < k && piece[i] && n + 1 < cap; i++)
			out[n++] = piece[i];
	}
	out[n] = 0;
}

bool pa_msg_vformat_zh(char *out, size_t cap, const char *fmt, va_list ap)
{
	const char *zh = pa_msg_zh(fmt);
	if (zh)
		format_zh(out, cap, zh, ap);
	return zh != NULL;
}

enum pa_err pa_verrf(enum pa_err e, const char *field, const char *fmt, va_list ap)
{
	last.code = e;
	const char *zh = fmt ? pa_msg_zh(fmt) : pa_msg_zh(pa_err_hint(e));
	if (fmt) {
		va_list ap2;
		va_copy(ap2, ap);
		vsnprintf(last.message, sizeof last.message, fmt, ap);
		if (zh)
			format_zh(last.message_zh, sizeof last.message_zh, zh, ap2);
		va_end(ap2);
	} else {
		snprintf(last.message, sizeof last.message, "%s", pa_err_hint(e));
		if (zh)
			snprintf(last.message_zh, sizeof last.message_zh, "%s", zh);
	}
	if (!zh)
		last.message_zh[0] = 0;
	snprintf(last.field, sizeof last.field, "%s", field ? field : "");
	last.retry_after = 0;
	sanitize(last.message);
	sanitize(last.message_zh);
	sanitize(last.field);
	return e;
}

enum pa_err pa_err_set_text(enum pa_err e, const char *field, const char *en, const char *zh)
{
	last.code = e;
	snprintf(last.message, sizeof last.message, "%s", en ? en : pa_err_hint(e));
	snprintf(last.message_zh, sizeof last.message_zh, "%s", zh ? zh : "");
	snprintf(last.field, sizeof last.field, "%s", field ? field : "");
	last.retry_after = 0;
	sanitize(last.message);
	sanitize(last.message_zh);
	sanitize(last.field);
	return e;
}

enum pa_err pa_err_wrap(enum pa_err e, const char *field, const char *fmt)
{
	const struct pa_errinfo *in = pa_err_last();
	char en[512], zh[768], f[64];
	snprintf(f, sizeof f, "%s", field ? field : "");
	/* the format is a literal with one %s: pa_msgs_load checked its Chinese has the same */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(en, sizeof en, fmt, in->message);
	const char *zfmt = pa_msg_zh(fmt);
	if (zfmt)
		snprintf(zh, sizeof zh, zfmt, in->message_zh[0] ? in->message_zh : in->message);
#pragma GCC diagnostic pop
	return pa_err_set_text(e, f, en, zfmt ? zh : NULL);
}

const char *pa_err_hint_in(enum pa_err e, enum pa_lang lang)
{
	const char *zh = lang == PA_LANG_ZH ? pa_msg_zh(pa_err_hint(e)) : NULL;
	return zh ? zh : pa_err_hint(e);
}

const char *pa_err_text(const struct pa_errinfo *info, enum pa_lang lang)
{
	if (!info->message[0])
		return pa_err_hint_in(info->code, lang);
	return lang == PA_LANG_ZH && info->message_zh[0] ? info->message_zh : info->message;
}

/* One language range of an Accept-Language header: "zh-CN;q=0.8". */
static enum pa_lang lang_range(const char *s, size_t n, double *q, int *which)
{
	*which = 0;
	*q = 1;
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	size_t tag = 0;
	while (tag < n && s[tag] != ';' && s[tag] != ' ')
		tag++;
	if (tag >= 2 && (s[0] | 32) == 'z' && (s[1] | 32) == 'h' && (tag == 2 || s[2] == '-'))
		*which = 1;
	else if (tag >= 2 && (s[0] | 32) == 'e' && (s[1] | 32) == 'n' && (tag == 2 || s[2] == '-'))
		*which = 2;
	const char *qp = NULL;
	for (size_t i = tag; i + 1 < n; i++)
		if ((s[i] == 'q' || s[i] == 'Q') && s[i + 1] == '=') {
			qp = s + i + 2;
			break;
		}
	if (qp)
		*q = strtod(qp, NULL);
	return *which == 2 ? PA_LANG_EN : PA_LANG_ZH;
}

enum pa_lang pa_lang_of(const char *h)
{
	double zh = -1, en = -1;
	int zh_at = 0, en_at = 0, at = 0;
	while (h && *h) {
		size_t n = strcspn(h, ",");
		double q;
		int which;
		lang_range(h, n, &q, &which);
		at++;
		if (which == 1 && q > 0 && q > zh)
			zh = q, zh_at = at;
		if (which == 2 && q > 0 && q > en)
			en = q, en_at = at;
		h += n + (h[n] == ',');
	}
	if (en < 0)
		return PA_LANG_ZH;
	if (zh < 0 || en > zh || (en == zh && en_at < zh_at))
		return PA_LANG_EN;
	return PA_LANG_ZH;
}

enum pa_err pa_errf(enum pa_err e, const char *field, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pa_verrf(e, field, fmt, ap);
	va_end(ap);
	return e;
}

void pa_err_retry_after(int seconds)
{
	last.retry_after = seconds > 0 ? seconds : 1;
}

const struct pa_errinfo *pa_err_last(void)
{
	if (!last.message[0]) {
		snprintf(last.message, sizeof last.message, "%s", pa_err_hint(last.code));
		const char *zh = pa_msg_zh(last.message);
		snprintf(last.message_zh, sizeof last.message_zh, "%s", zh ? zh : "");
	}
	return &last;
}

void pa_err_clear(void)
{
	memset(&last, 0, sizeof last);
}

void pa_err_set_info(const struct pa_errinfo *info)
{
	last = *info;
}
