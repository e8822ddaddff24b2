/* auth.c: passwords (argon2id), sessions (random tokens stored only as SHA-256, ending when
 * logged out, unused too long or too old), and the actor (role + scope) every request runs
 * as. Log-in itself is in login.c. */
#include <pthread.h>
#include <time.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/gate.h"
#include "core/log.h"
#include "service/internal.h"

/* Recently seen sessions, so most requests skip the session query. An entry is trusted
 * for SESSION_CACHE_TTL seconds; ending a session in this process drops it at once, a
 * session ended elsewhere (another process) is honoured within the TTL. An entry also
 * keeps when its session was last used, which the store learns at most once a
 * touch_every() — so idle expiry holds exactly while the entry lives, and to within that
 * much across a restart. */
#define SESSION_CACHE_SLOTS 1024
#define SESSION_CACHE_TTL   10

struct cached {
	uint8_t hash[32];
	struct pa_user user;
	int64_t until;         /* trusted without the store until then */
	int64_t seen, written; /* last used; last use the store knows of */
};

static struct cached session_cache[SESSION_CACHE_SLOTS];
static pthread_mutex_t session_mu = PTHREAD_MUTEX_INITIALIZER;
/* Bumped whenever sessions end: a session read from the store before they ended must not
 * be put back into the cache after it. */
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

/* 0: not cached; 1: cached and trusted; 2: cached but past its TTL (to be read again, its
 * last use kept). */
static int cache_get(const uint8_t h[32], int64_t now, struct cached *out)
{
	unsigned i = slot_of(h);
	int found = 0;
	pthread_mutex_lock(&session_mu);
	if (session_cache[i].seen && memcmp(session_cache[i].hash, h, 32) == 0) {
		*out = session_cache[i];
		found = session_cache[i].until > now ? 1 : 2;
	}
	pthread_mutex_unlock(&session_mu);
	return found;
}

static void cache_put(const struct cached *c, uint64_t epoch)
{
	unsigned i = slot_of(c->hash);
	pthread_mutex_lock(&session_mu);
	if (epoch == session_epoch)
		session_cache[i] = *c;
	pthread_mutex_unlock(&session_mu);
}

static void cache_drop(const uint8_t h[32])
{
	unsigned i = slot_of(h);
	pthread_mutex_lock(&session_mu);
	if (memcmp(session_cache[i].hash, h, 32) == 0)
		memset(&session_cache[i], 0, sizeof session_cache[i]);
	session_epoch++;
	pthread_mutex_unlock(&session_mu);
}

void sessions_forget_user(int64_t user_id)
{
	pthread_mutex_lock(&session_mu);
	for (int i = 0; i < SESSION_CACHE_SLOTS; i++)
		if (session_cache[i].seen && session_cache[i].user.id == user_id)
			memset(&session_cache[i], 0, sizeof session_cache[i]);
	session_epoch++;
	pthread_mutex_unlock(&session_mu);
}

void token_hash(const char *token, uint8_t out[32])
{
	crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
}

const char *session_name(const uint8_t hash[32], char buf[17])
{
	sodium_bin2hex(buf, 17, hash, 8);
	return buf;
}

