/* units.c: the handling units — listed by everyone (GET /api/v1/units), added and changed by
 * the units administrator (POST /api/v1/units, PATCH /api/v1/units/{id}). */
#include "http/http.h"

enum pa_err pa_h_units_list(struct pa_req *rq, struct pa_reply *rp)
{
	struct pa_unit_query q = {
		.region = pa_req_query(rq, "region"),
		.kind = pa_req_query(rq, "kind"),
		.limit = pa_req_query(rq, "limit"),
		.cursor = pa_req_query(rq, "cursor"),
	};
	return pa_units_list(rq->app, &rq->actor, &q, &rp->body);
}

enum pa_err pa_h_unit_add(struct pa_req *rq, struct pa_reply *rp)
{
	rp->status = 201;
	return pa_unit_create(rq->app, &rq->actor, rq->body, rq->from,
			      pa_req_header(rq, "Idempotency-Key"), &rp->out);
}

enum pa_err pa_h_unit_change(struct pa_req *rq, struct pa_reply *rp)
{
	int64_t id;
	enum pa_err rc = pa_req_id(rq, 0, &id);
	if (rc)
		return rc;
	return pa_unit_change(rq->app, &rq->actor, id, rq->body, rq->from,
			      pa_req_header(rq, "Idempotency-Key"), &rp->out);
}
