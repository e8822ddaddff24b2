/* test_faultvfs.c: the testing-only fault VFS (control lines, counting, failing the Nth
 * write or sync) and what the SQLite store and the group-commit writer make of its faults:
 * an error naming the cause, nothing half written, no job answered that was not committed,
 * and the same connection writing again once the fault is lifted. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tmpdb.h"

#include <pthread.h>
#include <semaphore.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/faultvfs.h"
#include "store/store.h"
#include "store/writer.h"

static char dbpath[64];

static void test_parse(void **st)
{
	(void)st;
	struct pa_fault f;
	assert_true(pa_faultvfs_parse("7 write 3 full persist\n", &f));
	assert_int_equal(f.id, 7);
	assert_int_equal(f.op, PA_FAULT_WRITE);
	assert_int_equal(f.n, 3);
	assert_int_equal(f.error, SQLITE_FULL);
	assert_true(f.persist);
	assert_true(pa_faultvfs_parse("8 sync 1 ioerr once", &f));
	assert_int_equal(f.op, PA_FAULT_SYNC);
	assert_int_equal(f.error, SQLITE_IOERR_FSYNC);
	assert_false(f.persist);
	assert_true(pa_faultvfs_parse("9 write 2 ioerr once", &f));
	assert_int_equal(f.error, SQLITE_IOERR_WRITE);
	assert_true(pa_faultvfs_parse("10 off\n", &f));
	assert_int_equal(f.op, PA_FAULT_OFF);
	const char *bad[] = {"",
			     "off",
			     "1 off now",
			     "1 write 0 full once",
			     "1 write -2 full once",
			     "1 read 1 full once",
			     "1 write 1 gone once",
			     "1 write 1 full sometimes",
			     "1 write 1 full once extra",
			     "write 1 full once"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_false(pa_faultvfs_parse(bad[i], &f));
}

static struct pa_store *fresh_store(void)
{
	tmpdb_path(dbpath, sizeof dbpath, "fault");
	struct pa_store *s;
	struct pa_db *w;
	assert_int_equal(pa_store_open(dbpath, &s), PA_OK);
	assert_int_equal(pa_store_open_writer(s, &w), PA_OK);
	assert_true(pa_faultvfs_active());
	int from, to;
	assert_int_equal(w->ops->migrate(w, &from, &to), PA_OK);
	w->ops->close(w);
	return s;
}

static void drop_store(struct pa_store *s)
{
	pa_store_close(s);
	tmpdb_remove(dbpath);
}

static void arm(enum pa_fault_op op, long n, int error, bool persist)
{
	struct pa_fault f = {.id = n, .op = op, .n = n, .error = error, .persist = persist};
	pa_faultvfs_arm(&f);
}

static void disarm(void)
{
	struct pa_fault off = {0};
	pa_faultvfs_arm(&off);
}

static struct pa_region_in region(const char *code)
{
	return (struct pa_region_in){code, NULL, "city", code, 1, 113.1, 30.6, NULL};
}

/* Whether a region is there, as a fresh reader sees it. */
static bool present(struct pa_store *s, const char *code)
{
	struct pa_db *r = pa_store_acquire(s);
	assert_non_null(r);
	json_t *out = NULL;
	enum pa_err rc = r->ops->region_get(r, code, &out);
	json_decref(out);
	pa_store_release(s, r);
	assert_true(rc == PA_OK || rc == PA_NOT_FOUND);
	return rc == PA_OK;
}

static enum pa_err put_region(struct pa_db *w, const char *code)
{
	struct pa_region_in r = region(code);
	enum pa_err rc = w->ops->begin(w);
	if (!rc)
		rc = w->ops->region_put(w, &r);
	if (!rc)
		rc = w->ops->commit(w);
	w->ops->rollback(w);
	return rc;
}

/* Every N from 1 until a commit no longer reaches the Nth write (or sync): that commit
 * fails with STORE_IO saying why and leaves nothing; the connection then writes again. */
