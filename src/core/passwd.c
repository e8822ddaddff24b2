/* passwd.c: the password policy and the common-password list (see passwd.h). */
#include "core/passwd.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"

struct pa_pwlist {
	char **words; /* lower case, sorted */
	int n;
	char *text; /* owns the words */
};

static int cmp_words(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

enum pa_err pa_pwlist_parse(const char *name, const char *text, size_t len, struct pa_pwlist **out)
{
	*out = NULL;
	struct pa_pwlist *l = calloc(1, sizeof *l);
	l->text = malloc(len + 1);
	memcpy(l->text, text, len);
	l->text[len] = 0;
	int cap = 0, line = 0;
	for (char *p = l->text, *next; p && *p; p = next) {
		line++;
		next = strchr(p, '\n');
		if (next)
			*next++ = 0;
		size_t n = strlen(p);
		while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
			p[--n] = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			continue;
		if (strlen(p) > PA_PASSWORD_MAX * 4) {
			pa_pwlist_free(l);
			return pa_errf(PA_DATA_FILE, NULL,
				       "%s:%d: password: longer than any allowed", name, line);
		}
		for (char *q = p; *q; q++)
			*q = lower(*q);
		if (l->n == cap) {
			cap = cap ? cap * 2 : 1024;
			l->words = realloc(l->words, sizeof *l->words * (size_t)cap);
		}
		l->words[l->n++] = p;
	}
	qsort(l->words, (size_t)l->n, sizeof *l->words, cmp_words);
	*out = l;
	return PA_OK;
}

enum pa_err pa_pwlist_load(const char *path, struct pa_pwlist **out)
{
	char *text;
	size_t len;
	enum pa_err rc = pa_data_file_read(path, 16u << 20, &text, &len);
	if (rc)
		return rc;
	rc = pa_pwlist_parse(path, text, len, out);
	free(text);
	return rc;
}

void pa_pwlist_free(struct pa_pwlist *l)
{
	if (!l)
		return;
	free(l->words);
	free(l->text);
	free(l);
}

int pa_pwlist_count(const struct pa_pwlist *l)
{
	return l ? l->n : 0;
}

static bool listed(const struct pa_pwlist *l, const char *w)
{
	return l && *w && bsearch(&w, l->words, (size_t)l->n, sizeof *l->words, cmp_words);
}

/* Look-alike characters read back as the letters they stand for; one stands for i or l. */
static void unleet(const char *in, char *out, char one)
{
	static const char from[] = "@4031!|$57+", to[] = "aaoeiiisstt";
	for (; *in; in++, out++) {
		const char *f = strchr(from, *in);
		*out = *in == '1' ? one : f && *in ? to[f - from] : *in;
	}
	*out = 0;
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Whether w — whole, or from its first letter to its last — is on the list, as written
 * or with look-alikes read back. w is lower case. */
static bool common(const struct pa_pwlist *l, const char *w)
{
	size_t n = strlen(w);
	char core[PA_PASSWORD_MAX * 4 + 1], alt[sizeof core];
	const char *cand[2] = {w, core};
	size_t a = 0, b = n;
	while (a < n && !is_alpha(w[a]))
		a++;
	while (b > a && !is_alpha(w[b - 1]))
		b--;
	memcpy(core, w + a, b - a);
	core[b - a] = 0;
	for (int i = 0; i < 2; i++) {
		if (listed(l, cand[i]))
			return true;
		unleet(cand[i], alt, 'i');
		if (listed(l, alt))
			return true;
		unleet(cand[i], alt, 'l');
		if (listed(l, alt))
			return true;
	}
	/* look-alikes at the ends are letters too: p@ssw0rd1 strips to p@ssw0rd */
	unleet(w, alt, 'i');
	for (a = 0; alt[a] && !is_alpha(alt[a]); a++)
		;
	for (b = strlen(alt); b > a && !is_alpha(alt[b - 1]); b--)
		;
	alt[b] = 0;
	return listed(l, alt + a);
}

/* Keys side by side on a keyboard, along rows and columns. */
static const char *const walks[] = {
	"1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./", "!@#$%^&*()_+",
	"1qaz",         "2wsx",         "3edc",        "4rfv",       "5tgb",
	"6yhn",         "7ujm",         "8ik,",        "9ol.",       "0p;/",
};

static bool adjacent_keys(char a, char b)
{
	for (size_t i = 0; i < sizeof walks / sizeof walks[0]; i++) {
		const char *pa = strchr(walks[i], a), *pb = strchr(walks[i], b);
		if (pa && pb && a && b && (pa - pb == 1 || pb - pa == 1))
			return true;
	}
	return false;
}

static bool is_digit(unsigned c)
{
	return c >= '0' && c <= '9';
}

/* A step from one character to the next a guesser would try first. */
static bool predictable(unsigned prev, unsigned c)
{
	if (prev == c)
		return true;
	if (prev >= 128 || c >= 128)
		return false;
	char p = lower((char)prev), q = lower((char)c);
	if (p == q)
		return true;
	bool same_kind = (is_digit((unsigned char)p) && is_digit((unsigned char)q)) ||
			 (is_alpha(p) && is_alpha(q));
	if (same_kind && (p - q == 1 || q - p == 1))
		return true;
	return adjacent_keys(p, q);
}

/* The code points of UTF-8 text (invalid bytes count as one each); at most max. */
static int code_points(const char *s, unsigned *out, int max)
{
	int n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && n < max; n++) {
		unsigned c = *p++;
		int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
		if (more)
			c &= 0x3fu >> more;
		for (; more && (*p & 0xc0) == 0x80; more--)
			c = c << 6 | (*p++ & 0x3fu);
		out[n] = c;
	}
	return n;
}

enum pa_err pa_password_check(const char *pw, const char *username, const struct pa_pwlist *l,
			      const char *field)
{
	size_t bytes = strlen(pw);
	unsigned cp[PA_PASSWORD_MAX + 1];
	int n = code_points(pw, cp, PA_PASSWORD_MAX + 1);
	if (n < PA_PASSWORD_MIN)
		return pa_errf(PA_BAD_FIELD, field, "a password needs at least %d characters",
			       PA_PASSWORD_MIN);
	if (n > PA_PASSWORD_MAX || bytes > PA_PASSWORD_MAX * 4)
		return pa_errf(PA_BAD_FIELD, field, "a password may have at most %d characters",
			       PA_PASSWORD_MAX);
	bool digits = true;
	char low[PA_PASSWORD_MAX * 4 + 1];
	for (size_t i = 0; i <= bytes; i++) {
		low[i] = lower(pw[i]);
		if (i < bytes && !is_digit((unsigned char)pw[i]))
			digits = false;
	}
	if (digits)
		return pa_errf(PA_BAD_FIELD, field,
			       "a password of digits alone is guessed first (dates, phone and ID "
			       "numbers); add letters or other characters");
	if (common(l, low))
		return pa_errf(PA_BAD_FIELD, field,
			       "this password is one of the most common ones, or one dressed up "
			       "with digits, symbols or look-alike characters; choose another");
	if (username && strlen(username) >= 3) {
		char u[128];
		snprintf(u, sizeof u, "%s", username);
		for (char *p = u; *p; p++)
			*p = lower(*p);
		if (strstr(low, u))
			return pa_errf(PA_BAD_FIELD, field,
				       "a password may not contain the username");
	}
	for (int period = 1; period <= n / 2; period++) {
		int i = period;
		while (i < n && cp[i] == cp[i - period])
			i++;
		if (i == n)
			return pa_errf(PA_BAD_FIELD, field,
				       "a password may not be one piece repeated");
	}
	int steps = 0;
	for (int i = 1; i < n; i++)
		steps += predictable(cp[i - 1], cp[i]);
	if (steps * 2 > n - 1)
		return pa_errf(PA_BAD_FIELD, field,
			       "a password may not be mostly repeated, consecutive or "
			       "keyboard-adjacent characters (aaa, abc, 321, qwer)");
	return PA_OK;
}
