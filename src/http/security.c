/* security.c: the security events as the security administrator reads them (GET
 * /api/v1/security/events): the audit log's records of accounts and log-ins. */
#include "http/http.h"

enum pa_err pa_h_security_events(struct pa_req *rq, struct pa_reply *rp)
{
	struct pa_audit_query q = {.limit = pa_req_query(rq, "limit"),
				   .cursor = pa_req_query(rq, "cursor"),
				   .security = true};
	return pa_audit_page(rq->app, &rq->actor, &q, &rp->out);
}
