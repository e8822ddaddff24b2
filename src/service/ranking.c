/* ranking.c: the towns of a city (or the villages of a town) ranked on the indicators they
 * are assessed by (考核排名) — which rates, their weights and directions from
 * data/assessment.conf, each rate as docs/statistics.md defines it. A ranking is published
 * to the whole city: every account in it may read it, and it holds figures kept in the
 * counters, never a case. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conf.h"
#include "service/internal.h"

#define MAX_INDICATORS 8

struct pa_assessment {
	int n;
	struct indicator {
		char code[32], name[64], name_en[64];
		int weight;
		bool lower; /* lower is better */
	} ind[MAX_INDICATORS];
};

/* the rates /stats gives for a period: the only indicators a ranking may use */
static const char *const rates[] = {"closure_rate",      "on_time_rate",           "overdue_rate",
				    "satisfaction_rate", "mediation_success_rate", NULL};

static bool is_rate(const char *code)
{
	for (int i = 0; rates[i]; i++)
		if (!strcmp(rates[i], code))
			return true;
	return false;
}

static enum pa_err parse(const char *path, const struct pa_conf *c, struct pa_assessment *as)
{
	const struct pa_conf_section *s = pa_conf_section(c, "indicators");
	if (!s)
		return pa_data_file_err(path, 0, "indicators", "an [indicators] section is needed");
	for (int i = 0; i < s->nrows; i++) {
		const struct pa_conf_row *r = &s->rows[i];
		if (r->key || r->ntok != 5)
			return pa_data_file_err(path, r->line, "indicators",
						"a row is: code weight better name name_en");
		const char *code = r->tok[0];
		if (!is_rate(code))
			return pa_data_file_err(path, r->line, "code",
						"\"%s\" is not a rate of /stats (closure_rate, "
						"on_time_rate, overdue_rate, satisfaction_rate, "
						"mediation_success_rate)",
						code);
		for (int k = 0; k < as->n; k++)
			if (!strcmp(as->ind[k].code, code))
				return pa_data_file_err(path, r->line, "code",
							"\"%s\" is listed twice", code);
		char *end;
		long w = strtol(r->tok[1], &end, 10);
		if (*end || w < 1 || w > 100)
			return pa_data_file_err(path, r->line, "weight",
						"a weight is a whole number from 1 to 100");
		if (strcmp(r->tok[2], "higher") && strcmp(r->tok[2], "lower"))
			return pa_data_file_err(path, r->line, "better",
						"better is higher or lower");
		if (as->n == MAX_INDICATORS)
			return pa_data_file_err(path, r->line, "indicators",
						"at most %d indicators", MAX_INDICATORS);
		struct indicator *d = &as->ind[as->n++];
		snprintf(d->code, sizeof d->code, "%s", code);
		snprintf(d->name, sizeof d->name, "%s", r->tok[3]);
		snprintf(d->name_en, sizeof d->name_en, "%s", r->tok[4]);
		d->weight = (int)w;
		d->lower = !strcmp(r->tok[2], "lower");
	}
	if (!as->n)
		return pa_data_file_err(path, s->line, "indicators", "no indicator is listed");
	return PA_OK;
}

enum pa_err pa_assessment_load(struct pa_app *app, const char *datadir)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/assessment.conf", datadir);
	struct pa_conf c;
	enum pa_err rc = pa_conf_load(path, &c);
	struct pa_assessment *as = calloc(1, sizeof *as);
	if (!rc)
		rc = parse(path, &c, as);
	pa_conf_free(&c);
	if (rc) {
		free(as);
		return rc;
	}
	pa_assessment_free(app);
	app->assessment = as;
	return PA_OK;
}

void pa_assessment_free(struct pa_app *app)
{
	free(app->assessment);
	app->assessment = NULL;
}

/* One ranked unit: its score and values as JSON, its score for sorting (NAN: none). */
struct ranked {
	json_t *o;
	double score;
	double v[MAX_INDICATORS];
};

/* Ranks 1.. by value (best first; NAN last, with no rank); equal values share a rank. */
static void rank_by(struct ranked *u, size_t n, int k, bool lower, const char *key)
{
	for (size_t i = 0; i < n; i++) {
		double x = k < 0 ? u[i].score : u[i].v[k];
		if (isnan(x)) {
			json_object_set_new(k < 0 ? u[i].o : json_object_get(u[i].o, "ranks"), key,
					    json_null());
			continue;
		}
		int better = 0;
		for (size_t j = 0; j < n; j++) {
			double y = k < 0 ? u[j].score : u[j].v[k];
			if (!isnan(y) && (lower ? y < x : y > x))
				better++;
		}
		json_object_set_new(k < 0 ? u[i].o : json_object_get(u[i].o, "ranks"), key,
				    json_integer(better + 1));
	}
}

