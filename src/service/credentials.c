/* credentials.c: what an account does with its own credentials in a session — replace its
 * password, enrol a second factor (an RFC 6238 key confirmed by its first code, and ten
 * one-time recovery codes kept only as hashes). Each change is audited with it. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/jspec.h"
#include "core/seal.h"
#include "core/totp.h"
#include "service/internal.h"

#define RECOVERY_CODES 10

/* Recovery codes are 16 characters of Crockford's base32 (80 bits: guessing is hopeless,
 * so a plain SHA-256 keeps them), shown in groups of four. Read back leniently: case,
 * dashes and spaces do not matter, and i, l, o read as 1, 1, 0. */
static const char crockford[] = "0123456789abcdefghjkmnpqrstvwxyz";

void recovery_hash(const char *code, char out[65])
{
	char norm[64];
	size_t n = 0;
	for (const char *p = code; *p && n < sizeof norm - 1; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
		if (c == '-' || c == ' ')
			continue;
		norm[n++] = c == 'i' || c == 'l' ? '1' : c == 'o' ? '0' : c;
	}
	norm[n] = 0;
	uint8_t h[32];
	crypto_hash_sha256(h, (const unsigned char *)norm, n);
	sodium_bin2hex(out, 65, h, sizeof h);
}

static void recovery_code(char out[20])
{
	uint8_t raw[16];
	randombytes_buf(raw, sizeof raw);
	int k = 0;
	for (int i = 0; i < 16; i++) {
		if (i && i % 4 == 0)
			out[k++] = '-';
		out[k++] = crockford[raw[i] & 31];
	}
	out[k] = 0;
}

/* The key of a second factor is a secret like a password, but one pingan must read back:
 * it is sealed with the personal-data key (outside the database), its associated data
 * naming the account, so a copy of the database alone does not give the codes. */
static void totp_ad(char out[32], int64_t user_id)
{
	snprintf(out, 32, "totp:%lld", (long long)user_id);
}

const char *totp_key_seal(const struct pa_app *app, struct pa_arena *a, int64_t user_id,
			  const uint8_t key[20])
{
	char hex[41], ad[32];
	sodium_bin2hex(hex, sizeof hex, key, 20);
	totp_ad(ad, user_id);
	const char *sealed = pa_seal(a, app->seal, ad, hex);
	sodium_memzero(hex, sizeof hex);
	return sealed;
}

enum pa_err totp_key_open(const struct pa_app *app, int64_t user_id, const char *sealed,
			  uint8_t key[20])
{
	char ad[32];
	totp_ad(ad, user_id);
	struct pa_arena a;
	pa_arena_init(&a);
	const char *hex = NULL;
	size_t n = 0;
	enum pa_err rc = pa_sealed(sealed) ? pa_unseal(&a, app->seal, ad, sealed, &hex)
					   : pa_errf(PA_INTERNAL, NULL,
						     "a second factor's key is "
						     "not sealed");
	if (!rc && (sodium_hex2bin(key, 20, hex, strlen(hex), NULL, &n, NULL) != 0 || n != 20))
		rc = pa_errf(PA_INTERNAL, NULL, "a second factor's key is damaged");
	if (hex)
		sodium_memzero((char *)hex, strlen(hex));
	pa_arena_free(&a);
	return rc;
}

/* Check the account's own password, counting a wrong one towards the lock (a stolen
 * session must not become a way to guess it). */
static enum pa_err own_password(struct pa_app *app, const struct pa_actor *a, const char *pw,
				const char *field, const char *from, struct pa_user_auth *auth)
{
	enum pa_err rc = PA_OK;
	PA_WITH_READ(app, db, rc, rc = db->ops->user_auth(db, a->user.id, auth));
	bool good = false;
	if (rc || (rc = login_locked(app, a->user.username, a->user.id, from)) ||
	    (rc = password_verify(auth->pw_hash, pw, &good)))
		return rc;
	if (good)
		return PA_OK;
	pa_errf(PA_BAD_FIELD, field, "that is not the account's current password");
	return login_failed(app, a->user.username, a->user.id, "password", from, PA_BAD_FIELD);
}

