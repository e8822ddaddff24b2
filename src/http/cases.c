/* cases.c: the case endpoints (/api/v1/cases…) and the statistics (/api/v1/stats). */
#include "http/http.h"

enum pa_err pa_h_cases_create(struct pa_req *rq, struct pa_reply *rp)
{
	enum pa_err rc = pa_case_create(rq->app, &rq->actor, rq->body,
					pa_req_header(rq, "Idempotency-Key"), &rp->out);
	rp->status = 201;
	return rc;
}

enum pa_err pa_h_cases_list(struct pa_req *rq, struct pa_reply *rp)
{
	struct pa_case_query q = {
		.status = pa_req_query(rq, "status"),
		.region = pa_req_query(rq, "region"),
		.category = pa_req_query(rq, "category"),
		.type = pa_req_query(rq, "type"),
		.q = pa_req_query(rq, "q"),
		.limit = pa_req_query(rq, "limit"),
		.cursor = pa_req_query(rq, "cursor"),
		.person = pa_req_query(rq, "person"),
		.queue = pa_req_query(rq, "queue"),
		.sort = pa_req_query(rq, "sort"),
	};
	return pa_case_search(rq->app, &rq->actor, &q, &rp->out);
}

enum pa_err pa_h_queues(struct pa_req *rq, struct pa_reply *rp)
{
	return pa_queues_count(rq->app, &rq->actor, &rp->out);
}

enum pa_err pa_h_case_get(struct pa_req *rq, struct pa_reply *rp)
{
	int64_t id;
	enum pa_err rc = pa_req_id(rq, 0, &id);
	if (rc)
		return rc;
	return pa_case_read(rq->app, &rq->actor, id, &rp->out);
}

enum pa_err pa_h_case_act(struct pa_req *rq, struct pa_reply *rp)
{
	int64_t id;
	enum pa_err rc = pa_req_id(rq, 0, &id);
	if (rc)
		return rc;
	return pa_case_act(rq->app, &rq->actor, id, rq->body, pa_req_header(rq, "Idempotency-Key"),
			   &rp->out);
}

enum pa_err pa_h_case_reveal(struct pa_req *rq, struct pa_reply *rp)
{
	int64_t id;
	enum pa_err rc = pa_req_id(rq, 0, &id);
	if (rc)
		return rc;
	return pa_case_reveal(rq->app, &rq->actor, id, rq->body, &rp->out);
}

enum pa_err pa_h_stats(struct pa_req *rq, struct pa_reply *rp)
{
	struct pa_stats_query q = {
		.region = pa_req_query(rq, "region"),
		.from = pa_req_query(rq, "from"),
		.to = pa_req_query(rq, "to"),
		.group = pa_req_query(rq, "group"),
	};
	return pa_stats_get(rq->app, &rq->actor, &q, &rp->body);
}

enum pa_err pa_h_ranking(struct pa_req *rq, struct pa_reply *rp)
{
	struct pa_stats_query q = {
		.region = pa_req_query(rq, "region"),
		.from = pa_req_query(rq, "from"),
		.to = pa_req_query(rq, "to"),
	};
	return pa_stats_ranking(rq->app, &rq->actor, &q, &rp->body);
}

enum pa_err pa_h_track(struct pa_req *rq, struct pa_reply *rp)
{
	return pa_case_track(rq->app, pa_req_query(rq, "code"), &rp->out);
}

enum pa_err pa_h_portal_submit(struct pa_req *rq, struct pa_reply *rp)
{
	enum pa_err rc =
		pa_portal_submit(rq->app, rq->body, pa_req_header(rq, "Idempotency-Key"), &rp->out);
	if (!rc)
		rp->status = 201;
	return rc;
}

enum pa_err pa_h_portal_catalog(struct pa_req *rq, struct pa_reply *rp)
{
	return pa_portal_catalog(rq->app, pa_req_query(rq, "city"), &rp->body);
}

enum pa_err pa_h_portal_rate(struct pa_req *rq, struct pa_reply *rp)
{
	return pa_portal_rate(rq->app, rq->body, &rp->out);
}
