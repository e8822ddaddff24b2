/* text.c: UTF-8 counting and the search fold. The traditional→simplified map is taken
 * once at start-up from OpenCC (t2s), one character at a time, into a flat table, so
 * folding simplified text is a lock-free table lookup. OpenCC's phrase conversion
 * (瞭解 → 了解, 答覆 → 答复) costs ~70 µs per call and is not promised thread-safe, so it
 * runs, under a lock, only on text that holds traditional characters, and on queries. */
#include "core/text.h"

#include <opencc/opencc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The CJK ranges where traditional characters live (BMP). */
#define R0_LO 0x3400
#define R0_HI 0x9FFF
#define R1_LO 0xF900
#define R1_HI 0xFAFF
#define R0_N  (R0_HI - R0_LO + 1)
#define R1_N  (R1_HI - R1_LO + 1)

static uint16_t *fold_map; /* R0 then R1: the simplified code point, 0 = unchanged */
static opencc_t phrases = (opencc_t)-1;
static pthread_mutex_t phrases_mu = PTHREAD_MUTEX_INITIALIZER;

size_t pa_utf8_len(const char *s)
{
	/* Code points of valid UTF-8; an invalid byte counts as one. */
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

int pa_utf8_seq(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	if (*p < 0x80)
		return 1;
	int n = (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
	if (n < 0 || (*p == 0xC0 || *p == 0xC1) || *p > 0xF4)
		return 0;
	uint32_t c = *p & (0x3F >> n);
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xC0) != 0x80) /* a NUL ends it here too */
			return 0;
		c = c << 6 | (p[i] & 0x3F);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 2 && c < 0x800) || (n == 3 && c < 0x10000) || c > 0x10FFFF ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	return n + 1;
}

bool pa_utf8_valid(const char *s)
{
	for (int n; *s; s += n)
		if (!(n = pa_utf8_seq(s)))
			return false;
	return true;
}

size_t pa_utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return n;
	/* step back over continuation bytes so a character is never split */
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

static int put_utf8(char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xC0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xE0 | c >> 12);
		o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | c >> 18);
	o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	o[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* Decode one code point; *len gets its byte length. A byte that does not begin a
 * well-formed sequence (a stray or truncated one, an overlong form, a surrogate) is one
 * U+FFFD: never a NUL or a "/" in disguise. */
static uint32_t get_utf8(const unsigned char *p, int *len)
{
	*len = pa_utf8_seq((const char *)p);
	switch (*len) {
	case 1:
		return p[0];
	case 2:
		return (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
	case 3:
		return (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
	case 4:
		return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
		       (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
	}
	*len = 1;
	return 0xFFFD;
}

static int slot(uint32_t c)
{
	if (c >= R0_LO && c <= R0_HI)
		return (int)(c - R0_LO);
	if (c >= R1_LO && c <= R1_HI)
		return R0_N + (int)(c - R1_LO);
	return -1;
}

bool pa_text_init(void)
{
	if (fold_map)
		return true;
	opencc_t cc = opencc_open("t2s.json");
	if (cc == (opencc_t)-1)
		return false;
	/* Every character of the ranges on its own line, converted in one call; a line break
	 * between them keeps OpenCC from reading two characters as one phrase. */
	size_t n = R0_N + R1_N;
	char *in = malloc(n * 4 + 1), *o = in;
	for (uint32_t c = R0_LO; c <= R1_HI; c++) {
		if (slot(c) < 0)
			continue;
		o += put_utf8(o, c);
		*o++ = '\n';
	}
	*o = 0;
	char *out = opencc_convert_utf8(cc, in, (size_t)(o - in));
	uint16_t *map = calloc(n, sizeof *map);
	bool ok = out != NULL;
	const unsigned char *p = (const unsigned char *)out;
	for (uint32_t c = R0_LO; ok && c <= R1_HI; c++) {
		int s = slot(c);
		if (s < 0)
			continue;
		int len;
		uint32_t to = get_utf8(p, &len);
		p += len;
		if (*p != '\n') {
			/* a character that became two: keep it as it is */
			while (*p && *p != '\n')
				p++;
			to = c;
		}
		if (*p == '\n')
			p++;
		else
			ok = false;
		if (to != c && to < 0x10000)
			map[s] = (uint16_t)to;
	}
	if (out)
		opencc_convert_utf8_free(out);
	free(in);
	if (!ok) {
		opencc_close(cc);
		free(map);
		return false;
	}
	fold_map = map;
	phrases = cc;
	return true;
}

void pa_text_done(void)
{
	free(fold_map);
	fold_map = NULL;
	if (phrases != (opencc_t)-1)
		opencc_close(phrases);
	phrases = (opencc_t)-1;
}

static bool has_traditional(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; fold_map && *p;) {
		int len;
		int sl = slot(get_utf8(p, &len));
		p += len;
		if (sl >= 0 && fold_map[sl])
			return true;
	}
	return false;
}

static char *char_fold(struct pa_arena *a, const char *s);

/* s with every byte that is not well-formed UTF-8 made U+FFFD (s itself if it is). */
static const char *well_formed(struct pa_arena *a, const char *s)
{
	if (pa_utf8_valid(s))
		return s;
	char *out = pa_alloc(a, 3 * strlen(s) + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		int len;
		o += put_utf8(o, get_utf8(p, &len));
		p += len;
	}
	*o = 0;
	return out;
}

static char *phrase_fold(struct pa_arena *a, const char *s)
{
	char *conv = NULL;
	/* OpenCC reads past the end of a truncated sequence: it only ever sees whole ones */
	s = well_formed(a, s);
	if (phrases != (opencc_t)-1) {
		pthread_mutex_lock(&phrases_mu);
		conv = opencc_convert_utf8(phrases, s, strlen(s));
		pthread_mutex_unlock(&phrases_mu);
	}
	char *out = char_fold(a, conv ? conv : s);
	if (conv)
		opencc_convert_utf8_free(conv);
	return out;
}

char *pa_text_fold(struct pa_arena *a, const char *s)
{
	s = s ? s : "";
	return has_traditional(s) ? phrase_fold(a, s) : char_fold(a, s);
}

char *pa_text_fold_query(struct pa_arena *a, const char *s)
{
	return phrase_fold(a, s ? s : "");
}

static char *char_fold(struct pa_arena *a, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen((const char *)p);
	/* an invalid byte becomes U+FFFD, three bytes: room for the worst case */
	char *out = pa_alloc(a, 3 * n + 4), *o = out;
	bool space = true;
	while (*p) {
		int len;
		uint32_t c = get_utf8(p, &len);
		p += len;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000) {
			if (!space)
				*o++ = ' ';
			space = true;
			continue;
		}
		space = false;
		if (c >= 'A' && c <= 'Z')
			c += 32;
		int sl = fold_map ? slot(c) : -1;
		if (sl >= 0 && fold_map[sl])
			c = fold_map[sl];
		o += put_utf8(o, c);
	}
	if (o > out && o[-1] == ' ')
		o--;
	*o = 0;
	return out;
}
