/* writer.c: one thread, one write connection, batches of jobs per commit. */
#include "store/writer.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "core/log.h"

struct job {
	pa_job_fn fn;
	void *arg;
	enum pa_err rc;
	struct pa_errinfo info;
	sem_t done; /* posted once the job's batch is settled: each caller wakes alone */
	struct job *next;
};

struct pa_writer {
	struct pa_store *store;
	struct pa_db *db;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;
	struct job *head, *tail;
	uint64_t depth;
	bool stopping;
	int max_batch;
	int early_ack_ms; /* testing only: see pa_writer_unsafe_early_ack */
	struct pa_writer_stats st;
};

static bool is_store_failure(enum pa_err e)
{
	return e == PA_STORE_IO || e == PA_STORE_BUSY || e == PA_INTERNAL;
}

static void finish(struct job *j, enum pa_err rc)
{
	j->rc = rc;
	if (rc)
		j->info = *pa_err_last();
}

/* Run one batch in one transaction. Returns false if the store failed as a whole.
 * defer: leave it uncommitted for late_commit (testing only). */
static bool run_batch(struct pa_writer *w, struct job *batch, bool defer)
{
	const struct pa_store_ops *ops = w->db->ops;
	enum pa_err e = ops->begin(w->db);
	if (e)
		goto fail;
	for (struct job *j = batch; j; j = j->next) {
		pa_err_clear();
		if ((e = ops->savepoint(w->db)))
			goto fail;
		enum pa_err rc = j->fn(w->db, j->arg);
		if (rc) {
			if (is_store_failure(rc)) {
				e = rc;
				goto fail;
			}
			finish(j, rc);
			ops->rollback_to(w->db);
		} else if ((e = ops->release(w->db)))
			goto fail;
		else
			j->rc = PA_OK;
	}
	if (defer)
		return true;
	if ((e = ops->commit(w->db)))
		goto fail;
	return true;
fail:
	ops->rollback(w->db);
	return false;
}

/* Testing only (serve --unsafe-early-ack): the batch's callers were answered before this
 * commit, as under an asynchronous commit, so a crash in the pause loses what they were
 * told was kept. The crash harness's negative control needs such a server to show that
 * it sees losses. */
static void late_commit(struct pa_writer *w, int ms)
{
	struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	nanosleep(&pause, NULL);
	if (w->db->ops->commit(w->db)) {
		w->db->ops->rollback(w->db);
		pa_log(PA_LOG_WARN, "early_ack_commit_failed", NULL);
	}
}

