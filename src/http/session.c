/* session.c: log-in, who-am-I and log-out (POST/GET/DELETE /api/v1/session), and what a
 * session does with its own credentials: a new password, a second factor. */
#include "core/clock.h"
#include "core/jspec.h"
#include "http/http.h"

static const struct pa_jspec login_spec[] = {
	{"username", PA_JT_STRING, true, 60},
	{"password", PA_JT_STRING, true, 200},
	{"otp", PA_JT_STRING, false, 16},
	{"recovery_code", PA_JT_STRING, false, 40},
	{NULL, 0, false, 0},
};

/* {user, needs, expires_in, idle_timeout}: what a session is, may do, and how long it lasts
 * at most (seconds left) and unused. */
static json_t *session_json(struct pa_req *rq, const struct pa_actor *a)
{
	int64_t left = a->user.session_expires ? a->user.session_expires - pa_now()
					       : rq->app->login.session_max;
	return json_pack("{s:o, s:o, s:I, s:i}", "user", pa_actor_json(rq->app, a), "needs",
			 pa_needs_json(a->needs), "expires_in", (json_int_t)(left > 0 ? left : 0),
			 "idle_timeout", rq->app->login.session_idle);
}

enum pa_err pa_h_session_create(struct pa_req *rq, struct pa_reply *rp)
{
	enum pa_err rc = pa_jspec_check(rq->body, login_spec, NULL);
	if (rc)
		return rc;
	struct pa_login_in in = {.username = pa_json_str(rq->body, "username"),
				 .password = pa_json_str(rq->body, "password"),
				 .otp = pa_json_str(rq->body, "otp"),
				 .recovery_code = pa_json_str(rq->body, "recovery_code"),
				 .from = rq->from};
	struct pa_session_out s;
	if ((rc = pa_login(rq->app, &in, &s)))
		return rc;
	rp->body = session_json(rq, &s.actor);
	json_object_set_new(rp->body, "token", json_string(s.token));
	if (s.recovery_left >= 0)
		json_object_set_new(rp->body, "recovery_codes_left", json_integer(s.recovery_left));
	/* Secure when the browser spoke TLS (to the proxy in front): the cookie then never
	 * travels in clear */
	rp->cookie = pa_sprintf(
		rq->arena, "pingan_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
		s.token, rq->app->login.session_max, rq->https ? "; Secure" : "");
	return PA_OK;
}

enum pa_err pa_h_session_get(struct pa_req *rq, struct pa_reply *rp)
{
	rp->body = session_json(rq, &rq->actor);
	return PA_OK;
}

enum pa_err pa_h_session_delete(struct pa_req *rq, struct pa_reply *rp)
{
	enum pa_err rc = pa_logout(rq->app, &rq->actor, rq->token);
	if (rc)
		return rc;
	rp->body = json_pack("{s:b}", "logged_out", 1);
	rp->cookie =
		rq->https ? "pingan_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure"
			  : "pingan_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
	return PA_OK;
}

enum pa_err pa_h_session_password(struct pa_req *rq, struct pa_reply *rp)
{
	enum pa_err rc = pa_password_change(rq->app, &rq->actor, rq->token, rq->body, rq->from);
	if (rc)
		return rc;
	rp->body = json_pack("{s:b}", "changed", 1);
	return PA_OK;
}

enum pa_err pa_h_session_totp(struct pa_req *rq, struct pa_reply *rp)
{
	return pa_totp_begin(rq->app, &rq->actor, rq->body, rq->from, &rp->body);
}

enum pa_err pa_h_session_totp_confirm(struct pa_req *rq, struct pa_reply *rp)
{
	return pa_totp_confirm(rq->app, &rq->actor, rq->token, rq->body, rq->from, &rp->body);
}
