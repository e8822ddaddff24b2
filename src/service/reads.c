/* reads.c: which server a lagging read goes to. With a streaming replica (--db-replica),
 * lists, search and dashboards read it; but a user who has just written must find what
 * they wrote, so their reads go to the primary until the replica has replayed past the
 * WAL position of their latest write. */
#include <stdatomic.h>

#include "service/app.h"

static _Atomic uint64_t *slot(struct pa_app *app, int64_t user_id)
{
	return &app->wrote_lsn[(uint64_t)user_id % PA_WROTE_SLOTS];
}

void pa_app_wrote(struct pa_app *app, int64_t user_id)
{
	if (!app->store->replica || user_id <= 0)
		return;
	/* the writer stores the position before waking anyone, so this covers the write */
	uint64_t lsn = atomic_load(&app->store->committed_lsn);
	_Atomic uint64_t *s = slot(app, user_id);
	uint64_t was = atomic_load(s);
	while (was < lsn && !atomic_compare_exchange_weak(s, &was, lsn))
		;
}

struct pa_db *pa_app_list_acquire(struct pa_app *app, int64_t user_id, struct pa_store **from)
{
	struct pa_store *replica = app->store->replica;
	*from = app->store;
	if (!replica)
		return pa_store_acquire(app->store);
	_Atomic uint64_t *s = user_id > 0 ? slot(app, user_id) : NULL;
	uint64_t need = s ? atomic_load(s) : 0;
	struct pa_db *db = pa_store_acquire(replica);
	if (db && need) {
		uint64_t replayed = 0;
		if (db->ops->wal_position(db, true, &replayed) || replayed < need) {
			pa_store_release(replica, db);
			return pa_store_acquire(app->store); /* behind (or unsure): the primary */
		}
		/* caught up: later reads need not ask, unless the user writes again meanwhile */
		atomic_compare_exchange_strong(s, &need, 0);
	}
	if (db)
		*from = replica;
	return db;
}
