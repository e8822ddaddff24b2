/* session.c: log-in, who-am-I and log-out (POST/GET/DELETE /api/v1/session). */
#include "core/jspec.h"
#include "http/http.h"

static const struct pa_jspec login_spec[] = {
	{"username", PA_JT_STRING, true, 60},
	{"password", PA_JT_STRING, true, 200},
	{NULL, 0, false, 0},
};

enum pa_err pa_h_session_create(struct pa_req *rq, struct pa_reply *rp)
{
	enum pa_err rc = pa_jspec_check(rq->body, login_spec, NULL);
	if (rc)
		return rc;
	char token[64];
	struct pa_actor a;
	if ((rc = pa_login(rq->app, pa_json_str(rq->body, "username"),
			   pa_json_str(rq->body, "password"), token, &a)))
		return rc;
	rp->body = json_pack("{s:s, s:o, s:i}", "token", token, "user", pa_actor_json(rq->app, &a),
			     "expires_in", rq->app->session_hours * 3600);
	rp->cookie = pa_sprintf(rq->arena,
				"pingan_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d",
				token, rq->app->session_hours * 3600);
	return PA_OK;
}

enum pa_err pa_h_session_get(struct pa_req *rq, struct pa_reply *rp)
{
	rp->body = json_pack("{s:o}", "user", pa_actor_json(rq->app, &rq->actor));
	return PA_OK;
}

enum pa_err pa_h_session_delete(struct pa_req *rq, struct pa_reply *rp)
{
	enum pa_err rc = pa_logout(rq->app, rq->token);
	if (rc)
		return rc;
	rp->body = json_pack("{s:b}", "logged_out", 1);
	rp->cookie = "pingan_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
	return PA_OK;
}
