/* routing.c: the routing rules in force and their recorded versions (GET and PUT
 * /api/v1/routing, GET /api/v1/routing/versions). */
#include "http/http.h"

enum pa_err pa_h_routing_get(struct pa_req *rq, struct pa_reply *rp)
{
	return pa_routing_current(rq->app, &rq->actor, &rp->out);
}

enum pa_err pa_h_routing_put(struct pa_req *rq, struct pa_reply *rp)
{
	return pa_routing_put(rq->app, &rq->actor, rq->body, pa_req_header(rq, "Idempotency-Key"),
			      &rp->out);
}

enum pa_err pa_h_routing_versions(struct pa_req *rq, struct pa_reply *rp)
{
	return pa_routing_history(rq->app, &rq->actor, pa_req_query(rq, "limit"),
				  pa_req_query(rq, "cursor"), &rp->out);
}
