/* users.c: accounts as their administrators see them (GET/POST /api/v1/users) and what the
 * security administrator does to one (unlock, reset its second factor). */
#include "http/http.h"

enum pa_err pa_h_users_list(struct pa_req *rq, struct pa_reply *rp)
{
	return pa_users_list(rq->app, &rq->actor, pa_req_query(rq, "username"),
			     pa_req_query(rq, "limit"), pa_req_query(rq, "cursor"), &rp->out);
}

enum pa_err pa_h_user_add(struct pa_req *rq, struct pa_reply *rp)
{
	rp->status = 201;
	return pa_user_add(rq->app, &rq->actor, rq->body, rq->from, &rp->out);
}

static enum pa_err security(struct pa_req *rq, struct pa_reply *rp, bool reset, const char *said)
{
	int64_t id;
	enum pa_err rc = pa_req_id(rq, 0, &id);
	if (rc || (rc = pa_user_security(rq->app, &rq->actor, id, reset, rq->from)))
		return rc;
	rp->body = json_pack("{s:I, s:b}", "id", (json_int_t)id, said, 1);
	return PA_OK;
}

enum pa_err pa_h_user_unlock(struct pa_req *rq, struct pa_reply *rp)
{
	return security(rq, rp, false, "unlocked");
}

enum pa_err pa_h_user_totp_reset(struct pa_req *rq, struct pa_reply *rp)
{
	return security(rq, rp, true, "second_factor_reset");
}
