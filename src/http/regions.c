/* regions.c: the region tree and grid lookup (GET /api/v1/regions…, /grids/locate). */
#include <stdlib.h>

#include "core/city.h"
#include "http/http.h"

/* A region of another city is not there for the caller: as any unknown code. */
static enum pa_err in_city(struct pa_req *rq, const char *code)
{
	return pa_city_within(code, rq->actor.scope.region)
		       ? PA_OK
		       : pa_errf(PA_NOT_FOUND, NULL, "no region with code %s", code);
}

enum pa_err pa_h_regions_list(struct pa_req *rq, struct pa_reply *rp)
{
	const char *parent = pa_req_query(rq, "parent");
	if (!parent)
		return pa_errf(PA_BAD_QUERY, "parent", "give parent=CODE (the city is %s)",
			       rq->actor.scope.region);
	if (!pa_region_code_valid(parent))
		return pa_errf(PA_BAD_QUERY, "parent", "\"%s\" is not a region code", parent);
	json_t *items = NULL, *p = NULL;
	enum pa_err rc = in_city(rq, parent);
	if (rc)
		return rc;
	PA_WITH_READ(rq->app, db, rc, {
		rc = db->ops->region_get(db, parent, &p);
		if (!rc)
			rc = db->ops->region_children(db, parent, &items);
	});
	json_decref(p);
	if (rc)
		return rc;
	rp->body = json_pack("{s:s, s:o}", "parent", parent, "items", items);
	return PA_OK;
}

enum pa_err pa_h_region_get(struct pa_req *rq, struct pa_reply *rp)
{
	const char *code = rq->params[0];
	if (!pa_region_code_valid(code))
		return pa_errf(PA_NOT_FOUND, NULL, "\"%s\" is not a region code", code);
	enum pa_err rc = in_city(rq, code);
	if (rc)
		return rc;
	PA_WITH_READ(rq->app, db, rc, rc = db->ops->region_get(db, code, &rp->body));
	return rc;
}

static enum pa_err coord(struct pa_req *rq, const char *name, double *out)
{
	const char *s = pa_req_query(rq, name);
	char *end;
	if (!s || !*s)
		return pa_errf(PA_BAD_QUERY, name, "%s is required", name);
	*out = strtod(s, &end);
	if (*end)
		return pa_errf(PA_BAD_QUERY, name, "%s must be a number", name);
	return PA_OK;
}

enum pa_err pa_h_grids_locate(struct pa_req *rq, struct pa_reply *rp)
{
	double lng, lat;
	enum pa_err rc;
	if ((rc = coord(rq, "lng", &lng)) || (rc = coord(rq, "lat", &lat)))
		return rc;
	if (!pa_geo_valid(lng, lat))
		return pa_errf(PA_BAD_QUERY, "lng",
			       "lng must be in [-180, 180] and lat in [-90, 90]");
	const char *grid = pa_geo_locate(rq->app->geo, lng, lat, NULL);
	/* another city's grids are as if not there */
	if (grid && !pa_city_within(grid, rq->actor.scope.region))
		grid = NULL;
	if (!grid)
		return pa_errf(PA_NOT_FOUND, NULL, "the point (%.6f, %.6f) lies outside every grid",
			       lng, lat);
	PA_WITH_READ(rq->app, db, rc, rc = db->ops->region_get(db, grid, &rp->body));
	return rc;
}