struct cred_job {
	const struct pa_actor *a;
	uint8_t session[32];
	const char *from;
	int64_t at;
	/* a new password's hash; or a key offered; or a key confirmed with its first step
	 * and the recovery codes' hashes */
	const char *pw_hash;
	const char *key; /* sealed */
	int64_t step;
	const char *const *codes;
};

static enum pa_err audit_self(struct pa_db *db, const struct cred_job *j, const char *action)
{
	char subject[32];
	snprintf(subject, sizeof subject, "user:%lld", (long long)j->a->user.id);
	return login_audit(db, j->a->user.id, action, subject,
			   json_pack("{s:s}", "from", j->from ? j->from : ""), j->at);
}

static enum pa_err password_job(struct pa_db *db, void *arg)
{
	struct cred_job *j = arg;
	int64_t id = j->a->user.id;
	enum pa_err rc = db->ops->user_password_set(db, id, j->pw_hash, false, j->at);
	if (!rc)
		rc = db->ops->sessions_end(db, id, j->session);
	if (!rc)
		rc = db->ops->session_needs_set(db, j->session, j->a->needs & ~PA_NEEDS_PASSWORD);
	return rc ? rc : audit_self(db, j, "auth.password_changed");
}

static const struct pa_jspec password_spec[] = {
	{"old", PA_JT_STRING, true, 200},
	{"new", PA_JT_STRING, true, 200},
	{NULL, 0, false, 0},
};

enum pa_err pa_password_change(struct pa_app *app, const struct pa_actor *a, const char *token,
			       json_t *body, const char *from)
{
	enum pa_err rc = pa_jspec_check(body, password_spec, NULL);
	if (rc)
		return rc;
	const char *old = pa_json_str(body, "old"), *pw = pa_json_str(body, "new");
	if ((rc = pa_password_check(pw, a->user.username, app->cat->pwlist, "new")))
		return rc;
	if (strcmp(old, pw) == 0)
		return pa_errf(PA_BAD_FIELD, "new", "the new password must differ from the old");
	struct pa_user_auth auth;
	if ((rc = own_password(app, a, old, "old", from, &auth)))
		return rc;
	char hash[128];
	if ((rc = pa_password_hash(pw, hash)))
		return rc;
	struct cred_job j = {.a = a, .from = from, .at = pa_now(), .pw_hash = hash};
	token_hash(token, j.session);
	rc = pa_writer_run(app->writer, password_job, &j);
	sodium_memzero(hash, sizeof hash);
	/* every other session of the account has ended; this one may do more now */
	sessions_forget_user(a->user.id);
	return rc;
}

static enum pa_err offer_job(struct pa_db *db, void *arg)
{
	struct cred_job *j = arg;
	return db->ops->totp_offer(db, j->a->user.id, j->key);
}

static const struct pa_jspec begin_spec[] = {
	{"password", PA_JT_STRING, true, 200},
	{NULL, 0, false, 0},
};

