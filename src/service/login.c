/* login.c: log-in — the lock after repeated failures, the password, the second factor —
 * and the session it opens, each step audited. An unknown username goes through the same
 * steps as a known one (a password check against a fixed hash, failures counted and locked
 * under the name), so no answer and no timing tells whether an account exists. */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/totp.h"
#include "service/internal.h"

/* The audit subject of a log-in under username: the account, or the name tried. */
/* Who a failure is on record against: the account (user:ID), or user:unknown — never the
 * name typed, which may be a password put in the wrong field. The lock itself is kept
 * under the name typed (login_failures), outside the audit log. */
static void subject_of(char *out, size_t cap, int64_t user_id)
{
	if (user_id)
		snprintf(out, cap, "user:%lld", (long long)user_id);
	else
		snprintf(out, cap, "user:unknown");
}

struct fail_job {
	const struct pa_login_policy *p;
	const char *username, *reason, *from;
	int64_t user_id, now;
	struct pa_login_failures f; /* after */
};

static enum pa_err fail_job(struct pa_db *db, void *arg)
{
	struct fail_job *j = arg;
	struct pa_login_failures *f = &j->f;
	/* failures whose window and lock have passed are forgotten as we go */
	enum pa_err rc =
		db->ops->login_failures_clear(db, "", j->now - j->p->lock_window - j->p->lock_time);
	if (rc || (rc = db->ops->login_failures_get(db, j->username, f)))
		return rc;
	if (!f->first_at || j->now - f->first_at >= j->p->lock_window ||
	    (f->locked_until && f->locked_until <= j->now))
		*f = (struct pa_login_failures){.first_at = j->now};
	f->failures++;
	if (f->failures >= j->p->lock_after)
		f->locked_until = j->now + j->p->lock_time;
	char subject[96];
	subject_of(subject, sizeof subject, j->user_id);
	if ((rc = db->ops->login_failures_put(db, j->username, f)) ||
	    (rc = login_audit(db, 0, "auth.login_failed", subject,
			      json_pack("{s:s, s:s, s:i}", "reason", j->reason, "from", j->from,
					"failures", f->failures),
			      j->now)))
		return rc;
	if (f->locked_until)
		rc = login_audit(db, 0, "auth.locked", subject,
				 json_pack("{s:i, s:I, s:s}", "failures", f->failures, "until",
					   (json_int_t)f->locked_until, "from", j->from),
				 j->now);
	return rc;
}

static enum pa_err locked_answer(int64_t until, int64_t now)
{
	int64_t wait = until - now;
	if (wait > 60)
		pa_errf(PA_ACCOUNT_LOCKED, NULL,
			"too many failed log-ins: this account is locked for %lld more minutes; "
			"try again later or ask a security administrator to unlock it",
			(long long)(wait + 59) / 60);
	else
		pa_errf(PA_ACCOUNT_LOCKED, NULL,
			"too many failed log-ins: this account is locked for one more minute; "
			"try again later or ask a security administrator to unlock it");
	pa_err_retry_after((int)wait);
	return PA_ACCOUNT_LOCKED;
}

enum pa_err login_failed(struct pa_app *app, const char *username, int64_t user_id,
			 const char *reason, const char *from, enum pa_err answer)
{
	struct pa_errinfo said = *pa_err_last();
	struct fail_job j = {.p = &app->login,
			     .username = username,
			     .reason = reason,
			     .from = from ? from : "",
			     .user_id = user_id,
			     .now = pa_now()};
	enum pa_err rc = pa_writer_run(app->writer, fail_job, &j);
	if (rc)
		return rc;
	if (j.f.locked_until)
		return locked_answer(j.f.locked_until, j.now);
	if (said.code == answer)
		pa_err_set_info(&said);
	return answer;
}

struct refused_job {
	const char *username, *from;
	int64_t user_id, now, until;
};

static enum pa_err refused_job(struct pa_db *db, void *arg)
{
	struct refused_job *j = arg;
	char subject[96];
	subject_of(subject, sizeof subject, j->user_id);
	return login_audit(db, 0, "auth.login_refused", subject,
			   json_pack("{s:s, s:s, s:I}", "reason", "locked", "from", j->from,
				     "until", (json_int_t)j->until),
			   j->now);
}

enum pa_err login_locked(struct pa_app *app, const char *username, int64_t user_id,
			 const char *from)
{
	struct pa_login_failures f;
	enum pa_err rc = PA_OK;
	PA_WITH_READ(app, db, rc, rc = db->ops->login_failures_get(db, username, &f));
	if (rc)
		return rc;
	int64_t now = pa_now();
	if (f.locked_until <= now)
		return PA_OK;
	struct refused_job j = {.username = username,
				.from = from ? from : "",
				.user_id = user_id,
				.now = now,
				.until = f.locked_until};
	if ((rc = pa_writer_run(app->writer, refused_job, &j)))
		return rc;
	return locked_answer(f.locked_until, now);
}

/* A fixed hash to check against when the user does not exist, so a wrong username costs
 * the same time as a wrong password. */
static char dummy[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
	if (pa_password_hash("pingan-no-such-user", dummy))
		dummy[0] = 0;
}

