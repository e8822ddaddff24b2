/* meta.c: what the catalog and the organisation look like (case types, units). */
#include "http/http.h"

enum pa_err pa_h_case_types(struct pa_req *rq, struct pa_reply *rp)
{
	rp->body = pa_case_types_json(rq->app->cat);
	return PA_OK;
}

enum pa_err pa_h_units_list(struct pa_req *rq, struct pa_reply *rp)
{
	json_t *items = NULL;
	enum pa_err rc = PA_OK;
	PA_WITH_READ(rq->app, db, rc, rc = db->ops->unit_list(db, rq->actor.user.region, &items));
	if (rc)
		return rc;
	rp->body = json_pack("{s:o}", "items", items);
	return PA_OK;
}
