/* security.c: the audit log as the auditor reads it (GET /api/v1/audit) and its security
 * events as the security administrator does (GET /api/v1/security/events). Read only: no
 * route changes or stops the audit log. */
#include "http/http.h"

enum pa_err pa_h_audit(struct pa_req *rq, struct pa_reply *rp)
{
	return pa_audit_read(rq->app, &rq->actor, false, pa_req_query(rq, "limit"),
			     pa_req_query(rq, "cursor"), &rp->out);
}

enum pa_err pa_h_security_events(struct pa_req *rq, struct pa_reply *rp)
{
	return pa_audit_read(rq->app, &rq->actor, true, pa_req_query(rq, "limit"),
			     pa_req_query(rq, "cursor"), &rp->out);
}
