/* audit.c: the audit log for the auditor (GET /api/v1/audit). */
#include "http/http.h"

enum pa_err pa_h_audit_list(struct pa_req *rq, struct pa_reply *rp)
{
	struct pa_audit_query q = {.limit = pa_req_query(rq, "limit"),
				   .cursor = pa_req_query(rq, "cursor"),
				   .subject = pa_req_query(rq, "subject"),
				   .actor = pa_req_query(rq, "actor"),
				   .action = pa_req_query(rq, "action")};
	return pa_audit_page(rq->app, &rq->actor, &q, &rp->out);
}
