/* app.c: opening and closing the running pingan. */
#include "service/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar.h"
#include "core/city.h"
#include "core/log.h"
#include "core/text.h"
#include "service/backup.h"
#include "service/case_cache.h"
#include "service/internal.h"

struct grid_load {
	struct pa_geo_index *ix;
	char city[8]; /* the city all grids lie in: its 6-digit code */
	bool mixed;   /* grids of more than one city */
};

static void add_grid(void *arg, const char *code, const char *name, const char *ring_json)
{
	struct grid_load *gl = arg;
	struct pa_geo_index *ix = gl->ix;
	if (!gl->city[0])
		snprintf(gl->city, sizeof gl->city, "%.6s", code);
	else if (strncmp(gl->city, code, 6) != 0)
		gl->mixed = true;
	json_t *ring = json_loads(ring_json, 0, NULL);
	size_t n = json_array_size(ring);
	double *xy = malloc(sizeof(double) * 2 * (n ? n : 1));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *pt = json_array_get(ring, i);
		if (json_array_size(pt) != 2)
			continue;
		xy[2 * k] = json_number_value(json_array_get(pt, 0));
		xy[2 * k + 1] = json_number_value(json_array_get(pt, 1));
		k++;
	}
	if (!pa_geo_index_add(ix, code, name, xy, (int)k))
		pa_log(PA_LOG_WARN, "grid_boundary_invalid", "\"grid\":\"%s\"", code);
	free(xy);
	json_decref(ring);
}

enum pa_err pa_app_load_grids(struct pa_app *app)
{
	struct grid_load gl = {.ix = pa_geo_index_new()};
	enum pa_err rc = PA_OK;
	PA_WITH_READ(app, db, rc, rc = db->ops->grids_each(db, add_grid, &gl));
	if (rc) {
		pa_geo_index_free(gl.ix);
		return rc;
	}
	pa_geo_index_build(gl.ix);
	pa_geo_index_free(app->geo);
	app->geo = gl.ix;
	snprintf(app->city, sizeof app->city, "%s", gl.mixed ? "" : gl.city);
	if (gl.mixed)
		pa_log(PA_LOG_WARN, "calendar_city_unknown",
		       "\"what\":\"the grids lie in more than one city: the mainland calendar "
		       "alone applies\"");
	return PA_OK;
}

/* The working-day calendar: the mainland's, with the city's own file on top once the
 * database says which city this is (the one all its grids lie in). */
static enum pa_err load_calendar(struct pa_app *app, const char *datadir)
{
	char caldir[1024];
	snprintf(caldir, sizeof caldir, "%s/calendar", datadir);
	struct pa_calendar *cal = NULL;
	enum pa_err rc = pa_calendar_load(caldir, app->city[0] ? app->city : NULL, &cal);
	if (rc)
		return rc;
	pa_calendar_free(app->calendar);
	app->calendar = cal;
	return PA_OK;
}

/* The cohort counters recounted from the cases when a migration asked for it. */
static enum pa_err stats_refill(struct pa_app *app, struct pa_db *w)
{
	struct pa_arena a;
	pa_arena_init(&a);
	struct pa_check_rules rules;
	pa_check_rules_of(app->cat, &a, &rules);
	bool done = false;
	enum pa_err rc = w->ops->begin(w);
	if (!rc) {
		rc = w->ops->stats_refill(w, &rules, false, &done);
		rc = rc ? (w->ops->rollback(w), rc) : w->ops->commit(w);
	}
	pa_arena_free(&a);
	if (!rc && done)
		pa_log(PA_LOG_INFO, "stats_refilled", "\"what\":\"cohort counters\"");
	return rc;
}

enum pa_err pa_app_open(struct pa_app *app, const char *dburl, const char *audit_key,
			const char *datadir, const char *pii_key, bool with_writer)
{
	memset(app, 0, sizeof *app);
	app->login = (struct pa_login_policy){.lock_after = 5,
					      .lock_window = 15 * 60,
					      .lock_time = 15 * 60,
					      .session_idle = 30 * 60,
					      .session_max = 12 * 3600};
	app->idem_days = 30;
	enum pa_err rc = pa_catalog_load(datadir, &app->cat);
	if (rc)
		return rc;
	if ((rc = pa_documents_load(app, datadir))) {
		pa_catalog_free(app->cat);
		app->cat = NULL;
		return rc;
	}
	if (!pa_text_init())
		pa_log(PA_LOG_WARN, "opencc_unavailable",
		       "\"what\":\"traditional characters will not fold to simplified in search\"");
	/* every writer chains the audit log with the key: none writes without it */
	if ((rc = pa_store_open(dburl, &app->store)) ||
	    (rc = pa_store_audit_key(app->store, audit_key)))
		goto fail;
	/* attachments live beside the database unless serve is told otherwise */
	pa_files_dir_of(dburl, app->files_dir, sizeof app->files_dir);
	/* The schema is brought up to date before anything reads it. */
	struct pa_db *w;
	if ((rc = pa_store_open_writer(app->store, &w)))
		goto fail;
	int from = 0, to = 0;
	rc = w->ops->migrate(w, &from, &to);
	if (!rc)
		rc = stats_refill(app, w);
	if (!rc)
		rc = pa_pii_start(app, w, dburl, pii_key);
	w->ops->close(w);
	if (rc)
		goto fail;
	if (from != to)
		pa_log(PA_LOG_INFO, "migrated", "\"from\":%d,\"to\":%d", from, to);
	if ((rc = pa_app_load_grids(app)) || (rc = load_calendar(app, datadir)) ||
	    (rc = pa_assessment_load(app, datadir)) || (rc = routing_start(app)))
		goto fail;
	if (with_writer && (rc = pa_writer_start(app->store, 256, &app->writer)))
		goto fail;
	app->case_cache = NULL; /* pa_app_set_case_cache turns it on */
	return PA_OK;
fail:
	pa_app_close(app);
	return rc;
}

void pa_app_set_case_cache(struct pa_app *app, int slots)
{
	pa_case_cache_free(app->case_cache);
	app->case_cache = pa_case_cache_new(slots);
}

void pa_app_close(struct pa_app *app)
{
	pa_writer_stop(app->writer);
	pa_case_cache_free(app->case_cache);
	pa_store_close(app->store);
	pa_geo_index_free(app->geo);
	routing_close(app); /* before the catalog its tables point into */
	pa_documents_free(app);
	pa_catalog_free(app->cat);
	pa_calendar_free(app->calendar);
	pa_assessment_free(app);
	pa_pii_close(app);
	memset(app, 0, sizeof *app);
}

bool pa_app_within_scope(const struct pa_app *app, const char *region)
{
	for (int g = 0; g < pa_geo_index_count(app->geo); g++) {
		const char *code, *name;
		const double *xy;
		int n;
		pa_geo_index_get(app->geo, g, &code, &name, &xy, &n);
		if (!pa_city_within(code, region))
			return false;
	}
	return true;
}

bool pa_region_code_valid(const char *code)
{
	if (!code)
		return false;
	size_t n = strlen(code);
	if (n != 2 && n != 6 && n != 9 && n != 12 && n != 15)
		return false;
	for (size_t i = 0; i < n; i++)
		if (code[i] < '0' || code[i] > '9')
			return false;
	return true;
}

bool pa_region_within(const char *code, const char *region)
{
	return strncmp(code, region, strlen(region)) == 0;
}
