/* auth.c: passwords (argon2id), sessions (random tokens stored only as SHA-256), and the
 * actor (role + scope) every request runs as. */
#include <pthread.h>
#include <time.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/gate.h"
#include "service/app.h"

/* Recently seen sessions, so most requests skip the session query. An entry is trusted
 * for SESSION_CACHE_TTL seconds; log-out in this process drops it at once, a session
 * ended elsewhere (another process) is honoured within the TTL. */
#define SESSION_CACHE_SLOTS 1024
#define SESSION_CACHE_TTL   10

static struct {
	uint8_t hash[32];
	struct pa_user user;
	int64_t until;
} session_cache[SESSION_CACHE_SLOTS];
static pthread_mutex_t session_mu = PTHREAD_MUTEX_INITIALIZER;
/* Bumped by every log-out: a session read from the store before a log-out finished must
 * not be put back into the cache after it. */
static uint64_t session_epoch;

static uint64_t epoch_now(void)
{
	pthread_mutex_lock(&session_mu);
	uint64_t e = session_epoch;
	pthread_mutex_unlock(&session_mu);
	return e;
}

static unsigned slot_of(const uint8_t h[32])
{
	return ((unsigned)h[0] | (unsigned)h[1] << 8) % SESSION_CACHE_SLOTS;
}

static bool cache_get(const uint8_t h[32], int64_t now, struct pa_user *u)
{
	unsigned i = slot_of(h);
	bool hit = false;
	pthread_mutex_lock(&session_mu);
	if (session_cache[i].until > now && memcmp(session_cache[i].hash, h, 32) == 0) {
		*u = session_cache[i].user;
		hit = true;
	}
	pthread_mutex_unlock(&session_mu);
	return hit;
}

static void cache_put(const uint8_t h[32], const struct pa_user *u, int64_t until, uint64_t epoch)
{
	unsigned i = slot_of(h);
	pthread_mutex_lock(&session_mu);
	if (epoch == session_epoch) {
		memcpy(session_cache[i].hash, h, 32);
		session_cache[i].user = *u;
		session_cache[i].until = until;
	}
	pthread_mutex_unlock(&session_mu);
}

static void cache_drop(const uint8_t h[32])
{
	unsigned i = slot_of(h);
	pthread_mutex_lock(&session_mu);
	if (memcmp(session_cache[i].hash, h, 32) == 0)
		session_cache[i].until = 0;
	session_epoch++;
	pthread_mutex_unlock(&session_mu);
}

enum pa_err pa_password_hash(const char *password, char out[128])
{
	if (sodium_init() < 0)
		return pa_errf(PA_INTERNAL, NULL, "libsodium failed to initialise");
	if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return pa_errf(PA_INTERNAL, NULL, "out of memory while hashing a password");
	return PA_OK;
}

static void token_hash(const char *token, uint8_t out[32])
{
	crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
}

static enum pa_err actor_from(const struct pa_app *app, const struct pa_user *u, struct pa_actor *a)
{
	memset(a, 0, sizeof *a);
	a->user = *u;
	a->role = pa_catalog_role(app->cat, u->role);
	/* A role the data files no longer define grants nothing. */
	if (!a->role)
		return pa_errf(PA_FORBIDDEN, NULL,
			       "your role %s is not defined; ask an administrator", u->role);
	snprintf(a->scope.region, sizeof a->scope.region, "%s", u->region);
	a->scope.by_unit = a->role->scope == PA_SCOPE_UNIT;
	a->scope.unit_id = u->unit_id;
	return PA_OK;
}

struct session_job {
	uint8_t hash[32];
	int64_t user_id, now, expires;
	bool delete;
};

static enum pa_err session_job(struct pa_db *db, void *arg)
{
	struct session_job *j = arg;
	if (j->delete)
		return db->ops->session_delete(db, j->hash);
	return db->ops->session_put(db, j->hash, j->user_id, j->now, j->expires);
}

static char dummy[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
	if (pa_password_hash("pingan-no-such-user", dummy))
		dummy[0] = 0;
}

/* Each argon2id check takes 64 MiB for ~50 ms: at most 4 run at once, so a flood of
 * log-ins cannot exhaust memory; one that waits over 10 s is told to try again. */
static struct pa_gate login_gate = PA_GATE_INIT(4);

static enum pa_err verify_password(const char *hash, const char *password, bool *ok)
{
	if (!pa_gate_enter(&login_gate, 10))
		return pa_errf(PA_UNAVAILABLE, NULL,
			       "too many log-ins at once; try again in a moment");
	*ok = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
	pa_gate_leave(&login_gate);
	return PA_OK;
}

