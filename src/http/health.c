/* health.c: GET /healthz — the process is up and its store answers. */
#include "http/http.h"

enum pa_err pa_h_health(struct pa_req *rq, struct pa_reply *rp)
{
	int version = 0;
	enum pa_err rc = PA_OK;
	PA_WITH_READ(rq->app, db, rc, rc = db->ops->version(db, &version));
	if (rc)
		return rc;
	rp->body = json_pack("{s:s, s:i, s:i}", "status", "ok", "schema", version, "grids",
			     pa_geo_index_count(rq->app->geo));
	return PA_OK;
}
