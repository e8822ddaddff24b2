/* writer.h: the single writer with group commit. Request threads hand it jobs; it runs
 * queued jobs in one transaction (each under its own savepoint, so one failing job undoes
 * only itself), commits once, and only then wakes each caller with its job's result.
 * pa_writer_run is thread-safe; a job function runs on the writer thread. */
#ifndef PA_WRITER_H
#define PA_WRITER_H

#include <stdint.h>

#include "store/store.h"

struct pa_writer;
/* A job writes through db inside the open transaction; returns PA_OK or an error
 * (with detail via pa_errf). It may run twice if its batch had to be retried one by
 * one after a store failure, so it must not keep side effects outside db. */
typedef enum pa_err (*pa_job_fn)(struct pa_db *db, void *arg);

/* Batches by size for /metrics: batch_sizes[i] counts those of at most 2^i jobs (and more
 * than 2^(i-1)); the last counts every larger one. */
#define PA_WRITER_SIZE_BUCKETS 10

/* How many times a batch that met a serialization failure or a deadlock is run in all. */
#define PA_WRITER_TRIES 4

struct pa_writer_stats {
	uint64_t jobs, batches, failed_batches;
	uint64_t max_batch, queue_depth;
	uint64_t committed, failed_jobs; /* jobs answered PA_OK after the commit / an error */
	uint64_t retried_batches;        /* run again after a serialization failure or a deadlock */
	uint64_t batch_sizes[PA_WRITER_SIZE_BUCKETS];
};

enum pa_err pa_writer_start(struct pa_store *s, int max_batch, struct pa_writer **out);
/* Run fn(arg) durably; returns its result once committed (or the commit's failure).
 * The error detail is set in the calling thread. */
enum pa_err pa_writer_run(struct pa_writer *w, pa_job_fn fn, void *arg);
/* TESTING ONLY, for the crash harness's negative control: answer each batch's callers
 * before committing it and commit ms later, so a crash in between loses acknowledged
 * writes. Never for a database that matters (serve --unsafe-early-ack). */
void pa_writer_unsafe_early_ack(struct pa_writer *w, int ms);
void pa_writer_get_stats(struct pa_writer *w, struct pa_writer_stats *st);
/* Finish every queued job, then stop the thread and close the connection. NULL-safe. */
void pa_writer_stop(struct pa_writer *w);

#endif