enum pa_err pa_login(struct pa_app *app, const char *username, const char *password, char token[64],
		     struct pa_actor *actor)
{
	/* A fixed hash to verify against when the user does not exist, so a wrong username
	 * costs the same time as a wrong password. */
	pthread_once(&dummy_once, make_dummy);
	if (!*dummy)
		return pa_errf(PA_INTERNAL, NULL, "cannot prepare password checks");
	struct pa_user u;
	char hash[crypto_pwhash_STRBYTES + 1] = {0};
	enum pa_err rc = PA_OK;
	PA_WITH_READ(app, db, rc, rc = db->ops->user_by_name(db, username, &u, hash, sizeof hash));
	if (rc && rc != PA_NOT_FOUND)
		return rc;
	bool found = rc == PA_OK, good = false;
	if ((rc = verify_password(found ? hash : dummy, password, &good)))
		return rc;
	if (!found || !good)
		return pa_errf(PA_BAD_CREDENTIALS, NULL, "wrong username or password");
	if ((rc = actor_from(app, &u, actor)))
		return rc;

	uint8_t raw[32];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(token, 64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	struct session_job j = {.user_id = u.id, .now = pa_now()};
	j.expires = j.now + (int64_t)app->session_hours * 3600;
	token_hash(token, j.hash);
	return pa_writer_run(app->writer, session_job, &j);
}

enum pa_err pa_authenticate(struct pa_app *app, const char *token, struct pa_actor *actor)
{
	if (!token || strlen(token) != 43)
		return pa_errf(PA_UNAUTHENTICATED, NULL, "log in first: no valid session token");
	uint8_t h[32];
	token_hash(token, h);
	struct pa_user u;
	int64_t now = pa_now();
	if (cache_get(h, now, &u))
		return actor_from(app, &u, actor);
	enum pa_err rc = PA_OK;
	uint64_t epoch = epoch_now();
	PA_WITH_READ(app, db, rc, rc = db->ops->session_user(db, h, now, &u));
	if (rc == PA_NOT_FOUND)
		return pa_errf(PA_UNAUTHENTICATED, NULL, "your session has ended; log in again");
	if (rc)
		return rc;
	int64_t until = now + SESSION_CACHE_TTL;
	cache_put(h, &u, u.session_expires && u.session_expires < until ? u.session_expires : until,
		  epoch);
	return actor_from(app, &u, actor);
}

enum pa_err pa_logout(struct pa_app *app, const char *token)
{
	struct session_job j = {.delete = true};
	token_hash(token, j.hash);
	enum pa_err rc = pa_writer_run(app->writer, session_job, &j);
	cache_drop(j.hash);
	return rc;
}

json_t *pa_actor_json(const struct pa_app *app, const struct pa_actor *a)
{
	(void)app;
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s}", "id",
			 (json_int_t)a->user.id, "username", a->user.username, "name", a->user.name,
			 "role", a->user.role, "role_name", a->role ? a->role->name : "", "region",
			 a->user.region, "unit_id",
			 a->user.unit_id ? json_integer(a->user.unit_id) : json_null(), "unit_name",
			 a->user.unit_id ? json_string(a->user.unit_name) : json_null(), "scope",
			 a->scope.by_unit ? "unit" : "region");
}

enum pa_err pa_user_create(struct pa_db *db, const struct pa_catalog *cat, const char *username,
			   const char *password, const char *pw_hash, const char *role,
			   const char *region, int64_t unit_id, const char *name, int64_t *id)
{
	if (!username || !*username || strlen(username) > 60)
		return pa_errf(PA_BAD_FIELD, "username", "a username needs 1 to 60 characters");
	for (const char *p = username; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return pa_errf(PA_BAD_FIELD, "username",
				       "a username uses letters, digits, _ . and - only");
	if (!pa_catalog_role(cat, role))
		return pa_errf(PA_BAD_FIELD, "role", "unknown role %s", role);
	if (!pa_region_code_valid(region))
		return pa_errf(PA_BAD_FIELD, "region", "%s is not a region code", region);
	if (!pw_hash && !password)
		return pa_errf(PA_MISSING_FIELD, "password", "a password is needed");
	enum pa_err rc;
	if (!pw_hash && (rc = pa_password_check(password, username, cat->pwlist, "password")))
		return rc;
	json_t *r = NULL;
	rc = db->ops->region_get(db, region, &r);
	json_decref(r);
	if (rc)
		return pa_errf(PA_BAD_FIELD, "region", "no region with code %s", region);
	if (unit_id) {
		json_t *u = NULL;
		rc = db->ops->unit_get(db, unit_id, &u);
		json_decref(u);
		if (rc)
			return pa_errf(PA_BAD_FIELD, "unit", "no unit with id %lld",
				       (long long)unit_id);
	}
	char hash[128];
	if (!pw_hash && (rc = pa_password_hash(password, hash)))
		return rc;
	struct pa_user_in in = {.username = username,
				.pw_hash = pw_hash ? pw_hash : hash,
				.role = role,
				.region = region,
				.unit_id = unit_id,
				.name = name ? name : username,
				.created_at = pa_now()};
	return db->ops->user_put(db, &in, id);
}
