/* rules.c: the cross-field rules of records (rules.h) — parsed from the data at load and
 * applied to each record an action keeps. */
#include "core/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "core/conf.h"

static const char *const op_words[] = {"<", "<=", ">", ">=", "="};

static int op_of(const char *s)
{
	for (int i = 0; i < 5; i++)
		if (strcmp(s, op_words[i]) == 0)
			return i;
	return -1;
}

static const struct pa_field *field_of(const struct pa_field *fields, int n, const char *code)
{
	for (int i = 0; i < n; i++)
		if (strcmp(fields[i].code, code) == 0)
			return &fields[i];
	return NULL;
}

/* A whole number of at most 9 digits into *v. */
static bool whole(const char *s, long *v)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (!*s || *end || n < 0 || n >= 1000000000)
		return false;
	*v = n;
	return true;
}

/* tok[0..n) as one side. */
static enum pa_err side_parse(const char *path, int line, const char *key, char **tok, int n,
			      const struct pa_field *fields, int nfields, struct pa_rule_side *s,
			      bool *dates)
{
	s->num = s->den = 1;
	s->nf = 0;
	if (n == 1 && whole(tok[0], &s->num)) {
		*dates = false;
		return PA_OK;
	}
	int i = 0;
	char *slash = n ? strchr(tok[0], '/') : NULL;
	if (slash) {
		*slash = 0;
		if (!whole(tok[0], &s->num) || !whole(slash + 1, &s->den) || !s->den || !s->num)
			return pa_data_file_err(path, line, key,
						"\"%s/%s\" is not a fraction like 2/3", tok[0],
						slash + 1);
		i = 1;
	}
	for (; i < n; i++) {
		if (s->nf && strcmp(tok[i++], "+") != 0)
			return pa_data_file_err(path, line, key, "expected + before \"%s\"",
						tok[i - 1]);
		if (i >= n)
			return pa_data_file_err(path, line, key, "a + with no field after it");
		const struct pa_field *f = field_of(fields, nfields, tok[i]);
		if (!f)
			return pa_data_file_err(path, line, key, "no field \"%s\" in this record",
						tok[i]);
		if (f->type != PA_FIELD_INT && f->type != PA_FIELD_MONEY &&
		    f->type != PA_FIELD_DATE)
			return pa_data_file_err(
				path, line, key,
				"field \"%s\" is %s: rules compare numbers and dates", f->code,
				pa_field_type_name(f->type));
		if (s->nf == PA_RULE_MAX_TERMS)
			return pa_data_file_err(path, line, key, "more than %d fields on a side",
						PA_RULE_MAX_TERMS);
		s->f[s->nf++] = f;
	}
	if (!s->nf)
		return pa_data_file_err(path, line, key, "a side of the rule is empty");
	bool d = s->f[0]->type == PA_FIELD_DATE;
	for (int k = 1; k < s->nf; k++)
		if ((s->f[k]->type == PA_FIELD_DATE) != d)
			return pa_data_file_err(path, line, key, "a side mixes dates and numbers");
	if (d && (s->nf > 1 || slash))
		return pa_data_file_err(path, line, key,
					"a date side is one date field, without sums or fractions");
	*dates = d;
	return PA_OK;
}

enum pa_err pa_rule_parse(struct pa_arena *a, const char *path, int line, const char *key,
			  const char *text, const struct pa_field *fields, int nfields,
			  struct pa_rule *out)
{
	memset(out, 0, sizeof *out);
	out->line = line;
	char *buf = pa_strdup(a, text);
	char *cite = strchr(buf, ';');
	if (cite) {
		*cite++ = 0;
		while (*cite == ' ')
			cite++;
		out->cite = *cite ? cite : NULL;
	}
	char *tok[32];
	int n = 0, op = -1, when = -1;
	char *save = NULL;
	for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == 32)
			return pa_data_file_err(path, line, key, "too long");
		if (op < 0 && op_of(t) >= 0)
			op = n;
		else if (when < 0 && strcmp(t, "when") == 0)
			when = n;
		tok[n++] = t;
	}
	int end = when >= 0 ? when : n;
	if (op <= 0 || op + 1 >= end || (when >= 0 && when < op))
		return pa_data_file_err(
			path, line, key,
			"expected LEFT OP RIGHT [when FIELD = VALUE], OP one of < <= "
			"> >= =");
	out->op = (enum pa_rule_op)op_of(tok[op]);
	bool ld, rd;
	enum pa_err rc;
	if ((rc = side_parse(path, line, key, tok, op, fields, nfields, &out->l, &ld)) ||
	    (rc = side_parse(path, line, key, tok + op + 1, end - op - 1, fields, nfields, &out->r,
			     &rd)))
		return rc;
	if (ld != rd || (ld && (!out->l.nf || !out->r.nf)))
		return pa_data_file_err(path, line, key, "a date compares with a date only");
	if (!out->l.nf)
		return pa_data_file_err(path, line, key, "the left side must name a field");
	out->dates = ld;
	if (when >= 0) {
		if (n - when != 4 || strcmp(tok[when + 2], "=") != 0)
			return pa_data_file_err(path, line, key, "expected \"when FIELD = VALUE\"");
		const struct pa_field *f = field_of(fields, nfields, tok[when + 1]);
		if (!f)
			return pa_data_file_err(path, line, key, "no field \"%s\" in this record",
						tok[when + 1]);
		bool ok = f->type != PA_FIELD_CHOICE;
		for (int i = 0; i < f->nchoices; i++)
			ok |= strcmp(f->choices[i], tok[when + 3]) == 0;
		if (!ok)
			return pa_data_file_err(path, line, key, "\"%s\" is not a choice of %s",
						tok[when + 3], f->code);
		out->when = f;
		out->when_value = tok[when + 3];
	}
	return PA_OK;
}