struct login_job {
	const struct pa_login_in *in;
	struct pa_user *u;
	uint8_t hash[32];
	int64_t now, expires, step; /* step: of the code taken, -1 = none */
	const char *recovery_hash;  /* of the recovery code used, or NULL */
	unsigned needs;
};

static enum pa_err login_job(struct pa_db *db, void *arg)
{
	struct login_job *j = arg;
	enum pa_err rc = db->ops->login_failures_clear(db, j->in->username, 0);
	if (!rc && j->step >= 0)
		rc = db->ops->totp_take(db, j->u->id, j->step);
	if (!rc && j->recovery_hash)
		rc = db->ops->recovery_use(db, j->u->id, j->recovery_hash, j->now);
	if (rc)
		return rc;
	if ((rc = db->ops->session_put(db, j->hash, j->u->id, j->now, j->expires, j->needs)))
		return rc;
	char subject[32], name[17];
	snprintf(subject, sizeof subject, "user:%lld", (long long)j->u->id);
	const char *factor = j->step >= 0 ? "totp" : j->recovery_hash ? "recovery_code" : "none";
	return login_audit(
		db, j->u->id, "auth.login", subject,
		json_pack("{s:s, s:s, s:s, s:o, s:I}", "session", session_name(j->hash, name),
			  "from", j->in->from ? j->in->from : "", "second_factor", factor, "needs",
			  pa_needs_json(j->needs), "expires", (json_int_t)j->expires),
		j->now);
}

enum pa_err pa_login(struct pa_app *app, const struct pa_login_in *in, struct pa_session_out *out)
{
	memset(out, 0, sizeof *out);
	out->recovery_left = -1;
	pthread_once(&dummy_once, make_dummy);
	if (!*dummy)
		return pa_errf(PA_INTERNAL, NULL, "cannot prepare password checks");
	if (in->otp && in->recovery_code)
		return pa_errf(PA_BAD_REQUEST, "recovery_code",
			       "give the one-time code or a recovery code, not both");
	struct pa_user u;
	struct pa_user_auth auth;
	enum pa_err rc = PA_OK;
	PA_WITH_READ(app, db, rc, {
		char h[8];
		rc = db->ops->user_by_name(db, in->username, &u, h, sizeof h);
		if (!rc)
			rc = db->ops->user_auth(db, u.id, &auth);
	});
	if (rc && rc != PA_NOT_FOUND)
		return rc;
	bool found = rc == PA_OK, good = false;
	int64_t uid = found ? u.id : 0;
	if ((rc = login_locked(app, in->username, uid, in->from)) ||
	    (rc = password_verify(found ? auth.pw_hash : dummy, in->password, &good)))
		return rc;
	if (!found || !good) {
		pa_errf(PA_BAD_CREDENTIALS, NULL, "wrong username or password");
		return login_failed(app, in->username, uid, found ? "password" : "no_account",
				    in->from, PA_BAD_CREDENTIALS);
	}
	struct login_job j = {.in = in, .u = &u, .now = pa_now(), .step = -1};
	char rhash[65];
	if (auth.totp_on) {
		if (!in->otp && !in->recovery_code)
			return pa_errf(PA_OTP_REQUIRED, "otp",
				       "this account also needs the one-time code of its "
				       "authenticator (or one of its recovery codes)");
		if (in->otp) {
			uint8_t key[PA_TOTP_KEY];
			if ((rc = totp_key_open(app, uid, auth.totp_secret, key)))
				return rc;
			j.step = pa_totp_match(key, sizeof key, in->otp, j.now);
			sodium_memzero(key, sizeof key);
			if (j.step <= auth.totp_last_step) {
				pa_errf(PA_BAD_OTP, "otp",
					"the one-time code is not right, or was used already");
				return login_failed(app, in->username, uid, "otp", in->from,
						    PA_BAD_OTP);
			}
		} else {
			recovery_hash(in->recovery_code, rhash);
			j.recovery_hash = rhash;
		}
	}
	if ((rc = actor_from(app, &u, &out->actor)))
		return rc;
	if (auth.must_change)
		j.needs |= PA_NEEDS_PASSWORD;
	if (!auth.totp_on && !auth.totp_exempt && !out->actor.role->totp_optional)
		j.needs |= PA_NEEDS_TOTP;
	out->actor.needs = j.needs;
	uint8_t raw[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out->token, sizeof out->token, raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	j.expires = j.now + app->login.session_max;
	token_hash(out->token, j.hash);
	rc = pa_writer_run(app->writer, login_job, &j);
	/* the code was taken meanwhile by another log-in, or the recovery code is not one of
	 * the account's unused ones */
	if (rc == PA_CONFLICT || (rc == PA_NOT_FOUND && j.recovery_hash)) {
		if (j.recovery_hash)
			pa_errf(PA_BAD_OTP, "recovery_code",
				"the recovery code is not right, or was used already");
		else
			pa_errf(PA_BAD_OTP, "otp",
				"the one-time code is not right, or was used already");
		return login_failed(app, in->username, uid,
				    j.recovery_hash ? "recovery_code" : "otp", in->from,
				    PA_BAD_OTP);
	}
	if (!rc && j.recovery_hash)
		out->recovery_left = auth.recovery_left - 1;
	return rc;
}
