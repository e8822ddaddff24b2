/* stats.c: the indicators a town is assessed by (DOMAIN.md §5) for a region and period,
 * from counters kept in the same transaction as every case change — never a scan of the
 * cases: now (by status, open, open past red), and for the period reported, accepted,
 * closed on time / overdue, the rates, satisfaction (unreasonable complaints excluded),
 * supervision notices by colour, escalations, skip-level reports and the top categories;
 * with the previous period (环比) and the same months a year before (同比), and per child
 * region or per month. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "service/internal.h"

static const char *const counted[] = {
	"reported",
	"accepted",
	"closed",
	"closed_on_time",
	"closed_overdue",
	"unreasonable",
	"escalated",
	"skip_level",
	"mediation_success",
	"mediation_failed",
	"reported_closed",
	"reported_overdue",
	NULL,
};

/* "2026-03" → 202603; 0 if malformed */
static int parse_month(const char *s)
{
	if (!s || strlen(s) != 7 || s[4] != '-')
		return 0;
	for (int i = 0; i < 7; i++)
		if (i != 4 && (s[i] < '0' || s[i] > '9'))
			return 0;
	int y = atoi(s), m = atoi(s + 5);
	return y >= 2000 && y <= 2100 && m >= 1 && m <= 12 ? y * 100 + m : 0;
}

static int month_add(int ym, int n)
{
	int idx = (ym / 100) * 12 + (ym % 100 - 1) + n;
	return (idx / 12) * 100 + idx % 12 + 1;
}

static int months_between(int a, int b)
{
	return (b / 100 - a / 100) * 12 + (b % 100 - a % 100) + 1;
}

static json_t *rate(json_int_t num, json_int_t den)
{
	return den > 0 ? json_real((double)num / (double)den) : json_null();
}

