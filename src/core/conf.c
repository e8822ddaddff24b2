/* conf.c: parser for the data-file format described in conf.h. */
#include "core/conf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE   (4 << 20)
#define MAX_TOKENS 32

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static char *trim(char *s, char *e)
{
	while (s < e && is_space(*s))
		s++;
	while (e > s && is_space(e[-1]))
		e--;
	*e = 0;
	return s;
}

struct secbuf {
	struct pa_conf_section s;
	int cap;
};

static enum pa_err add_row(struct pa_conf *c, struct secbuf *sb, struct pa_conf_row *r)
{
	if (sb->s.nrows == sb->cap) {
		int cap = sb->cap ? sb->cap * 2 : 16;
		struct pa_conf_row *n = pa_alloc(&c->arena, sizeof *n * (size_t)cap);
		if (sb->s.nrows)
			memcpy(n, sb->s.rows, sizeof *n * (size_t)sb->s.nrows);
		sb->s.rows = n;
		sb->cap = cap;
	}
	sb->s.rows[sb->s.nrows++] = *r;
	return PA_OK;
}

/* Split a column row into tokens; quotes group, "-" stands for empty. */
static enum pa_err tokenize(struct pa_conf *c, const char *name, int lineno, char *p,
			    struct pa_conf_row *r)
{
	const char *tok[MAX_TOKENS];
	int n = 0;
	while (*p) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		if (n == MAX_TOKENS)
			return pa_errf(PA_DATA_FILE, NULL, "%s:%d: more than %d columns", name,
				       lineno, MAX_TOKENS);
		const char *start;
		if (*p == '"') {
			start = ++p;
			while (*p && *p != '"')
				p++;
			if (*p != '"')
				return pa_errf(PA_DATA_FILE, NULL, "%s:%d: unterminated quote",
					       name, lineno);
			*p++ = 0;
			if (*p && !is_space(*p))
				return pa_errf(PA_DATA_FILE, NULL,
					       "%s:%d: text after a closing quote", name, lineno);
		} else {
			start = p;
			while (*p && !is_space(*p))
				p++;
			if (*p)
				*p++ = 0;
			if (strcmp(start, "-") == 0)
				start = "";
		}
		tok[n++] = start;
	}
	r->ntok = n;
	r->tok = pa_alloc(&c->arena, sizeof(char *) * (size_t)(n ? n : 1));
	memcpy(r->tok, tok, sizeof(char *) * (size_t)n);
	return PA_OK;
}

/* A new section at the end of secs (grown in the conf's arena). */
static struct secbuf *new_section(struct pa_conf *c, struct secbuf **secs, int *nsec, int *cap,
				  const char *name, int line)
{
	if (*nsec == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		struct secbuf *n = pa_alloc(&c->arena, sizeof *n * (size_t)*cap);
		if (*nsec)
			memcpy(n, *secs, sizeof *n * (size_t)*nsec);
		*secs = n;
	}
	struct secbuf *sb = &(*secs)[(*nsec)++];
	memset(sb, 0, sizeof *sb);
	sb->s.name = name;
	sb->s.line = line;
	return sb;
}

enum pa_err pa_conf_parse(const char *name, const char *text, size_t len, struct pa_conf *c)
{
	return pa_conf_parse_rows(name, text, len, NULL, c);
}

enum pa_err pa_conf_parse_rows(const char *name, const char *text, size_t len, const char *implicit,
			       struct pa_conf *c)
{
	memset(c, 0, sizeof *c);
	pa_arena_init(&c->arena);
	c->path = pa_strdup(&c->arena, name);
	if (len > MAX_FILE)
		return pa_errf(PA_DATA_FILE, NULL, "%s: larger than %d bytes", name, MAX_FILE);
	if (memchr(text, 0, len))
		return pa_errf(PA_DATA_FILE, NULL, "%s: contains a NUL byte", name);
	char *buf = pa_strndup(&c->arena, text, len);