static int by_rank(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (isnan(x->score) != isnan(y->score))
		return isnan(x->score) ? 1 : -1;
	if (!isnan(x->score) && x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(json_string_value(json_object_get(x->o, "code")),
		      json_string_value(json_object_get(y->o, "code")));
}

static json_t *rank(const struct pa_assessment *as, json_t *rows, json_t *kids,
		    const struct pa_catalog *cat)
{
	size_t n = json_array_size(kids);
	struct ranked *u = calloc(n ? n : 1, sizeof *u);
	for (size_t i = 0; i < n; i++) {
		json_t *kid = json_array_get(kids, i);
		const char *code = json_string_value(json_object_get(kid, "code"));
		json_t *g = pa_stats_group(rows, code, cat), *values = json_object();
		double sum = 0, weights = 0;
		for (int k = 0; k < as->n; k++) {
			json_t *v = json_object_get(g, as->ind[k].code);
			u[i].v[k] = json_is_number(v) ? json_number_value(v) : NAN;
			json_object_set(values, as->ind[k].code, v ? v : json_null());
			if (!isnan(u[i].v[k])) {
				sum += as->ind[k].weight *
				       (as->ind[k].lower ? 1 - u[i].v[k] : u[i].v[k]);
				weights += as->ind[k].weight;
			}
		}
		u[i].score = weights > 0 ? round(sum / weights * 10000) / 100 : NAN;
		u[i].o = json_pack("{s:s, s:O, s:O, s:o, s:o, s:o}", "code", code, "name",
				   json_object_get(kid, "name"), "reported",
				   json_object_get(g, "reported"), "score",
				   isnan(u[i].score) ? json_null() : json_real(u[i].score),
				   "values", values, "ranks", json_object());
		json_decref(g);
	}
	rank_by(u, n, -1, false, "rank");
	for (int k = 0; k < as->n; k++)
		rank_by(u, n, k, as->ind[k].lower, as->ind[k].code);
	qsort(u, n, sizeof *u, by_rank);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(out, u[i].o);
	free(u);
	return out;
}

enum pa_err pa_stats_ranking(struct pa_app *app, const struct pa_actor *a,
			     const struct pa_stats_query *q, json_t **out)
{
	char city[PA_CODE_MAX];
	snprintf(city, sizeof city, "%.6s", a->scope.region);
	const char *region = q->region ? q->region : city;
	size_t len = strlen(region);
	if (!pa_region_code_valid(region) || (len != 6 && len != 9))
		return pa_errf(PA_BAD_QUERY, "region",
			       "a ranking is of a city's towns or a town's villages: region is a "
			       "city or a town code");
	/* published to the whole city: any account of it, or above it */
	if (!pa_region_within(region, a->scope.region) && strncmp(region, a->scope.region, 6))
		return pa_errf(PA_FORBIDDEN, "region", "region %s is outside your city", region);
	int from, to;
	enum pa_err rc = pa_stats_months(q, &from, &to);
	if (rc)
		return rc;
	json_t *r = NULL, *rows = NULL, *kids = NULL;
	PA_WITH_LIST_READ(app, a, db, rc, {
		rc = db->ops->region_get(db, region, &r);
		if (!rc)
			rc = db->ops->stat_events(db, region, from, to, (int)len + 3, &rows);
		if (!rc)
			rc = db->ops->region_children(db, region, &kids);
	});
	if (!rc) {
		const struct pa_assessment *as = app->assessment;
		json_t *ind = json_array();
		for (int k = 0; k < as->n; k++)
			json_array_append_new(
				ind, json_pack("{s:s, s:s, s:s, s:i, s:s}", "code", as->ind[k].code,
					       "name", as->ind[k].name, "name_en",
					       as->ind[k].name_en, "weight", as->ind[k].weight,
					       "better", as->ind[k].lower ? "lower" : "higher"));
		char f[16], t[16], own[PA_CODE_MAX] = "";
		pa_stats_month_text(from, f);
		pa_stats_month_text(to, t);
		/* the caller's own unit among those ranked, when it lies in one */
		if (strlen(a->scope.region) >= len + 3 && !strncmp(a->scope.region, region, len))
			snprintf(own, sizeof own, "%.*s", (int)len + 3, a->scope.region);
		*out = json_pack("{s:s, s:O, s:s, s:s, s:o, s:o, s:o}", "region", region,
				 "region_name", json_object_get(r, "name"), "from", f, "to", t,
				 "indicators", ind, "units", rank(as, rows, kids, app->cat), "own",
				 own[0] ? json_string(own) : json_null());
	}
	json_decref(r);
	json_decref(rows);
	json_decref(kids);
	return rc;
}
