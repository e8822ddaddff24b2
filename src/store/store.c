/* store.c: backend choice by URL and the pool of read connections. */
#include "store/store.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* without a limit, connections beyond these are closed when given back */
#define POOL_IDLE_MAX 64

enum pa_err pa_store_open(const char *url, struct pa_store **out)
{
	*out = NULL;
	if (!url || !*url)
		return pa_errf(PA_BAD_REQUEST, "db", "no database given (--db PATH)");
	struct pa_store *s = calloc(1, sizeof *s);
	s->ops = pa_store_is_pg(url) ? pa_pg_ops() : &pa_sqlite_ops;
	s->url = strdup(url);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->freed, NULL);
	*out = s;
	return PA_OK;
}

void pa_store_close(struct pa_store *s)
{
	if (!s)
		return;
	pa_store_close(s->replica);
	for (int i = 0; i < s->nidle; i++)
		s->ops->close(s->idle[i]);
	free(s->idle);
	free(s->url);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->freed);
	sodium_memzero(s->audit_key, sizeof s->audit_key);
	free(s);
}

bool pa_store_is_pg(const char *url)
{
	return strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
}

void pa_store_local_path(const char *url, char *out, size_t cap)
{
	if (!pa_store_is_pg(url)) {
		snprintf(out, cap, "%s", strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url);
		return;
	}
	/* the database's name: the path's last part, before any query */
	const char *p = strchr(url + 13, '/'), *dir = getenv("PINGAN_STATE_DIR");
	size_t n = p ? strcspn(p + 1, "?") : 0;
	snprintf(out, cap, "%s/%.*s", dir && *dir ? dir : ".", (int)n, p ? p + 1 : "");
	if (!n)
		snprintf(out, cap, "%s/pingan", dir && *dir ? dir : ".");
}

void pa_store_pool_set(struct pa_store *s, int max, int wait_ms)
{
	s->max_open = max > 0 ? max : 0;
	s->wait_ms = wait_ms > 0 ? wait_ms : 0;
}

enum pa_err pa_store_replica_set(struct pa_store *s, const char *url)
{
	if (!pa_store_is_pg(s->url) || !pa_store_is_pg(url))
		return pa_errf(PA_BAD_REQUEST, "db-replica",
			       "a replica is a PostgreSQL standby of a PostgreSQL --db");
	struct pa_store *r;
	enum pa_err rc = pa_store_open(url, &r);
	if (rc)
		return rc;
	pa_store_pool_set(r, s->max_open, s->wait_ms);
	/* one connection now: a wrong URL is said at start, not at the first list */
	struct pa_db *db = pa_store_acquire(r);
	if (!db) {
		rc = pa_err_last()->code;
		pa_store_close(r);
		return rc;
	}
	pa_store_release(r, db);
	s->replica = r;
	return PA_OK;
}

struct pa_store *pa_store_lists(struct pa_store *s)
{
	return s->replica ? s->replica : s;
}

struct pa_db *pa_store_acquire(struct pa_store *s)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += s->wait_ms / 1000;
	until.tv_nsec += (long)(s->wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->mu);
	/* all lent: wait for one back rather than open more than the server was sized for */
	int rc = 0;
	while (!s->nidle && s->max_open && s->nopen >= s->max_open && rc != ETIMEDOUT)
		rc = s->wait_ms ? pthread_cond_timedwait(&s->freed, &s->mu, &until) : ETIMEDOUT;
	struct pa_db *db = NULL;
	bool full = false;
	if (s->nidle)
		db = s->idle[--s->nidle];
	else if (s->max_open && s->nopen >= s->max_open)
		full = true;
	else
		s->nopen++; /* counted before it is opened, so no other thread takes the slot */
	int max = s->max_open;
	pthread_mutex_unlock(&s->mu);
	if (full) {
		pa_errf(PA_STORE_BUSY, NULL,
			"all %d database connections are in use (--db-pool); try again", max);
		return NULL;
	}
	if (!db && s->ops->open(s->url, false, &db)) {
		pthread_mutex_lock(&s->mu);
		s->nopen--;
		pthread_cond_signal(&s->freed);
		pthread_mutex_unlock(&s->mu);
		return NULL;
	}
	return db;
}

void pa_store_release(struct pa_store *s, struct pa_db *db)
{
	if (!db)
		return;
	pthread_mutex_lock(&s->mu);
	if (s->max_open || s->nidle < POOL_IDLE_MAX) {
		if (s->nidle == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 8;
			s->idle = realloc(s->idle, sizeof *s->idle * (size_t)s->cap);
		}
		s->idle[s->nidle++] = db;
		db = NULL;
	} else
		s->nopen--;
	pthread_cond_signal(&s->freed);
	pthread_mutex_unlock(&s->mu);
	if (db)
		s->ops->close(db);
}

enum pa_err pa_store_audit_key(struct pa_store *s, const char *path)
{
	char def[1100];
	if (!path) {
		pa_audit_key_path_of(s->url, def, sizeof def);
		path = def;
	}
	struct pa_db *w = NULL;
	int64_t n = 0;
	char chained[17] = "", mine[17];
	enum pa_err rc = s->ops->open(s->url, true, &w);
	if (!rc)
		rc = w->ops->audit_status(w, &n, chained);
	s->ops->close(w);
	if (!rc)
		rc = pa_audit_key_read(path, s->audit_key);
	if (rc == PA_NOT_FOUND) {
		/* a new key only for a log not yet begun: one with rows was chained with a key
		 * that must be found, not replaced */
		if (n > 0)
			return pa_errf(
				PA_BAD_REQUEST, "audit-key",
				"no audit key at %s, but the database's audit log holds %lld "
				"rows chained with one: give its key (--audit-key FILE)",
				path, (long long)n);
		rc = pa_audit_key_create(path, s->audit_key);
		if (rc == PA_CONFLICT) /* another process made it first: take theirs */
			rc = pa_audit_key_read(path, s->audit_key);
	}
	if (rc)
		return rc;
	/* a wrong key would chain every new row onto the log unverifiably */
	pa_audit_key_id(s->audit_key, mine);
	if (*chained && strcmp(chained, mine) != 0) {
		sodium_memzero(s->audit_key, sizeof s->audit_key);
		return pa_errf(PA_BAD_REQUEST, "audit-key",
			       "the audit key %s (key %s) is not the one the database's audit log "
			       "is chained with (key %s)",
			       path, mine, chained);
	}
	s->has_audit_key = true;
	return PA_OK;
}

void pa_store_set_audit_key(struct pa_store *s, const uint8_t key[PA_AUDIT_KEY_BYTES])
{
	memcpy(s->audit_key, key, sizeof s->audit_key);
	s->has_audit_key = true;
}

enum pa_err pa_store_open_writer(struct pa_store *s, struct pa_db **out)
{
	*out = NULL;
	enum pa_err rc = s->has_audit_key ? PA_OK : pa_store_audit_key(s, NULL);
	if (rc || (rc = s->ops->open(s->url, true, out)))
		return rc;
	(*out)->has_audit_key = true;
	memcpy((*out)->audit_key, s->audit_key, sizeof s->audit_key);
	return PA_OK;
}
