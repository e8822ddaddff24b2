/* case_sort.c: the orders a case list may be asked for (?sort=) and their cursors: with an
 * order other than newest first a page goes on after the last row's key and id ("KEY.ID"). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/app.h"

static const struct {
	const char *name;
	enum pa_case_sort sort;
} sorts[] = {
	{"due", PA_SORT_DUE},
	{"updated", PA_SORT_UPDATED},
	{"-updated", PA_SORT_UPDATED_DESC},
	{"created", PA_SORT_CREATED},
	{"-created", PA_SORT_CREATED_DESC},
};
#define NSORTS (int)(sizeof sorts / sizeof sorts[0])

/* A whole number of at most 19 digits, with a sign if neg_ok, ending at end. */
static bool whole(const char *s, const char *end, bool neg_ok, int64_t *out)
{
	const char *p = s;
	if (neg_ok && p < end && *p == '-')
		p++;
	if (p == end || end - p > 19)
		return false;
	for (const char *q = p; q < end; q++)
		if (*q < '0' || *q > '9')
			return false;
	char buf[24];
	snprintf(buf, sizeof buf, "%.*s", (int)(end - s), s);
	char *e;
	long long v = strtoll(buf, &e, 10);
	if (*e)
		return false;
	*out = v;
	return true;
}

enum pa_err pa_case_sort_parse(const char *sort, const char *cursor, struct pa_case_filter *f)
{
	f->sort = PA_SORT_NEWEST;
	if (sort) {
		int i = 0;
		while (i < NSORTS && strcmp(sorts[i].name, sort) != 0)
			i++;
		if (i == NSORTS)
			return pa_errf(
				PA_BAD_QUERY, "sort",
				"unknown sort \"%.40s\": give due, updated, -updated, created "
				"or -created",
				sort);
		f->sort = sorts[i].sort;
	}
	if (!cursor || f->sort == PA_SORT_NEWEST)
		return PA_OK;
	const char *dot = strchr(cursor, '.');
	int64_t key, id;
	if (!dot || !whole(cursor, dot, true, &key) ||
	    !whole(dot + 1, dot + 1 + strlen(dot + 1), false, &id) || id < 1)
		return pa_errf(PA_BAD_QUERY, "cursor",
			       "cursor is not one of this sort's: give the next_cursor of the page "
			       "before, with the same sort");
	f->has_after = true;
	f->after_key = key;
	f->after_id = id;
	return PA_OK;
}

void pa_case_sort_cursor(const struct pa_case_filter *f, const struct pa_case_row *last, char *out,
			 size_t cap)
{
	int64_t key = 0;
	switch (f->sort) {
	case PA_SORT_NEWEST:
		snprintf(out, cap, "%" PRId64, last->id);
		return;
	case PA_SORT_DUE:
		key = last->clock.due_red ? last->clock.due_red : PA_SORT_NO_DUE;
		break;
	case PA_SORT_UPDATED:
	case PA_SORT_UPDATED_DESC:
		key = last->updated_at;
		break;
	case PA_SORT_CREATED:
	case PA_SORT_CREATED_DESC:
		key = last->created_at;
		break;
	}
	snprintf(out, cap, "%" PRId64 ".%" PRId64, key, last->id);
}