	struct secbuf *secs = NULL;
	int nsec = 0, capsec = 0;
	enum pa_err rc = PA_OK;
	int lineno = 0;
	char *p = buf;
	/* A UTF-8 byte-order mark is tolerated: spreadsheet tools write one. */
	if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
	    (unsigned char)p[2] == 0xBF)
		p += 3;
	while (*p) {
		lineno++;
		char *eol = strchr(p, '\n');
		char *next = eol ? eol + 1 : p + strlen(p);
		char *line = trim(p, eol ? eol : next);
		p = next;
		if (!*line || *line == '#')
			continue;
		if (*line == '[') {
			char *close = strchr(line, ']');
			if (!close || close[1]) {
				rc = pa_errf(
					PA_DATA_FILE, NULL,
					"%s:%d: a section header must be [name] alone on its line",
					name, lineno);
				goto out;
			}
			char *inner = trim(line + 1, close);
			if (!*inner) {
				rc = pa_errf(PA_DATA_FILE, NULL, "%s:%d: empty section name", name,
					     lineno);
				goto out;
			}
			char *sp = inner;
			while (*sp && !is_space(*sp))
				sp++;
			if (*sp)
				*sp++ = 0;
			struct secbuf *sb = new_section(c, &secs, &nsec, &capsec, inner, lineno);
			if (*sp)
				sb->s.arg = trim(sp, sp + strlen(sp));
			continue;
		}
		if (!nsec && implicit)
			new_section(c, &secs, &nsec, &capsec, pa_strdup(&c->arena, implicit), 0);
		if (!nsec) {
			rc = pa_errf(PA_DATA_FILE, NULL, "%s:%d: a row before any [section]", name,
				     lineno);
			goto out;
		}
		struct pa_conf_row r = {.line = lineno};
		/* key = value when the text before the first '=' is one bare word. */
		char *eq = strchr(line, '=');
		int kv = 0;
		if (eq && eq > line && *line != '"') {
			char *k = line;
			while (k < eq && !is_space(*k))
				k++;
			char *after = k;
			while (after < eq && is_space(*after))
				after++;
			kv = after == eq;
		}
		if (kv) {
			char *v = trim(eq + 1, eq + 1 + strlen(eq + 1));
			r.key = trim(line, eq);
			r.value = v;
		} else {
			rc = tokenize(c, name, lineno, line, &r);
			if (rc)
				goto out;
		}
		add_row(c, &secs[nsec - 1], &r);
	}
	c->nsec = nsec;
	c->sec = pa_alloc(&c->arena, sizeof *c->sec * (size_t)(nsec ? nsec : 1));
	for (int i = 0; i < nsec; i++)
		c->sec[i] = secs[i].s;
out:
	return rc;
}

enum pa_err pa_data_file_read(const char *path, size_t max, char **out, size_t *len)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return pa_errf(PA_DATA_FILE, NULL, "%s: cannot open: %s", path, strerror(errno));
	char *buf = malloc(max + 1);
	size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
	bool bad = ferror(f);
	fclose(f);
	if (!buf)
		return pa_errf(PA_INTERNAL, NULL, "out of memory");
	if (bad || n > max || memchr(buf, 0, n)) {
		free(buf);
		return bad ? pa_errf(PA_DATA_FILE, NULL, "%s: cannot read", path)
		       : n > max
			       ? pa_errf(PA_DATA_FILE, NULL, "%s: larger than %zu bytes", path, max)
			       : pa_errf(PA_DATA_FILE, NULL, "%s: contains a NUL byte", path);
	}
	buf[n] = 0;
	*out = buf;
	if (len)
		*len = n;
	return PA_OK;
}

enum pa_err pa_data_file_err(const char *path, int line, const char *field, const char *fmt, ...)
{
	char msg[384], zh[576] = "", en_all[512], zh_all[768];
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	vsnprintf(msg, sizeof msg, fmt, ap);
	bool has_zh = pa_msg_vformat_zh(zh, sizeof zh, fmt, ap2);
	va_end(ap2);
	va_end(ap);
	snprintf(en_all, sizeof en_all, "%s:%d: %s: %s", path, line, field, msg);
	snprintf(zh_all, sizeof zh_all, "%s:%d: %s: %s", path, line, field, zh);
	return pa_err_set_text(PA_DATA_FILE, field, en_all, has_zh ? zh_all : NULL);
}

enum pa_err pa_conf_load(const char *path, struct pa_conf *c)
{
	memset(c, 0, sizeof *c);
	char *buf;
	size_t n;
	enum pa_err rc = pa_data_file_read(path, MAX_FILE, &buf, &n);
	if (rc)
		return rc;
	rc = pa_conf_parse(path, buf, n, c);
	free(buf);
	return rc;
}

void pa_conf_free(struct pa_conf *c)
{
	if (c)
		pa_arena_free(&c->arena);
}

const struct pa_conf_section *pa_conf_section(const struct pa_conf *c, const char *name)
{
	for (int i = 0; i < c->nsec; i++)
		if (strcmp(c->sec[i].name, name) == 0)
			return &c->sec[i];
	return NULL;
}

const char *pa_conf_get(const struct pa_conf_section *s, const char *key, int *line)
{
	if (!s)
		return NULL;
	for (int i = 0; i < s->nrows; i++)
		if (s->rows[i].key && strcmp(s->rows[i].key, key) == 0) {
			if (line)
				*line = s->rows[i].line;
			return s->rows[i].value;
		}
	return NULL;
}
