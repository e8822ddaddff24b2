/* msgs.c: loads data/messages.conf (see msgs.h) into sorted tables for pa_errf. */
#include "core/msgs.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"

#define MAX_FILE (1 << 20)

/* The tables installed, owned here; loading again (a test, a fuzz target) replaces them,
 * which is safe because it happens before any thread reads them (msgs.h). */
struct tables {
	struct pa_msg *msgs, *words;
	int nmsgs, nwords;
	struct pa_conf conf; /* owns the strings */
};
static struct tables *kept;

static void tables_free(struct tables *t)
{
	if (!t)
		return;
	free(t->msgs);
	free(t->words);
	pa_conf_free(&t->conf);
	free(t);
}

static int by_en(const void *a, const void *b)
{
	return strcmp(((const struct pa_msg *)a)->en, ((const struct pa_msg *)b)->en);
}

/* The arguments a format takes, "%s|%lld|", or -1 (at *bad) at a conversion messages may
 * not use. */
static int convs(const char *fmt, char *out, size_t cap, const char **bad)
{
	size_t n = 0;
	int count = 0;
	out[0] = 0;
	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		int len = pa_fmt_spec(p);
		if (!len) {
			*bad = p;
			return -1;
		}
		if (p[1] != '%') {
			/* what takes an argument, and of which type: '*'s, length, conversion;
			 * flags, width and precision may differ (%.0s leaves a text out) */
			if (n + (size_t)len + 3 > cap)
				return -1;
			out[n++] = '%';
			for (int i = 1; i < len; i++)
				if (p[i] == '*' || strchr("hlzdiuxXocsfgep", p[i]))
					out[n++] = p[i];
			out[n++] = '|';
			out[n] = 0;
			count++;
		}
		p += len - 1;
	}
	return count;
}

static enum pa_err check_pair(const char *name, int en_line, const char *en, int zh_line,
			      const char *zh, bool word)
{
	char a[256], b[256];
	const char *bad = NULL;
	int na = convs(en, a, sizeof a, &bad);
	if (na < 0)
		return pa_data_file_err(name, en_line, "en",
					"\"%.12s\" is no conversion pingan's messages use",
					bad ? bad : en);
	int nb = convs(zh, b, sizeof b, &bad);
	if (nb < 0)
		return pa_data_file_err(name, zh_line, "zh",
					"\"%.12s\" is no conversion pingan's messages use",
					bad ? bad : zh);
	if (word && (na || nb))
		return pa_data_file_err(name, na ? en_line : zh_line, na ? "en" : "zh",
					"a word takes no %% conversion");
	if (strcmp(a, b) != 0)
		return pa_data_file_err(
			name, zh_line, "zh",
			"its conversions (%s) are not the English ones (%s), in that order",
			nb ? b : "none", na ? a : "none");
	return PA_OK;
}

static enum pa_err load_section(const char *name, const struct pa_conf_section *s,
				struct pa_msg **out, int *nout)
{
	bool word = strcmp(s->name, "words") == 0;
	*out = calloc((size_t)s->nrows / 2 + 1, sizeof **out);
	if (!*out)
		return pa_errf(PA_INTERNAL, NULL, "out of memory");
	int n = 0;
	/* rows in pairs: an en row, its zh row */
	for (int i = 0; i < s->nrows; i += 2) {
		const struct pa_conf_row *r = &s->rows[i];
		if (!r->key || (strcmp(r->key, "en") && strcmp(r->key, "zh")))
			return pa_data_file_err(name, r->line, r->key ? r->key : "row",
						"a row here is en = English or zh = 中文");
		if (!*r->value)
			return pa_data_file_err(name, r->line, r->key, "empty");
		if (!strcmp(r->key, "zh"))
			return pa_data_file_err(name, r->line, "zh", "a zh row follows its en row");
		const struct pa_conf_row *z = i + 1 < s->nrows ? &s->rows[i + 1] : NULL;
		if (!z || !z->key || strcmp(z->key, "zh"))
			return pa_data_file_err(name, r->line, "en", "no zh row follows");
		if (!*z->value)
			return pa_data_file_err(name, z->line, "zh", "empty");
		enum pa_err rc = check_pair(name, r->line, r->value, z->line, z->value, word);
		if (rc)
			return rc;
		(*out)[n++] = (struct pa_msg){r->value, z->value};
	}
	qsort(*out, (size_t)n, sizeof **out, by_en);
	for (int i = 1; i < n; i++)
		if (!strcmp((*out)[i - 1].en, (*out)[i].en)) {
			int line = 0;
			for (int j = 0, seen = 0; j < s->nrows; j++)
				if (s->rows[j].key && !strcmp(s->rows[j].key, "en") &&
				    !strcmp(s->rows[j].value, (*out)[i].en) && seen++)
					line = s->rows[j].line;
			return pa_data_file_err(name, line, "en", "given twice in [%s]", s->name);
		}
	*nout = n;
	return PA_OK;
}

enum pa_err pa_msgs_parse(const char *name, const char *text, size_t len)
{
	struct tables *t = calloc(1, sizeof *t);
	if (!t)
		return pa_errf(PA_INTERNAL, NULL, "out of memory");
	enum pa_err rc = pa_conf_parse(name, text, len, &t->conf);
	bool had_msgs = false, had_words = false;
	for (int i = 0; !rc && i < t->conf.nsec; i++) {
		const struct pa_conf_section *s = &t->conf.sec[i];
		bool m = !strcmp(s->name, "messages"), w = !strcmp(s->name, "words");
		if ((!m && !w) || s->arg)
			rc = pa_data_file_err(name, s->line, "section",
					      "[%s]: only [messages] and [words] belong here",
					      s->name);
		else if ((m && had_msgs) || (w && had_words))
			rc = pa_data_file_err(name, s->line, "section", "[%s] given twice",
					      s->name);
		else if (m)
			had_msgs = true, rc = load_section(name, s, &t->msgs, &t->nmsgs);
		else
			had_words = true, rc = load_section(name, s, &t->words, &t->nwords);
	}
	if (rc) {
		tables_free(t);
		return rc;
	}
	pa_err_set_messages(t->msgs, t->nmsgs, t->words, t->nwords);
	tables_free(kept);
	kept = t;
	return PA_OK;
}

enum pa_err pa_msgs_load(const char *path)
{
	char *buf;
	size_t n;
	enum pa_err rc = pa_data_file_read(path, MAX_FILE, &buf, &n);
	if (rc)
		return rc;
	rc = pa_msgs_parse(path, buf, n);
	free(buf);
	return rc;
}