enum pa_err pa_totp_begin(struct pa_app *app, const struct pa_actor *a, json_t *body,
			  const char *from, json_t **out)
{
	enum pa_err rc = pa_jspec_check(body, begin_spec, NULL);
	if (rc)
		return rc;
	struct pa_user_auth auth;
	if ((rc = own_password(app, a, pa_json_str(body, "password"), "password", from, &auth)))
		return rc;
	if (auth.totp_on)
		return pa_errf(PA_CONFLICT, NULL,
			       "this account has a second factor already; a security "
			       "administrator can reset it");
	uint8_t key[PA_TOTP_KEY];
	randombytes_buf(key, sizeof key);
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct cred_job j = {.a = a, .key = totp_key_seal(app, &ar, a->user.id, key)};
	rc = pa_writer_run(app->writer, offer_job, &j);
	pa_arena_free(&ar);
	if (rc) {
		sodium_memzero(key, sizeof key);
		return rc;
	}
	char b32[40];
	pa_base32(key, sizeof key, b32);
	sodium_memzero(key, sizeof key);
	/* the key URI format of Google Authenticator, which every authenticator app reads;
	 * usernames hold only characters a URI keeps as they are */
	char uri[256];
	snprintf(uri, sizeof uri,
		 "otpauth://totp/pingan:%s?secret=%s&issuer=pingan&algorithm=SHA1&digits=%d"
		 "&period=%d",
		 a->user.username, b32, PA_TOTP_DIGITS, PA_TOTP_PERIOD);
	*out = json_pack("{s:s, s:s, s:i, s:i, s:s}", "secret", b32, "uri", uri, "digits",
			 PA_TOTP_DIGITS, "period", PA_TOTP_PERIOD, "algorithm", "SHA1");
	sodium_memzero(b32, sizeof b32);
	return PA_OK;
}

static enum pa_err confirm_job(struct pa_db *db, void *arg)
{
	struct cred_job *j = arg;
	enum pa_err rc =
		db->ops->totp_confirm(db, j->a->user.id, j->step, j->codes, RECOVERY_CODES);
	if (rc == PA_NOT_FOUND)
		return pa_errf(PA_CONFLICT, NULL, "no key awaits its first code: ask for one");
	if (!rc)
		rc = db->ops->session_needs_set(db, j->session, j->a->needs & ~PA_NEEDS_TOTP);
	return rc ? rc : audit_self(db, j, "auth.totp_enrolled");
}

static const struct pa_jspec confirm_spec[] = {
	{"code", PA_JT_STRING, true, 16},
	{NULL, 0, false, 0},
};

enum pa_err pa_totp_confirm(struct pa_app *app, const struct pa_actor *a, const char *token,
			    json_t *body, const char *from, json_t **out)
{
	enum pa_err rc = pa_jspec_check(body, confirm_spec, NULL);
	if (rc)
		return rc;
	struct pa_user_auth auth;
	PA_WITH_READ(app, db, rc, rc = db->ops->user_auth(db, a->user.id, &auth));
	if (rc)
		return rc;
	if (auth.totp_on)
		return pa_errf(PA_CONFLICT, NULL, "this account has a second factor already");
	if (!auth.totp_pending)
		return pa_errf(PA_CONFLICT, NULL, "no key awaits its first code: ask for one");
	struct cred_job j = {.a = a, .from = from, .at = pa_now()};
	uint8_t key[PA_TOTP_KEY];
	rc = totp_key_open(app, a->user.id, auth.totp_next, key);
	sodium_memzero(&auth, sizeof auth);
	if (rc)
		return rc;
	j.step = pa_totp_match(key, sizeof key, pa_json_str(body, "code"), j.at);
	sodium_memzero(key, sizeof key);
	if (j.step < 0)
		return pa_errf(PA_BAD_FIELD, "code",
			       "the code does not match the key; check the device's time and type "
			       "the code it shows now");
	char codes[RECOVERY_CODES][20], hashes[RECOVERY_CODES][65];
	const char *hp[RECOVERY_CODES];
	for (int i = 0; i < RECOVERY_CODES; i++) {
		recovery_code(codes[i]);
		recovery_hash(codes[i], hashes[i]);
		hp[i] = hashes[i];
	}
	j.codes = hp;
	token_hash(token, j.session);
	if ((rc = pa_writer_run(app->writer, confirm_job, &j)))
		return rc;
	session_forget(token);
	json_t *list = json_array();
	for (int i = 0; i < RECOVERY_CODES; i++)
		json_array_append_new(list, json_string(codes[i]));
	sodium_memzero(codes, sizeof codes);
	*out = json_pack("{s:b, s:o}", "enrolled", 1, "recovery_codes", list);
	return PA_OK;
}
