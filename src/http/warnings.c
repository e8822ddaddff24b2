/* warnings.c: fraud warnings (POST /api/v1/warnings, GET /api/v1/warnings/{id}). */
#include "http/http.h"

enum pa_err pa_h_warning_issue(struct pa_req *rq, struct pa_reply *rp)
{
	enum pa_err rc = pa_warning_issue(rq->app, &rq->actor, rq->body,
					  pa_req_header(rq, "Idempotency-Key"), &rp->out);
	rp->status = 201;
	return rc;
}

enum pa_err pa_h_warning_get(struct pa_req *rq, struct pa_reply *rp)
{
	int64_t id;
	enum pa_err rc = pa_req_id(rq, 0, &id);
	if (rc)
		return rc;
	return pa_warning_progress(rq->app, &rq->actor, id, &rp->body);
}