const struct pa_field *pa_rule_field(const struct pa_rule *r)
{
	return r->l.nf ? r->l.f[0] : NULL;
}

/* The side's value (false: none of its fields given); its names in both languages. */
static bool side_value(const struct pa_rule_side *s, json_t *obj, double *v, const char **date,
		       char *zh, char *en, size_t cap)
{
	bool any = !s->nf;
	*v = s->nf ? 0 : (double)s->num;
	*date = NULL;
	zh[0] = en[0] = 0;
	for (int i = 0; i < s->nf; i++) {
		json_t *x = json_object_get(obj, s->f[i]->code);
		if (x && !json_is_null(x)) {
			any = true;
			*v += json_number_value(x);
			*date = json_string_value(x);
		}
		size_t lz = strlen(zh), le = strlen(en);
		snprintf(zh + lz, cap - lz, "%s%s", i ? "+" : "", s->f[i]->name);
		snprintf(en + le, cap - le, "%s%s", i ? " + " : "", s->f[i]->name_en);
	}
	if (!s->nf) {
		snprintf(zh, cap, "%ld", s->num);
		snprintf(en, cap, "%ld", s->num);
	}
	return any;
}

static void value_text(const struct pa_rule *r, double v, const char *date, char *out, size_t cap)
{
	if (r->dates)
		snprintf(out, cap, "%s", date ? date : "");
	else
		snprintf(out, cap, "%.15g", v);
}

bool pa_rule_holds(const struct pa_rule *r, json_t *obj, char *zh, char *en, size_t cap)
{
	if (r->when) {
		const char *w = json_string_value(json_object_get(obj, r->when->code));
		if (!w || strcmp(w, r->when_value) != 0)
			return true;
	}
	double lv, rv;
	const char *ldate, *rdate;
	char lzh[160], len[160], rzh[160], ren[160];
	if (!side_value(&r->l, obj, &lv, &ldate, lzh, len, sizeof lzh) ||
	    !side_value(&r->r, obj, &rv, &rdate, rzh, ren, sizeof rzh))
		return true;
	int cmp;
	if (r->dates)
		cmp = strcmp(ldate ? ldate : "", rdate ? rdate : "");
	else {
		/* l·num_l/den_l against r·num_r/den_r, without dividing */
		double a = lv * (double)r->l.num * (double)r->r.den,
		       b = rv * (double)r->r.num * (double)r->l.den;
		cmp = (a > b) - (a < b);
	}
	bool ok = r->op == PA_OP_LT   ? cmp < 0
		  : r->op == PA_OP_LE ? cmp <= 0
		  : r->op == PA_OP_GT ? cmp > 0
		  : r->op == PA_OP_GE ? cmp >= 0
				      : cmp == 0;
	if (ok)
		return true;
	static const char *const zh_num[] = {"少于", "不多于", "多于", "不少于", "等于"};
	static const char *const zh_date[] = {"早于", "不晚于", "晚于", "不早于", "同于"};
	static const char *const en_num[] = {"less than", "at most", "more than", "at least",
					     "equal to"};
	static const char *const en_date[] = {"before", "not after", "after", "not before",
					      "the same day as"};
	char lt[64], rt[64], frac_zh[32] = "", frac_en[32] = "", when_zh[200] = "",
			     when_en[200] = "";
	value_text(r, lv, ldate, lt, sizeof lt);
	value_text(r, rv, rdate, rt, sizeof rt);
	if (r->r.nf && (r->r.num != 1 || r->r.den != 1)) {
		snprintf(frac_zh, sizeof frac_zh, "的%ld/%ld", r->r.num, r->r.den);
		snprintf(frac_en, sizeof frac_en, "%ld/%ld of ", r->r.num, r->r.den);
	}
	if (r->when) {
		snprintf(when_zh, sizeof when_zh, "（%s为%s时）", r->when->name, r->when_value);
		snprintf(when_en, sizeof when_en, " when %s is %s", r->when->name_en,
			 r->when_value);
	}
	char cite_zh[300] = "", rv_zh[80] = "", rv_en[80] = "";
	if (r->cite)
		snprintf(cite_zh, sizeof cite_zh, "（依据：%s）", r->cite);
	if (r->r.nf) {
		snprintf(rv_zh, sizeof rv_zh, "（%s）", rt);
		snprintf(rv_en, sizeof rv_en, " (%s)", rt);
	}
	snprintf(zh, cap, "%s（%s）应%s%s%s%s%s%s", lzh, lt, (r->dates ? zh_date : zh_num)[r->op],
		 rzh, rv_zh, frac_zh, when_zh, cite_zh);
	snprintf(en, cap, "%s (%s) must be %s %s%s%s%s", len, lt,
		 (r->dates ? en_date : en_num)[r->op], frac_en, ren, rv_en, when_en);
	return false;
}