static void *writer_main(void *arg)
{
	struct pa_writer *w = arg;
	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->work, &w->mu);
		if (!w->head && w->stopping) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		/* Take up to max_batch jobs. */
		struct job *batch = w->head, *last = batch;
		int n = 1;
		while (last->next && n < w->max_batch) {
			last = last->next;
			n++;
		}
		w->head = last->next;
		if (!w->head)
			w->tail = NULL;
		last->next = NULL;
		w->depth -= (uint64_t)n;
		int early_ms = w->early_ack_ms;
		pthread_mutex_unlock(&w->mu);

		bool ok = run_batch(w, batch, early_ms > 0);
		int retried = 0;
		/* A serialization failure or a deadlock is no fault of the batch: the same
		 * batch, run again after the other side has finished, may well commit. */
		for (int t = 1; !ok && t < PA_WRITER_TRIES && w->db->ops->transient &&
				w->db->ops->transient(w->db);
		     t++) {
			struct timespec pause = {0, (long)t * 20 * 1000000L};
			nanosleep(&pause, NULL);
			retried++;
			ok = run_batch(w, batch, early_ms > 0);
		}
		enum pa_err why = ok ? PA_OK : pa_err_last()->code;
		if (!ok && n > 1) {
			/* A store failure spoils the batch: give each job its own transaction so
			 * every caller gets its own true answer. */
			for (struct job *j = batch; j;) {
				struct job *next = j->next;
				j->next = NULL;
				if (!run_batch(w, j, false))
					finish(j, pa_err_last()->code ? pa_err_last()->code
								      : PA_STORE_IO);
				j->next = next;
				j = next;
			}
		} else if (!ok) {
			finish(batch, pa_err_last()->code ? pa_err_last()->code : PA_STORE_IO);
		}
		if (!ok)
			pa_log(PA_LOG_WARN, "writer_batch_failed", "\"jobs\":%d,\"error\":\"%s\"",
			       n, pa_err_name(why));

		/* Before anyone is woken: a caller that reads next finds its commit covered. */
		uint64_t lsn;
		if (w->store->replica && w->db->ops->wal_position &&
		    !w->db->ops->wal_position(w->db, false, &lsn))
			atomic_store(&w->store->committed_lsn, lsn);
		pthread_mutex_lock(&w->mu);
		w->st.batches++;
		w->st.jobs += (uint64_t)n;
		w->st.failed_batches += !ok;
		w->st.retried_batches += (uint64_t)retried;
		if ((uint64_t)n > w->st.max_batch)
			w->st.max_batch = (uint64_t)n;
		int b = 0;
		while (b < PA_WRITER_SIZE_BUCKETS - 1 && n > 1 << b)
			b++;
		w->st.batch_sizes[b]++;
		for (struct job *j = batch; j; j = j->next)
			(*(j->rc ? &w->st.failed_jobs : &w->st.committed))++;
		pthread_mutex_unlock(&w->mu);
		for (struct job *j = batch, *next; j; j = next) {
			next = j->next; /* j lives on its caller's stack: read before waking it */
			sem_post(&j->done);
		}
		if (ok && early_ms > 0)
			late_commit(w, early_ms);
	}
	return NULL;
}

enum pa_err pa_writer_start(struct pa_store *s, int max_batch, struct pa_writer **out)
{
	*out = NULL;
	struct pa_writer *w = calloc(1, sizeof *w);
	w->store = s;
	w->max_batch = max_batch > 0 ? max_batch : 256;
	enum pa_err e = pa_store_open_writer(s, &w->db);
	if (e) {
		free(w);
		return e;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w)) {
		s->ops->close(w->db);
		free(w);
		return pa_errf(PA_INTERNAL, NULL, "cannot start the writer thread");
	}
	*out = w;
	return PA_OK;
}

enum pa_err pa_writer_run(struct pa_writer *w, pa_job_fn fn, void *arg)
{
	struct job j = {.fn = fn, .arg = arg};
	sem_init(&j.done, 0, 0);
	pthread_mutex_lock(&w->mu);
	if (w->stopping) {
		pthread_mutex_unlock(&w->mu);
		sem_destroy(&j.done);
		return pa_errf(PA_UNAVAILABLE, NULL,
			       "the server is shutting down; try again shortly");
	}
	if (w->tail)
		w->tail->next = &j;
	else
		w->head = &j;
	w->tail = &j;
	w->depth++;
	if (w->depth > w->st.queue_depth)
		w->st.queue_depth = w->depth;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	while (sem_wait(&j.done) != 0)
		; /* EINTR */
	sem_destroy(&j.done);
	if (j.rc)
		pa_err_set_info(&j.info);
	return j.rc;
}

void pa_writer_unsafe_early_ack(struct pa_writer *w, int ms)
{
	pthread_mutex_lock(&w->mu);
	w->early_ack_ms = ms;
	pthread_mutex_unlock(&w->mu);
}

void pa_writer_get_stats(struct pa_writer *w, struct pa_writer_stats *st)
{
	pthread_mutex_lock(&w->mu);
	*st = w->st;
	st->queue_depth = w->depth;
	pthread_mutex_unlock(&w->mu);
}

void pa_writer_stop(struct pa_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	w->store->ops->close(w->db);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->work);
	free(w);
}
