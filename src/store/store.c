/* store.c: backend choice by URL and the pool of read connections. */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#define POOL_IDLE_MAX 64

enum pa_err pa_store_open(const char *url, struct pa_store **out)
{
	*out = NULL;
	if (!url || !*url)
		return pa_errf(PA_BAD_REQUEST, "db", "no database given (--db PATH)");
	if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
		return pa_errf(PA_BAD_REQUEST, "db",
			       "PostgreSQL is not built into this pingan yet; use a file path");
	struct pa_store *s = calloc(1, sizeof *s);
	s->ops = &pa_sqlite_ops;
	s->url = strdup(url);
	pthread_mutex_init(&s->mu, NULL);
	*out = s;
	return PA_OK;
}

void pa_store_close(struct pa_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->nidle; i++)
		s->ops->close(s->idle[i]);
	free(s->idle);
	free(s->url);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

struct pa_db *pa_store_acquire(struct pa_store *s)
{
	pthread_mutex_lock(&s->mu);
	struct pa_db *db = s->nidle ? s->idle[--s->nidle] : NULL;
	pthread_mutex_unlock(&s->mu);
	if (!db && s->ops->open(s->url, false, &db))
		return NULL;
	return db;
}

void pa_store_release(struct pa_store *s, struct pa_db *db)
{
	if (!db)
		return;
	pthread_mutex_lock(&s->mu);
	if (s->nidle < POOL_IDLE_MAX) {
		if (s->nidle == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 8;
			s->idle = realloc(s->idle, sizeof *s->idle * (size_t)s->cap);
		}
		s->idle[s->nidle++] = db;
		db = NULL;
	}
	pthread_mutex_unlock(&s->mu);
	if (db)
		s->ops->close(db);
}

enum pa_err pa_store_open_writer(struct pa_store *s, struct pa_db **out)
{
	return s->ops->open(s->url, true, out);
}