static json_int_t get(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static void bump(json_t *o, const char *k, json_int_t n)
{
	json_object_set_new(o, k, json_integer(get(o, k) + n));
}

/* Sum the event rows of one key into a metrics object. */
static json_t *collect(json_t *rows, const char *key)
{
	json_t *m = json_object(), *cats = json_object();
	size_t i;
	json_t *r;
	json_array_foreach (rows, i, r) {
		if (key && strcmp(json_string_value(json_array_get(r, 0)), key) != 0)
			continue;
		const char *metric = json_string_value(json_array_get(r, 1));
		json_int_t n = json_integer_value(json_array_get(r, 3));
		bump(m, metric, n);
		if (strcmp(metric, "reported") == 0)
			bump(cats, json_string_value(json_array_get(r, 2)), n);
	}
	json_object_set_new(m, "_cats", cats);
	return m;
}

/* The indicators of one period from its summed events. Each rate is a share of a cohort,
 * its numerator counted among the cases of its denominator, so that it lies in [0, 1] on
 * any data (docs/statistics.md defines each):
 *   closure_rate (办结率)   reported_closed / reported: the cases reported in the period
 *                           that are closed now;
 *   overdue_rate (超期率)   reported_overdue / reported: those that have passed a red limit;
 *   on_time_rate (按期办结率) closed_on_time / closed: the closings in the period made
 *                           before any red limit had passed. */
static json_t *indicators(json_t *m, const struct pa_catalog *cat)
{
	json_t *o = json_object();
	for (int i = 0; counted[i]; i++)
		json_object_set_new(o, counted[i], json_integer(get(m, counted[i])));
	json_int_t reported = get(m, "reported"), closed = get(m, "closed");
	json_object_set_new(o, "closure_rate", rate(get(m, "reported_closed"), reported));
	json_object_set_new(o, "on_time_rate", rate(get(m, "closed_on_time"), closed));
	json_object_set_new(o, "overdue_rate", rate(get(m, "reported_overdue"), reported));
	json_int_t ms = get(m, "mediation_success");
	json_object_set_new(o, "mediation_success_rate", rate(ms, ms + get(m, "mediation_failed")));
	/* satisfaction: satisfied and basically satisfied over all ratings, the ratings of
	 * complaints flagged unreasonable taken out of both */
	json_int_t sat = get(m, "rated_satisfied") - get(m, "rated_unreasonable_satisfied");
	json_int_t basic = get(m, "rated_basically_satisfied") -
			   get(m, "rated_unreasonable_basically_satisfied");
	json_int_t unsat = get(m, "rated_unsatisfied") - get(m, "rated_unreasonable_unsatisfied");
	json_object_set_new(o, "ratings",
			    json_pack("{s:I, s:I, s:I}", "satisfied", sat, "basically_satisfied",
				      basic, "unsatisfied", unsat));
	json_object_set_new(o, "satisfaction_rate", rate(sat + basic, sat + basic + unsat));
	/* watch_late: the red notices for a watched date passed (整改逾期), among red */
	json_object_set_new(
		o, "supervision",
		json_pack("{s:I, s:I, s:I, s:I, s:I}", "yellow", get(m, "supervision_yellow"),
			  "red", get(m, "supervision_red"), "manual", get(m, "supervision_manual"),
			  "late", get(m, "supervision_late"), "watch_late",
			  get(m, "supervision_watch_late")));
	/* the five categories most reported */
	json_t *cats = json_object_get(m, "_cats"), *top = json_array();
	for (int k = 0; k < 5; k++) {
		const char *best = NULL, *key;
		json_int_t bn = 0;
		json_t *v;
		json_object_foreach (cats, key, v) {
			json_int_t n = json_integer_value(v);
			if (n > bn || (n == bn && best && strcmp(key, best) < 0))
				best = key, bn = n;
		}
		if (!best || bn <= 0)
			break;
		const char *name = best;
		for (int t = 0; t < cat->ntypes; t++) {
			const struct pa_category *c = pa_type_category(&cat->types[t], best);
			if (c) {
				name = c->name;
				break;
			}
		}
		json_array_append_new(top, json_pack("{s:s, s:s, s:I}", "code", best, "name", name,
						     "reported", bn));
		json_object_set_new(cats, best, json_integer(-1)); /* taken */
	}
	json_object_set_new(o, "top_categories", top);
	return o;
}

json_t *pa_stats_group(json_t *rows, const char *key, const struct pa_catalog *cat)
{
	json_t *m = collect(rows, key);
	json_t *g = indicators(m, cat);
	json_decref(m);
	return g;
}

enum pa_err pa_stats_months(const struct pa_stats_query *q, int *from, int *to)
{
	char buf[32];
	pa_time_iso(pa_now(), buf);
	buf[7] = 0;
	int now = parse_month(buf);
	*from = q->from ? parse_month(q->from) : now;
	*to = q->to ? parse_month(q->to) : now;
	if (!*from)
		return pa_errf(PA_BAD_QUERY, "from", "from is a month: YYYY-MM");
	if (!*to)
		return pa_errf(PA_BAD_QUERY, "to", "to is a month: YYYY-MM");
	if (*from > *to)
		return pa_errf(PA_BAD_QUERY, "from", "from comes after to");
	if (months_between(*from, *to) > 60)
		return pa_errf(PA_BAD_QUERY, "from", "a period is at most 60 months");
	return PA_OK;
}

void pa_stats_month_text(int ym, char buf[16])
{
	snprintf(buf, 16, "%04d-%02d", (ym / 100) % 10000, (ym % 100 + 100) % 100);
}

static enum pa_err period(struct pa_db *db, const struct pa_catalog *cat, const char *region,
			  int from, int to, json_t **out)
{
	json_t *rows = NULL;
	enum pa_err rc = db->ops->stat_events(db, region, from, to, (int)strlen(region), &rows);
	if (rc)
		return rc;
	json_t *m = collect(rows, NULL);
	*out = indicators(m, cat);
	json_decref(m);
	json_decref(rows);
	return PA_OK;
}

/* The cases of a {status: count} object that are in an open state. */
static json_int_t open_count(const struct pa_catalog *cat, json_t *by_status)
{
	json_int_t open = 0;
	const char *k;
	json_t *v;
	json_object_foreach (by_status, k, v) {
		for (int i = 0; i < cat->nlifecycles; i++) {
			const struct pa_lifecycle *lc = &cat->lifecycles[i];
			int s = pa_lifecycle_state(lc, k);
			if (s >= 0) {
				open += pa_state_open(lc, s) ? json_integer_value(v) : 0;
				break;
			}
		}
	}
	return open;
}

/* The units the event rows name (group=unit), as [{code: id, name}], in the order the
 * rows give them; events counted before units were (unit 0) belong to none. */
static enum pa_err units_of(struct pa_db *db, json_t *rows, json_t **out)
{
	json_t *seen = json_object();
	size_t i;
	json_t *row;
	json_array_foreach (rows, i, row) {
		const char *key = json_string_value(json_array_get(row, 0));
		if (key && strcmp(key, "0") != 0)
			json_object_set_new(seen, key, json_true());
	}
	*out = json_array();
	enum pa_err rc = PA_OK;
	const char *key;
	json_t *v;
	json_object_foreach (seen, key, v) {
		json_t *u = NULL;
		if ((rc = db->ops->unit_get(db, strtoll(key, NULL, 10), &u)))
			break;
		json_array_append_new(*out, json_pack("{s:I, s:O}", "code",
						      (json_int_t)strtoll(key, NULL, 10), "name",
						      json_object_get(u, "name")));
		json_decref(u);
	}
	json_decref(seen);
	return rc;
}

enum pa_err pa_stats_get(struct pa_app *app, const struct pa_actor *a,
			 const struct pa_stats_query *q, json_t **out)
{
	const char *region = q->region ? q->region : a->scope.region;
	if (!pa_region_code_valid(region))
		return pa_errf(PA_BAD_QUERY, "region", "\"%s\" is not a region code", region);
	if (!pa_region_within(region, a->scope.region))
		return pa_errf(PA_FORBIDDEN, "region", "region %s is outside your region %s",
			       region, a->scope.region);
	int from, to;
	enum pa_err rc = pa_stats_months(q, &from, &to);
	if (rc)
		return rc;
	int span = months_between(from, to);
	bool by_children = q->group && strcmp(q->group, "children") == 0;
	bool by_month = q->group && strcmp(q->group, "month") == 0;
	bool by_unit = q->group && strcmp(q->group, "unit") == 0;
	if (q->group && !by_children && !by_month && !by_unit)
		return pa_errf(PA_BAD_QUERY, "group", "group is children, month or unit");
	/* a grid has no child regions: its groups are none, not an error, so that one
	 * dashboard serves every scope from the city down to a grid */
	bool no_children = by_children && strlen(region) >= 15;

	json_t *r = NULL;
	PA_WITH_LIST_READ(app, a, db, rc, {
		rc = db->ops->region_get(db, region, &r);
		if (!rc)
			rc = db->ops->stats(db, &a->scope, region, out);
		/* Period counters cover the whole region: a unit-bound role, which sees only the
		 * cases of its unit, gets the counts of its own cases and no more. */
		if (!rc && !a->scope.by_unit) {
			json_t *cur = NULL, *prev = NULL, *ly = NULL, *rows = NULL, *kids = NULL;
			rc = period(db, app->cat, region, from, to, &cur);
			if (!rc)
				rc = period(db, app->cat, region, month_add(from, -span),
					    month_add(to, -span), &prev);
			if (!rc)
				rc = period(db, app->cat, region, month_add(from, -12),
					    month_add(to, -12), &ly);
			if (!rc && q->group)
				rc = db->ops->stat_events(db, region, from, to,
							  by_month  ? 0
							  : by_unit ? -1
								    : (int)strlen(region) + 3,
							  &rows);
			if (!rc && by_children)
				rc = no_children ? (kids = json_array(), PA_OK)
						 : db->ops->region_children(db, region, &kids);
			if (!rc && by_unit)
				rc = units_of(db, rows, &kids);
			if (!rc && q->group) {
				json_t *groups = json_array();
				size_t n = kids ? json_array_size(kids) : (size_t)span;
				for (size_t i = 0; i < n; i++) {
					char key[16];
					const char *name = NULL;
					if (kids) {
						json_t *k = json_array_get(kids, i);
						json_t *code = json_object_get(k, "code");
						if (json_is_integer(code))
							snprintf(key, sizeof key, "%lld",
								 (long long)json_integer_value(
									 code));
						else
							snprintf(key, sizeof key, "%s",
								 json_string_value(code));
						name = json_string_value(
							json_object_get(k, "name"));
					} else
						snprintf(key, sizeof key, "%d",
							 month_add(from, (int)i));
					json_t *g = pa_stats_group(rows, key, app->cat);
					if (by_month) {
						char mt[16];
						pa_stats_month_text(month_add(from, (int)i), mt);
						json_object_set_new(g, "key", json_string(mt));
					} else {
						json_object_set_new(g, "key", json_string(key));
						json_object_set_new(g, "name", json_string(name));
					}
					json_array_append_new(groups, g);
				}
				json_object_set_new(*out, "groups", groups);
			}
			if (!rc) {
				json_object_set_new(*out, "period", cur);
				json_object_set_new(*out, "previous_period", prev);
				json_object_set_new(*out, "last_year", ly);
				cur = prev = ly = NULL;
			}
			json_decref(cur);
			json_decref(prev);
			json_decref(ly);
			json_decref(rows);
			json_decref(kids);
		}
	});
	if (!rc) {
		char f[16], t[16];
		pa_stats_month_text(from, f);
		pa_stats_month_text(to, t);
		json_object_set(*out, "region_name", json_object_get(r, "name"));
		json_object_set_new(*out, "from", json_string(f));
		json_object_set_new(*out, "to", json_string(t));
		/* open cases now, and those past a red limit: from the snapshot counter, or for
		 * a unit-bound role from its own cases */
		json_t *snap = json_object_get(*out, "snapshot"),
		       *od = json_object_get(*out, "overdue_by_status");
		json_object_set_new(
			*out, "open",
			json_integer(open_count(app->cat, json_object_get(*out, "by_status"))));
		json_object_set_new(
			*out, "open_overdue",
			json_integer(od ? open_count(app->cat, od)
					: json_integer_value(json_object_get(snap, "overdue"))));
		json_object_del(*out, "snapshot");
		json_object_del(*out, "overdue_by_status");
	} else if (*out) {
		json_decref(*out);
		*out = NULL;
	}
	json_decref(r);
	return rc;
}