static void test_nth(void **st)
{
	(void)st;
	struct pa_store *s = fresh_store();
	struct pa_db *w;
	assert_int_equal(pa_store_open_writer(s, &w), PA_OK);
	struct {
		enum pa_fault_op op;
		int error;
		bool persist;
		const char *says;
	} kinds[] = {
		{PA_FAULT_WRITE, SQLITE_FULL, true, "disk is full"},
		{PA_FAULT_WRITE, SQLITE_IOERR_WRITE, false, "I/O error"},
		{PA_FAULT_SYNC, SQLITE_IOERR_FSYNC, true, "I/O error"},
	};
	int serial = 0;
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		long n = 1;
		for (;; n++) {
			char code[32], again[32];
			snprintf(code, sizeof code, "R%d", ++serial);
			snprintf(again, sizeof again, "R%d", ++serial);
			arm(kinds[k].op, n, kinds[k].error, kinds[k].persist);
			enum pa_err rc = put_region(w, code);
			struct pa_faultvfs_count c;
			pa_faultvfs_count(&c);
			if (rc == PA_OK) {
				assert_int_equal(c.fired, 0);
				assert_true(present(s, code));
				break;
			}
			assert_int_equal(rc, PA_STORE_IO);
			assert_true(c.fired >= 1);
			assert_non_null(strstr(pa_err_last()->message, kinds[k].says));
			assert_non_null(strstr(pa_err_last()->message, "nothing was saved"));
			assert_false(present(s, code));
			/* a full disk stays full; a passing error passes */
			rc = put_region(w, again);
			assert_int_equal(rc, kinds[k].persist ? PA_STORE_IO : PA_OK);
			assert_int_equal(present(s, again), !kinds[k].persist);
			disarm();
			if (kinds[k].persist) {
				assert_int_equal(put_region(w, again), PA_OK);
				assert_true(present(s, again));
			}
		}
		/* a one-row commit reaches a few writes (frames) and one sync */
		if (kinds[k].op == PA_FAULT_WRITE)
			assert_true(n > 2);
		else
			assert_int_equal(n, 2);
	}
	disarm();
	w->ops->close(w);
	drop_store(s);
}

/* ---- the writer: a batch whose commit fails ---- */

struct rjob {
	const char *code;
	sem_t *started;    /* posted when the job begins … */
	sem_t *hold;       /* … which then waits for this: jobs queue up behind */
	bool undo_and_lie; /* as SQLite after an I/O error inside a statement: the
			    * transaction is gone, and the job carries on regardless */
	void (*arm)(void); /* called on the job's first run: the batch's own commit is the
			    * first write or sync counted */
	enum pa_err rc;
	struct pa_writer *w;
};

static enum pa_err rjob_fn(struct pa_db *db, void *arg)
{
	struct rjob *j = arg;
	if (j->hold) {
		sem_post(j->started);
		sem_wait(j->hold);
	}
	if (j->arm) {
		j->arm();
		j->arm = NULL;
	}
	if (j->undo_and_lie) {
		db->ops->rollback(db);
		return pa_errf(PA_CONFLICT, NULL, "refused, the store error swallowed");
	}
	struct pa_region_in r = region(j->code);
	return db->ops->region_put(db, &r);
}

static void *rjob_thread(void *arg)
{
	struct rjob *j = arg;
	j->rc = pa_writer_run(j->w, rjob_fn, j);
	return NULL;
}

enum { BATCH = 5 };

/* Job 0 holds the writer while BATCH more queue behind it, so they run as one batch,
 * armed by its last job to fail as the caller says. Returns the writer's failed batches. */
