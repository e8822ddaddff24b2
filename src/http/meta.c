/* meta.c: what the catalog and the organisation look like (case types). */
#include "http/http.h"

enum pa_err pa_h_case_types(struct pa_req *rq, struct pa_reply *rp)
{
	rp->body = pa_case_types_json(rq->app->cat);
	return PA_OK;
}