void session_forget(const char *token)
{
	uint8_t h[32];
	token_hash(token, h);
	cache_drop(h);
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

/* Each argon2id check takes 64 MiB for ~50 ms: at most 4 run at once, so a flood of
 * log-ins cannot exhaust memory; one that waits over 10 s is told to try again. */
static struct pa_gate login_gate = PA_GATE_INIT(4);

enum pa_err password_verify(const char *hash, const char *password, bool *ok)
{
	if (!pa_gate_enter(&login_gate, 10))
		return pa_errf(PA_UNAVAILABLE, NULL,
			       "too many log-ins at once; try again in a moment");
	*ok = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
	pa_gate_leave(&login_gate);
	return PA_OK;
}

enum pa_err login_audit(struct pa_db *db, int64_t actor, const char *action, const char *subject,
			json_t *detail, int64_t at)
{
	char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(detail);
	if (!text)
		return pa_errf(PA_INTERNAL, NULL, "out of memory");
	struct pa_audit_in e = {
		.actor_id = actor, .at = at, .action = action, .subject = subject, .detail = text};
	enum pa_err rc = db->ops->audit_add(db, &e);
	free(text);
	return rc;
}

enum pa_err actor_from(const struct pa_app *app, const struct pa_user *u, struct pa_actor *a)
{
	memset(a, 0, sizeof *a);
	a->user = *u;
	a->role = pa_catalog_role(app->cat, u->role);
	/* A role the data files no longer define grants nothing. */
	if (!a->role)
		return pa_errf(PA_FORBIDDEN, NULL,
			       "your role %s is not defined; ask an administrator", u->role);
	snprintf(a->scope.region, sizeof a->scope.region, "%s", u->region);
	a->scope.by_unit = a->role->scope != PA_SCOPE_REGION;
	/* a role that sees no case is bound to a unit no case ever passed through */
	a->scope.unit_id = a->role->scope == PA_SCOPE_NONE ? -1 : u->unit_id;
	a->needs = u->session_needs;
	return PA_OK;
}

struct session_job {
	uint8_t hash[32];
	int64_t user_id, at;
	enum { END, TOUCH, LOGOUT } what;
	const char *from;
};

static enum pa_err session_job(struct pa_db *db, void *arg)
{
	struct session_job *j = arg;
	if (j->what == TOUCH)
		return db->ops->session_touch(db, j->hash, j->at);
	enum pa_err rc = db->ops->session_delete(db, j->hash);
	if (rc || j->what == END)
		return rc;
	char subject[32], name[17];
	snprintf(subject, sizeof subject, "user:%lld", (long long)j->user_id);
	return login_audit(db, j->user_id, "auth.logout", subject,
			   json_pack("{s:s, s:s}", "session", session_name(j->hash, name), "from",
				     j->from ? j->from : ""),
			   j->at);
}

/* How stale the store's record of a session's last use may grow: a tenth of the idle
 * limit, between 1 s and a minute. */
static int64_t touch_every(const struct pa_app *app)
{
	int64_t t = app->login.session_idle / 10;
	return t < 1 ? 1 : t > 60 ? 60 : t;
}

enum pa_err pa_authenticate(struct pa_app *app, const char *token, struct pa_actor *actor)
{
	if (!token || strlen(token) != 43)
		return pa_errf(PA_UNAUTHENTICATED, NULL, "log in first: no valid session token");
	struct cached c;
	token_hash(token, c.hash);
	int64_t now = pa_now();
	uint64_t epoch = epoch_now();
	int got = cache_get(c.hash, now, &c);
	if (got == 2 && now >= c.user.session_expires)
		got = 1; /* known to have ended by its limit: say so below */
	if (got != 1) {
		struct pa_user u;
		enum pa_err rc = PA_OK;
		PA_WITH_READ(app, db, rc, rc = db->ops->session_user(db, c.hash, now, &u));
		if (rc == PA_NOT_FOUND) {
			cache_drop(c.hash);
			return pa_errf(PA_UNAUTHENTICATED, NULL,
				       "your session has ended; log in again");
		}
		if (rc)
			return rc;
		if (!got || u.session_seen > c.seen)
			c.seen = c.written = u.session_seen;
		c.user = u;
	}
	if (now >= c.user.session_expires) {
		cache_drop(c.hash);
		return pa_errf(PA_UNAUTHENTICATED, NULL,
			       "your session has reached its time limit; log in again");
	}
	if (now - c.seen > app->login.session_idle) {
		struct session_job j = {.what = END};
		memcpy(j.hash, c.hash, 32);
		cache_drop(c.hash);
		pa_writer_run(app->writer, session_job, &j);
		return pa_errf(PA_UNAUTHENTICATED, NULL,
			       "your session ended after %d minutes unused; log in again",
			       app->login.session_idle / 60);
	}
	c.seen = now;
	if (now - c.written >= touch_every(app)) {
		struct session_job j = {.what = TOUCH, .at = now};
		memcpy(j.hash, c.hash, 32);
		/* a store that cannot write does not stop the reading: the use is noted later */
		if (pa_writer_run(app->writer, session_job, &j) == PA_OK)
			c.written = now;
		pa_err_clear();
	}
	c.until = now + SESSION_CACHE_TTL < c.user.session_expires ? now + SESSION_CACHE_TTL
								   : c.user.session_expires;
	cache_put(&c, epoch);
	return actor_from(app, &c.user, actor);
}

enum pa_err pa_logout(struct pa_app *app, const struct pa_actor *a, const char *token)
{
	struct session_job j = {.what = LOGOUT, .user_id = a->user.id, .at = pa_now()};
	token_hash(token, j.hash);
	enum pa_err rc = pa_writer_run(app->writer, session_job, &j);
	cache_drop(j.hash);
	return rc;
}

json_t *pa_actor_json(const struct pa_app *app, const struct pa_actor *a)
{
	(void)app;
	const char *scope = !a->role                          ? "region"
			    : a->role->scope == PA_SCOPE_NONE ? "none"
			    : a->scope.by_unit                ? "unit"
							      : "region";
	return json_pack(
		"{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s}", "id", (json_int_t)a->user.id,
		"username", a->user.username, "name", a->user.name, "role", a->user.role,
		"role_name", a->role ? a->role->name : "", "region", a->user.region, "unit_id",
		a->user.unit_id ? json_integer(a->user.unit_id) : json_null(), "unit_name",
		a->user.unit_id ? json_string(a->user.unit_name) : json_null(), "scope", scope);
}

json_t *pa_needs_json(unsigned needs)
{
	json_t *a = json_array();
	if (needs & PA_NEEDS_PASSWORD)
		json_array_append_new(a, json_string("password"));
	if (needs & PA_NEEDS_TOTP)
		json_array_append_new(a, json_string("totp"));
	return a;
}

enum pa_err pa_user_create(struct pa_db *db, const struct pa_catalog *cat,
			   const struct pa_account_new *n, int64_t *id)
{
	const char *username = n->username, *password = n->password, *pw_hash = n->pw_hash,
		   *role = n->role, *region = n->region, *name = n->name;
	int64_t unit_id = n->unit_id;
	if (!username || !*username || strlen(username) > 60)
		return pa_errf(PA_BAD_FIELD, "username", "a username needs 1 to 60 characters");
	for (const char *p = username; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return pa_errf(PA_BAD_FIELD, "username",
				       "a username uses letters, digits, _ . and - only");
	if (!pa_catalog_role(cat, role))
		return pa_errf(PA_BAD_FIELD, "role", "unknown role %s", role);
	if (strcmp(role, PA_PORTAL_ROLE) == 0)
		return pa_errf(PA_BAD_FIELD, "role",
			       "%s is the public portal's role: no account may have it", role);
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
			return pa_errf(PA_BAD_FIELD, "unit_id", "no unit with id %lld",
				       (long long)unit_id);
	}
	char hash[128];
	if (!pw_hash && (rc = pa_password_hash(password, hash)))
		return rc;
	/* a password set by someone else is replaced at the first log-in; the demo's accounts
	 * (the one published hash) ask for no second factor, so the demo can be tried */
	struct pa_user_in in = {.username = username,
				.pw_hash = pw_hash ? pw_hash : hash,
				.role = role,
				.region = region,
				.unit_id = unit_id,
				.name = name ? name : username,
				.created_at = pa_now(),
				.must_change = !pw_hash,
				.totp_exempt = pw_hash != NULL,
				.by = n->by,
				.from = n->from};
	return db->ops->user_put(db, &in, id);
}