static uint64_t run_held_batch(struct pa_store *s, struct rjob jobs[BATCH], void (*arm_fn)(void))
{
	struct pa_writer *w;
	assert_int_equal(pa_writer_start(s, 64, &w), PA_OK);
	sem_t started, hold;
	sem_init(&started, 0, 0);
	sem_init(&hold, 0, 0);
	struct rjob first = {.code = "HOLD", .started = &started, .hold = &hold, .w = w};
	pthread_t t0, th[BATCH];
	pthread_create(&t0, NULL, rjob_thread, &first);
	sem_wait(&started);
	jobs[BATCH - 1].arm = arm_fn;
	for (int i = 0; i < BATCH; i++) {
		jobs[i].w = w;
		pthread_create(&th[i], NULL, rjob_thread, &jobs[i]);
	}
	for (;;) { /* wait until all of them are queued behind the held one */
		struct pa_writer_stats ws;
		pa_writer_get_stats(w, &ws);
		if (ws.queue_depth == BATCH)
			break;
		usleep(1000);
	}
	sem_post(&hold);
	pthread_join(t0, NULL);
	for (int i = 0; i < BATCH; i++)
		pthread_join(th[i], NULL);
	disarm();
	sem_destroy(&started);
	sem_destroy(&hold);
	assert_int_equal(first.rc, PA_OK);
	struct pa_writer_stats ws;
	pa_writer_get_stats(w, &ws);
	assert_int_equal(ws.max_batch, BATCH);
	pa_writer_stop(w);
	return ws.failed_batches;
}

static void sync_once(void)
{
	arm(PA_FAULT_SYNC, 1, SQLITE_IOERR_FSYNC, false);
}

static void sync_on(void)
{
	arm(PA_FAULT_SYNC, 1, SQLITE_IOERR_FSYNC, true);
}

static void test_writer_batch(void **st)
{
	(void)st;
	/* the batch's commit fails once: each job is run again alone and answered truly */
	struct pa_store *s = fresh_store();
	struct rjob jobs[BATCH] = {
		{.code = "A"}, {.code = "B"}, {.code = "C"}, {.code = "D"}, {.code = "E"}};
	assert_int_equal(run_held_batch(s, jobs, sync_once), 1);
	for (int i = 0; i < BATCH; i++) {
		assert_int_equal(jobs[i].rc, PA_OK);
		assert_true(present(s, jobs[i].code));
	}
	drop_store(s);

	/* the disk stays bad: no job is answered OK, none is there */
	s = fresh_store();
	struct rjob bad[BATCH] = {
		{.code = "A"}, {.code = "B"}, {.code = "C"}, {.code = "D"}, {.code = "E"}};
	assert_int_equal(run_held_batch(s, bad, sync_on), 1);
	for (int i = 0; i < BATCH; i++) {
		assert_int_equal(bad[i].rc, PA_STORE_IO);
		assert_false(present(s, bad[i].code));
	}
	assert_true(present(s, "HOLD"));
	drop_store(s);
}

static void no_fault(void)
{
}

static void test_writer_undone_transaction(void **st)
{
	(void)st;
	/* one job finds its transaction undone by the store and says something else: the
	 * jobs after it must not run outside the batch (each then committed alone, and run
	 * again when the batch fails) */
	struct pa_store *s = fresh_store();
	struct rjob jobs[BATCH] = {{.code = "A"},
				   {.code = "B", .undo_and_lie = true},
				   {.code = "C"},
				   {.code = "D"},
				   {.code = "E"}};
	assert_int_equal(run_held_batch(s, jobs, no_fault), 1);
	assert_int_equal(jobs[1].rc, PA_STORE_IO);
	assert_false(present(s, "B"));
	for (int i = 0; i < BATCH; i++) {
		if (i == 1)
			continue;
		assert_int_equal(jobs[i].rc, PA_OK);
		assert_true(present(s, jobs[i].code));
	}
	drop_store(s);
}

/* A test that failed half-way may have left a fault armed: the next starts clean. */
static int unarmed(void **st)
{
	(void)st;
	disarm();
	return 0;
}

int main(void)
{
	pa_faultvfs_want(NULL); /* armed from here, not from a file */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup(test_nth, unarmed),
		cmocka_unit_test_setup(test_writer_batch, unarmed),
		cmocka_unit_test_setup(test_writer_undone_transaction, unarmed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
