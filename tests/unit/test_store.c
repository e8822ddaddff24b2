/* test_store.c: the store contract (regions, units, users, sessions, cases with scope,
 * steps, counters, idempotency) and the group-commit writer — on SQLite, and on
 * PostgreSQL when PINGAN_TEST_PG names a server (tmpdb.h; make test runs both). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tmpdb.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/pg.h"
#include "store/sqlite_schema.h"
#include "store/store.h"
#include "store/writer.h"

static char dbpath[256];

/* The store at dbpath with its writer, migrated from *from to *to. */
static struct pa_store *migrated(struct pa_db **w, int *from, int *to)
{
	struct pa_store *s;
	assert_int_equal(pa_store_open(dbpath, &s), PA_OK);
	assert_int_equal(pa_store_open_writer(s, w), PA_OK);
	assert_int_equal((*w)->ops->migrate(*w, from, to), PA_OK);
	return s;
}

static struct pa_store *fresh_store(struct pa_db **w)
{
	tmpdb_path(dbpath, sizeof dbpath, "store");
	int from, to;
	struct pa_store *s = migrated(w, &from, &to);
	assert_int_equal(from, 0);
	assert_true(to >= 1);
	/* a second migrate is a no-op */
	assert_int_equal((*w)->ops->migrate(*w, &from, &to), PA_OK);
	assert_int_equal(from, to);
	return s;
}

static void drop_store(struct pa_store *s, struct pa_db *w)
{
	if (w)
		w->ops->close(w);
	pa_store_close(s);
	tmpdb_remove(dbpath);
}

/* Two towns, one village and one grid each, a centre per town. */
static void seed_regions(struct pa_db *w, int64_t units[2])
{
	const struct pa_store_ops *o = w->ops;
	struct pa_region_in rs[] = {
		{"429006", NULL, "city", "天门市", 1, 113.1, 30.6, NULL},
		{"429006101", "429006", "town", "甲镇", 2, 113.1, 30.6, NULL},
		{"429006102", "429006", "town", "乙镇", 2, 113.2, 30.6, NULL},
		{"429006101201", "429006101", "village", "甲村", 3, 113.1, 30.6, NULL},
		{"429006102201", "429006102", "village", "乙村", 3, 113.2, 30.6, NULL},
		{"429006101201001", "429006101201", "grid", "甲村第1网格", 4, 113.1, 30.6,
		 "[[113,30],[113.2,30],[113.2,31],[113,31],[113,30]]"},
		{"429006102201001", "429006102201", "grid", "乙村第1网格", 4, 113.3, 30.6,
		 "[[113.2,30],[113.4,30],[113.4,31],[113.2,31],[113.2,30]]"},
	};
	for (size_t i = 0; i < sizeof rs / sizeof *rs; i++)
		assert_int_equal(o->region_put(w, &rs[i]), PA_OK);
	assert_int_equal(o->region_put(w, &rs[0]), PA_CONFLICT); /* duplicate code */
	struct pa_unit_in u1 = {"t1", "甲镇综治中心", "town_centre", "429006101", "town"};
	struct pa_unit_in u2 = {"t2", "乙镇综治中心", "town_centre", "429006102", "town"};
	assert_int_equal(o->unit_put(w, &u1, &units[0]), PA_OK);
	assert_int_equal(o->unit_put(w, &u2, &units[1]), PA_OK);
}

/* watch_due, watch_open: a date its type watches (0: none) and whether it is watched. */
static int64_t add_case(struct pa_db *w, const char *grid, int64_t unit, const char *title,
			int64_t watch_due, bool watch_open, struct pa_case_ref *ref)
{
	struct pa_party_in p = {"applicant", "王某", "11010519491231002X", "13812345678", NULL};
	struct pa_case_in c = {.type = "dispute",
			       .category = "neighbour",
			       .status = "reported",
			       .title = title,
			       .description = "描述",
			       .grid = grid,
			       .channel = "walk_in",
			       .search = title,
			       .lng = 113.1,
			       .lat = 30.6,
			       .unit_id = unit,
			       .at = 1764000000,
			       .year = 2026,
			       .nparties = 1,
			       .parties = &p,
			       .action = "report",
			       .watch_due = watch_due,
			       .watch_open = watch_open};
	assert_int_equal(w->ops->case_insert(w, &c, ref), PA_OK);
	return ref->id;
}

static void test_contract(void **st)
{
	(void)st;
	struct pa_db *w;
	struct pa_store *s = fresh_store(&w);
	const struct pa_store_ops *o = w->ops;
	int64_t units[2];
	assert_int_equal(o->begin(w), PA_OK);
	seed_regions(w, units);
	struct pa_case_ref a, b;
	add_case(w, "429006101201001", units[0], "甲镇的案件", 0, false, &a);
	add_case(w, "429006102201001", units[1], "乙镇的案件", 0, false, &b);
	assert_string_equal(a.number, "PA-429006-2026-000001");
	assert_string_equal(b.number, "PA-429006-2026-000002");
	assert_int_equal(o->commit(w), PA_OK);

	struct pa_db *r = pa_store_acquire(s);
	assert_non_null(r);
	struct pa_scope town1 = {.region = "429006101"}, city = {.region = "429006"};
	json_t *out = NULL;
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct pa_case_row row, *rows;
	int n;
	assert_int_equal(o->case_get(r, &town1, a.id, &ar, &row), PA_OK);
	assert_string_equal(row.title, "甲镇的案件");
	assert_string_equal(row.number, "PA-429006-2026-000001");
	assert_string_equal(row.unit_name, "甲镇综治中心");
	assert_int_equal(row.nsteps, 1);
	assert_string_equal(row.steps[0].action, "report");
	assert_int_equal(row.nparties, 1);
	assert_string_equal(row.parties[0].id_number, "11010519491231002X");
	/* out of scope reads as not found */
	assert_int_equal(o->case_get(r, &town1, b.id, &ar, &row), PA_NOT_FOUND);
	struct pa_case_head h;
	assert_int_equal(o->case_head(r, &town1, b.id, &h), PA_NOT_FOUND);

	/* lists are bounded by scope inside the query */
	struct pa_case_filter f = {.limit = 10};
	int64_t next;
	assert_int_equal(o->case_list(r, &town1, &f, &ar, &rows, &n, &next), PA_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, a.id);
	assert_int_equal(o->case_list(r, &city, &f, &ar, &rows, &n, &next), PA_OK);
	assert_int_equal(n, 2);
	assert_int_equal(next, 0);
	/* the count is of every page, within the scope */
	int64_t count;
	assert_int_equal(o->case_count(r, &city, &f, &count), PA_OK);
	assert_int_equal(count, 2);
	assert_int_equal(o->case_count(r, &town1, &f, &count), PA_OK);
	assert_int_equal(count, 1);
	f.limit = 1;
	assert_int_equal(o->case_list(r, &city, &f, &ar, &rows, &n, &next), PA_OK);
	assert_int_equal(n, 1);
	assert_int_equal(next, b.id);
	/* LIKE metacharacters are literal */
	f.limit = 10;
	f.q = "%";
	assert_int_equal(o->case_list(r, &city, &f, &ar, &rows, &n, &next), PA_OK);
	assert_int_equal(n, 0);

	/* unit scope: only cases that passed through the unit */
	struct pa_scope unit2 = {.region = "429006", .by_unit = true, .unit_id = units[1]};
	f.q = NULL;
	assert_int_equal(o->case_list(r, &unit2, &f, &ar, &rows, &n, &next), PA_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, b.id);
	pa_arena_free(&ar);
	pa_store_release(s, r);

	/* a step moves the case and the counters together; a stale from_state conflicts */
	assert_int_equal(o->begin(w), PA_OK);
	struct pa_step_in step = {a.id,       "accept",  "reported",  "accepted",
				  NULL,       units[0],  0,           0,
				  1764000100, "dispute", "neighbour", "429006101201001"};
	assert_int_equal(o->case_step(w, &step), PA_OK);
	assert_int_equal(o->case_step(w, &step), PA_CONFLICT);
	assert_int_equal(o->commit(w), PA_OK);
	r = pa_store_acquire(s);
	assert_int_equal(o->stats(r, &city, "429006", &out), PA_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "total")), 2);
	json_t *bs = json_object_get(out, "by_status");
	assert_int_equal(json_integer_value(json_object_get(bs, "accepted")), 1);
	assert_int_equal(json_integer_value(json_object_get(bs, "reported")), 1);
	json_decref(out);
	assert_int_equal(o->stats(r, &town1, "429006102", &out), PA_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "total")), 1);
	json_decref(out);
	pa_store_release(s, r);
	drop_store(s, w);
}

/* The whole of a sorted list of the city, two at a time, as ids (the cursor: the last
 * row's key and id). */
static int walk_sorted(struct pa_db *r, enum pa_case_sort sort, int64_t *ids)
{
	struct pa_scope city = {.region = "429006"};
	struct pa_case_filter f = {.limit = 2, .sort = sort};
	struct pa_arena ar;
	pa_arena_init(&ar);
	int total = 0;
	for (int page = 0; page < 10; page++) {
		struct pa_case_row *rows;
		int n;
		int64_t next;
		assert_int_equal(r->ops->case_list(r, &city, &f, &ar, &rows, &n, &next), PA_OK);
		for (int i = 0; i < n; i++)
			ids[total++] = rows[i].id;
		if (!next)
			break;
		assert_int_equal(next, rows[n - 1].id);
		const struct pa_case_row *last = &rows[n - 1];
		f.has_after = true;
		f.after_id = last->id;
		f.after_key = sort == PA_SORT_DUE
				      ? (last->clock.due_red ? last->clock.due_red : PA_SORT_NO_DUE)
				      : last->created_at;
	}
	pa_arena_free(&ar);
	return total;
}

/* Lists in another order than newest first keep it across pages, ties by id, cases
 * without a red limit last; units page by region with their accounts counted, and change
 * name, kind and tier audited. */
static void test_sorted_lists_and_units(void **st)
{
	(void)st;
	struct pa_db *w;
	struct pa_store *s = fresh_store(&w);
	const struct pa_store_ops *o = w->ops;
	int64_t units[2], id[5];
	static const int64_t red[5] = {300, 0, 100, 100, 0};
	assert_int_equal(o->begin(w), PA_OK);
	seed_regions(w, units);
	for (int i = 0; i < 5; i++) {
		struct pa_party_in p = {"applicant", "王某", NULL, NULL, NULL};
		struct pa_case_in c = {
			.type = "dispute",
			.category = "neighbour",
			.status = "reported",
			.title = "排序",
			.description = "描述",
			.grid = "429006101201001",
			.channel = "walk_in",
			.search = "排序",
			.unit_id = units[0],
			.at = 1764000000,
			.year = 2026,
			.nparties = 1,
			.parties = &p,
			.action = "report",
			.clock = {.started = red[i] ? 1764000000 : 0, .due_red = red[i]}};
		struct pa_case_ref ref;
		assert_int_equal(o->case_insert(w, &c, &ref), PA_OK);
		id[i] = ref.id;
	}
	assert_int_equal(o->commit(w), PA_OK);

	struct pa_db *r = pa_store_acquire(s);
	int64_t got[10];
	assert_int_equal(walk_sorted(r, PA_SORT_DUE, got), 5);
	const int64_t due_order[5] = {id[2], id[3], id[0], id[1], id[4]};
	for (int i = 0; i < 5; i++)
		assert_int_equal(got[i], due_order[i]);
	/* one creation time: the id alone orders them, each way */
	assert_int_equal(walk_sorted(r, PA_SORT_CREATED_DESC, got), 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(got[i], id[4 - i]);
	assert_int_equal(walk_sorted(r, PA_SORT_CREATED, got), 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(got[i], id[i]);

	json_t *items = NULL;
	int64_t next;
	assert_int_equal(o->unit_page(r, "429006101", NULL, 0, 10, &items, &next), PA_OK);
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(next, 0);
	json_t *u = json_array_get(items, 0);
	assert_string_equal(json_string_value(json_object_get(u, "code")), "t1");
	assert_int_equal(json_integer_value(json_object_get(u, "users")), 0);
	json_decref(items);
	assert_int_equal(o->unit_page(r, "", "town_centre", 0, 1, &items, &next), PA_OK);
	assert_int_equal(json_array_size(items), 1);
	assert_int_equal(next, units[0]);
	json_decref(items);
	pa_store_release(s, r);

	struct pa_unit_in change = {.name = "甲镇社会治理中心",
				    .kind = "town_centre",
				    .tier = "town",
				    .by = 0,
				    .from = "127.0.0.1"};
	int64_t rows_before, rows_after;
	char key_id[17];
	assert_int_equal(o->audit_status(w, &rows_before, key_id), PA_OK);
	assert_int_equal(o->begin(w), PA_OK);
	assert_int_equal(o->unit_update(w, units[0], &change), PA_OK);
	assert_int_equal(o->unit_update(w, 999999, &change), PA_NOT_FOUND);
	assert_int_equal(o->commit(w), PA_OK);
	assert_int_equal(o->audit_status(w, &rows_after, key_id), PA_OK);
	assert_int_equal(rows_after, rows_before + 1);
	json_t *got_unit = NULL;
	assert_int_equal(o->unit_get(w, units[0], &got_unit), PA_OK);
	assert_string_equal(json_string_value(json_object_get(got_unit, "name")),
			    "甲镇社会治理中心");
	assert_string_equal(json_string_value(json_object_get(got_unit, "code")), "t1");
	json_decref(got_unit);
	drop_store(s, w);
}

/* The cases whose watched date has passed, as the sweeper lists them: only those still
 * watched and not yet marked; a step turns the watch off and on, a mark ends it. */
static void watch_due_is(struct pa_store *s, int64_t now, int n_expected, const int64_t *ids)
{
	struct pa_db *r = pa_store_acquire(s);
	int64_t got[8], dues[8];
	int n = -1;
	assert_int_equal(r->ops->cases_watch_due(r, now, 0, 0, 8, got, dues, &n), PA_OK);
	assert_int_equal(n, n_expected);
	for (int i = 0; i < n; i++)
		assert_int_equal(got[i], ids[i]);
	pa_store_release(s, r);
}

static void step_watch(struct pa_db *w, int64_t id, const char *from, const char *to,
		       enum pa_watch_set set, int64_t marked)
{
	struct pa_case_patch p = {.urgent = -1,
				  .ext_pending = -1,
				  .unreasonable = -1,
				  .watch = set,
				  .watch_marked = marked};
	struct pa_step_in st = {.case_id = id,
				.action = marked ? "auto_watch_late" : "x",
				.from_state = from,
				.to_state = to,
				.at = 1764000100,
				.type = "dispute",
				.category = "neighbour",
				.grid = "429006101201001",
				.patch = &p};
	assert_int_equal(w->ops->begin(w), PA_OK);
	assert_int_equal(w->ops->case_step(w, &st), PA_OK);
	assert_int_equal(w->ops->commit(w), PA_OK);
}

static void test_watch_due(void **st)
{
	(void)st;
	struct pa_db *w;
	struct pa_store *s = fresh_store(&w);
	const struct pa_store_ops *o = w->ops;
	int64_t units[2];
	struct pa_case_ref a, b, c, d;
	const char *g = "429006101201001";
	assert_int_equal(o->begin(w), PA_OK);
	seed_regions(w, units);
	add_case(w, g, units[0], "到期", 1000, true, &a);
	add_case(w, g, units[0], "到期但不在监视的状态", 1000, false, &b);
	add_case(w, g, units[0], "未到期", 5000, true, &c);
	add_case(w, g, units[0], "无期限", 0, true, &d);
	assert_int_equal(o->commit(w), PA_OK);
	watch_due_is(s, 2000, 1, (int64_t[]){a.id});
	watch_due_is(s, 6000, 2, (int64_t[]){a.id, c.id});
	/* paged by (due, id) */
	struct pa_db *r = pa_store_acquire(s);
	int64_t ids[4], dues[4];
	int n;
	assert_int_equal(o->cases_watch_due(r, 6000, 1000, a.id, 4, ids, dues, &n), PA_OK);
	assert_int_equal(n, 1);
	assert_int_equal((int)dues[0], 5000);
	struct pa_case_head h;
	struct pa_scope city = {.region = "429006"};
	assert_int_equal(o->case_head(r, &city, a.id, &h), PA_OK);
	assert_true(h.watch_open);
	assert_int_equal((int)h.watch_due, 1000);
	assert_int_equal((int)h.watch_marked, 0);
	assert_int_equal(o->case_head(r, &city, d.id, &h), PA_OK);
	assert_false(h.watch_open); /* nothing to watch */
	pa_store_release(s, r);
	/* marked once: no longer listed */
	step_watch(w, a.id, "reported", "reported", PA_WATCH_KEEP, 2000);
	watch_due_is(s, 6000, 1, (int64_t[]){c.id});
	/* reported done: not watched; sent back: watched again */
	step_watch(w, c.id, "reported", "verifying", PA_WATCH_OFF, 0);
	watch_due_is(s, 6000, 0, NULL);
	step_watch(w, c.id, "verifying", "handling", PA_WATCH_ON, 0);
	watch_due_is(s, 6000, 1, (int64_t[]){c.id});
	/* a step that does not know of the watch keeps it; turning on a case with no date
	 * watches nothing */
	step_watch(w, c.id, "handling", "handling", PA_WATCH_KEEP, 0);
	step_watch(w, d.id, "reported", "handling", PA_WATCH_ON, 0);
	watch_due_is(s, 6000, 1, (int64_t[]){c.id});
	(void)b;
	drop_store(s, w);
}

static void test_users_sessions_idem(void **st)
{
	(void)st;
	struct pa_db *w;
	struct pa_store *s = fresh_store(&w);
	const struct pa_store_ops *o = w->ops;
	int64_t units[2], uid;
	assert_int_equal(o->begin(w), PA_OK);
	seed_regions(w, units);
	struct pa_user_in u = {"wang", "$argon2id$fake", "town_staff", "429006101", "王", units[0],
			       1};
	assert_int_equal(o->user_put(w, &u, &uid), PA_OK);
	assert_int_equal(o->user_put(w, &u, NULL), PA_CONFLICT);
	uint8_t h[32] = {1, 2, 3};
	assert_int_equal(o->session_put(w, h, uid, 100, 200, 0), PA_OK);
	assert_int_equal(o->idem_put(w, uid, "key-00001", "abc", 201, "{\"id\":1}", 100), PA_OK);
	assert_int_equal(o->commit(w), PA_OK);
	struct pa_user got;
	char hash[128];
	assert_int_equal(o->user_by_name(w, "wang", &got, hash, sizeof hash), PA_OK);
	assert_string_equal(hash, "$argon2id$fake");
	assert_int_equal(got.unit_id, units[0]);
	assert_int_equal(o->session_user(w, h, 150, &got), PA_OK);
	assert_int_equal(got.id, uid);
	assert_int_equal(o->session_user(w, h, 250, &got), PA_NOT_FOUND); /* expired */
	char rh[65];
	int status;
	char *body;
	assert_int_equal(o->idem_get(w, uid, "key-00001", rh, &status, &body), PA_OK);
	assert_int_equal(status, 201);
	assert_string_equal(body, "{\"id\":1}");
	free(body);
	assert_int_equal(o->idem_get(w, uid + 1, "key-00001", rh, &status, &body), PA_NOT_FOUND);
	drop_store(s, w);
}

/* Who stands where on a case (case_who): its reporter, the unit that handled it (the last
 * step leaving a handle-phase state for another phase), the regions of its holder and of
 * the actor's unit; and whether a unit has an active account of some roles. */
static void test_case_who_and_unit_roles(void **st)
{
	(void)st;
	struct pa_db *w;
	struct pa_store *s = fresh_store(&w);
	const struct pa_store_ops *o = w->ops;
	int64_t units[2], uid;
	assert_int_equal(o->begin(w), PA_OK);
	seed_regions(w, units);
	struct pa_user_in u = {"wang", "$argon2id$fake", "town_staff", "429006101", "王", units[0],
			       1};
	assert_int_equal(o->user_put(w, &u, &uid), PA_OK);
	struct pa_party_in p = {"applicant", "王某", NULL, NULL, NULL};
	struct pa_case_in c = {.type = "dispute",
			       .category = "neighbour",
			       .status = "reported",
			       .title = "谁办理",
			       .description = "描述",
			       .grid = "429006101201001",
			       .channel = "walk_in",
			       .search = "谁办理",
			       .lng = 113.1,
			       .lat = 30.6,
			       .unit_id = units[0],
			       .reporter_id = uid,
			       .at = 1764000000,
			       .year = 2026,
			       .nparties = 1,
			       .parties = &p,
			       .action = "report"};
	struct pa_case_ref ref;
	assert_int_equal(o->case_insert(w, &c, &ref), PA_OK);
	const char *handle = ",accepted,dispatched,handling,suspended,";
	struct pa_case_who who;
	assert_int_equal(o->case_who(w, ref.id, handle, units[1], &who), PA_OK);
	assert_int_equal(who.reporter_id, uid);
	assert_int_equal(who.handled_by, 0); /* not handled yet */
	assert_string_equal(who.holder_region, "429006101");
	assert_string_equal(who.actor_region, "429006102");
	struct {
		const char *action, *from, *to;
		int64_t from_unit, to_unit;
	} steps[] = {
		{"accept", "reported", "accepted", units[0], 0},
		{"dispatch", "accepted", "dispatched", units[0], units[1]},
		{"sign", "dispatched", "handling", units[1], 0},
		{"feedback", "handling", "verifying", units[1], 0},
		{"verify_fail", "verifying", "handling", units[0], 0},
	};
	for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
		struct pa_step_in in = {ref.id,
					steps[i].action,
					steps[i].from,
					steps[i].to,
					NULL,
					steps[i].from_unit,
					steps[i].to_unit,
					uid,
					1764000100 + (int64_t)i,
					"dispute",
					"neighbour",
					"429006101201001"};
		assert_int_equal(o->case_step(w, &in), PA_OK);
		assert_int_equal(o->case_who(w, ref.id, handle, 0, &who), PA_OK);
		/* the feedback left the handle phase from units[1]; the failed check went back
		 * into it, which does not change who handled it */
		assert_int_equal(who.handled_by, i >= 3 ? units[1] : 0);
		assert_string_equal(who.holder_region, i >= 1 ? "429006102" : "429006101");
		assert_string_equal(who.actor_region, "");
	}
	assert_int_equal(o->case_who(w, ref.id + 99, handle, 0, &who), PA_NOT_FOUND);
	bool yes = false;
	assert_int_equal(o->unit_has_role(w, units[0], ",police,town_staff,", &yes), PA_OK);
	assert_true(yes);
	assert_int_equal(o->unit_has_role(w, units[0], ",police,", &yes), PA_OK);
	assert_false(yes);
	assert_int_equal(o->unit_has_role(w, units[1], ",town_staff,", &yes), PA_OK);
	assert_false(yes);
	assert_int_equal(o->commit(w), PA_OK);
	drop_store(s, w);
}

/* Log-in security: a second factor offered, confirmed with its recovery codes, its codes
 * taken once; recovery codes used once; failures under any username; sessions' use, duties
 * and ending; accounts listed with their locks; the audit log read back by action. */
static void test_login_security(void **st)
{
	(void)st;
	struct pa_db *w;
	struct pa_store *s = fresh_store(&w);
	const struct pa_store_ops *o = w->ops;
	int64_t units[2], uid, other;
	assert_int_equal(o->begin(w), PA_OK);
	seed_regions(w, units);
	struct pa_user_in u = {"li", "$argon2id$x", "town_staff", "429006101", "李", 0, 5, true};
	assert_int_equal(o->user_put(w, &u, &uid), PA_OK);
	struct pa_user_in v = {"demo", "$argon2id$y", "auditor", "429006", "", 0, 5, false, true};
	assert_int_equal(o->user_put(w, &v, &other), PA_OK);
	struct pa_user_auth a;
	assert_int_equal(o->user_auth(w, uid, &a), PA_OK);
	assert_string_equal(a.pw_hash, "$argon2id$x");
	assert_true(a.must_change && !a.totp_on && !a.totp_pending && !a.totp_exempt);
	int64_t n = 0;
	assert_int_equal(o->users_exempt(w, &n), PA_OK);
	assert_int_equal(n, 1);
	/* the second factor */
	const char *const codes[] = {"h1", "h2"};
	assert_int_equal(o->totp_confirm(w, uid, 100, codes, 2), PA_NOT_FOUND); /* none offered */
	const char *key = "pa1:a-sealed-key"; /* the store keeps what it is given */
	assert_int_equal(o->totp_offer(w, uid, key), PA_OK);
	assert_int_equal(o->user_auth(w, uid, &a), PA_OK);
	assert_true(a.totp_pending && !a.totp_on);
	assert_string_equal(a.totp_next, key);
	assert_int_equal(o->totp_confirm(w, uid, 100, codes, 2), PA_OK);
	assert_int_equal(o->user_auth(w, uid, &a), PA_OK);
	assert_true(a.totp_on && !a.totp_pending);
	assert_string_equal(a.totp_secret, key);
	assert_int_equal(a.totp_last_step, 100);
	assert_int_equal(a.recovery_left, 2);
	assert_int_equal(o->totp_take(w, uid, 100), PA_CONFLICT); /* the confirming code's step */
	assert_int_equal(o->totp_take(w, uid, 101), PA_OK);
	assert_int_equal(o->totp_take(w, uid, 101), PA_CONFLICT); /* no replay */
	assert_int_equal(o->recovery_use(w, uid, "h1", 7), PA_OK);
	assert_int_equal(o->recovery_use(w, uid, "h1", 8), PA_NOT_FOUND);   /* once */
	assert_int_equal(o->recovery_use(w, other, "h2", 8), PA_NOT_FOUND); /* not theirs */
	assert_int_equal(o->user_auth(w, uid, &a), PA_OK);
	assert_int_equal(a.recovery_left, 1);
	assert_int_equal(o->totp_clear(w, uid), PA_OK);
	assert_int_equal(o->user_auth(w, uid, &a), PA_OK);
	assert_true(!a.totp_on && !a.totp_pending && a.recovery_left == 0);
	assert_int_equal(o->recovery_use(w, uid, "h2", 9), PA_NOT_FOUND);
	assert_int_equal(o->user_password_set(w, uid, "$argon2id$z", false, 9), PA_OK);
	assert_int_equal(o->user_auth(w, uid, &a), PA_OK);
	assert_true(!a.must_change);
	assert_string_equal(a.pw_hash, "$argon2id$z");
	/* failures, under names with or without an account */
	struct pa_login_failures f = {3, 1000, 0}, g;
	assert_int_equal(o->login_failures_get(w, "nobody", &g), PA_OK);
	assert_int_equal(g.failures, 0);
	assert_int_equal(o->login_failures_put(w, "nobody", &f), PA_OK);
	f = (struct pa_login_failures){5, 2000, 2900};
	assert_int_equal(o->login_failures_put(w, "li", &f), PA_OK);
	assert_int_equal(o->login_failures_get(w, "li", &g), PA_OK);
	assert_true(g.failures == 5 && g.first_at == 2000 && g.locked_until == 2900);
	/* stale ones go: "nobody"'s window and lock ended before 1500, li's did not */
	assert_int_equal(o->login_failures_clear(w, "", 1500), PA_OK);
	assert_int_equal(o->login_failures_get(w, "nobody", &g), PA_OK);
	assert_int_equal(g.failures, 0);
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct pa_user_row *rows;
	int nrows;
	int64_t next;
	assert_int_equal(o->user_list(w, "429006", NULL, 0, 1, &ar, &rows, &nrows, &next), PA_OK);
	assert_int_equal(nrows, 1);
	assert_int_equal(next, uid);
	assert_string_equal(rows[0].username, "li");
	assert_true(rows[0].failures == 5 && rows[0].locked_until == 2900);
	assert_int_equal(o->user_list(w, "429006", NULL, next, 5, &ar, &rows, &nrows, &next),
			 PA_OK);
	assert_true(nrows == 1 && next == 0 && rows[0].totp_exempt);
	/* a town's accounts alone */
	assert_int_equal(o->user_list(w, "429006101", NULL, 0, 5, &ar, &rows, &nrows, &next),
			 PA_OK);
	assert_true(nrows == 1 && rows[0].id == uid);
	assert_int_equal(o->user_list(w, "429006", "demo", 0, 5, &ar, &rows, &nrows, &next), PA_OK);
	assert_true(nrows == 1 && rows[0].id == other);
	assert_int_equal(o->login_failures_clear(w, "li", 0), PA_OK);
	assert_int_equal(o->login_failures_get(w, "li", &g), PA_OK);
	assert_int_equal(g.locked_until, 0);
	/* sessions: their use, their duties, ending all of a user's but one */
	uint8_t h1[32] = {1}, h2[32] = {2};
	assert_int_equal(o->session_put(w, h1, uid, 100, 900, PA_NEEDS_TOTP), PA_OK);
	assert_int_equal(o->session_put(w, h2, uid, 100, 900, 0), PA_OK);
	assert_int_equal(o->session_touch(w, h1, 150), PA_OK);
	assert_int_equal(o->session_touch(w, h1, 120), PA_OK); /* never back in time */
	struct pa_user got;
	assert_int_equal(o->session_user(w, h1, 200, &got), PA_OK);
	assert_true(got.session_seen == 150 && got.session_needs == PA_NEEDS_TOTP);
	assert_int_equal(o->session_needs_set(w, h1, 0), PA_OK);
	assert_int_equal(o->session_user(w, h1, 200, &got), PA_OK);
	assert_int_equal(got.session_needs, 0u);
	assert_int_equal(o->sessions_end(w, uid, h1), PA_OK);
	assert_int_equal(o->session_user(w, h2, 200, &got), PA_NOT_FOUND);
	assert_int_equal(o->session_user(w, h1, 200, &got), PA_OK);
	assert_int_equal(o->sessions_end(w, uid, NULL), PA_OK);
	assert_int_equal(o->session_user(w, h1, 200, &got), PA_NOT_FOUND);
	assert_int_equal(o->user_by_id(w, uid, &got), PA_OK);
	assert_string_equal(got.username, "li");
	assert_int_equal(o->user_by_id(w, 999, &got), PA_NOT_FOUND);
	/* the audit log, newest first, by action prefix, a page at a time */
	const char *acts[] = {"auth.login", "routing.put", "auth.locked", "user.created"};
	for (int i = 0; i < 4; i++) {
		struct pa_audit_in e = {uid, 10 + i, acts[i], "user:1", "{}"};
		assert_int_equal(o->audit_add(w, &e), PA_OK);
	}
	/* the security events: actions of accounts and log-ins only (the store's own
	 * user.create for li among them), newest first, a page at a time */
	struct pa_audit_entry *ar_rows;
	struct pa_audit_filter af = {.limit = 2, .prefixes = {"auth.", "user."}};
	assert_int_equal(o->audit_list(w, &af, &ar, &ar_rows, &nrows, &next), PA_OK);
	assert_int_equal(nrows, 2);
	assert_string_equal(ar_rows[0].row.action, "user.created");
	assert_string_equal(ar_rows[1].row.action, "auth.locked");
	assert_string_equal(ar_rows[0].actor_name, "li");
	af.before = next;
	assert_int_equal(o->audit_list(w, &af, &ar, &ar_rows, &nrows, &next), PA_OK);
	assert_int_equal(nrows, 2);
	assert_string_equal(ar_rows[0].row.action, "auth.login");
	assert_string_equal(ar_rows[1].row.action, "user.create");
	af.before = next;
	af.limit = 50;
	assert_int_equal(o->audit_list(w, &af, &ar, &ar_rows, &nrows, &next), PA_OK);
	for (int i = 0; i < nrows; i++)
		assert_true(strncmp(ar_rows[i].row.action, "auth.", 5) == 0 ||
			    strncmp(ar_rows[i].row.action, "user.", 5) == 0);
	struct pa_audit_filter all = {.limit = 50};
	assert_int_equal(o->audit_list(w, &all, &ar, &ar_rows, &nrows, &next), PA_OK);
	bool routing = false;
	for (int i = 0; i < nrows; i++)
		routing |= strcmp(ar_rows[i].row.action, "routing.put") == 0;
	assert_true(routing);
	pa_arena_free(&ar);
	assert_int_equal(o->commit(w), PA_OK);
	drop_store(s, w);
}

/* Versions are numbered in order; the latest of a source, one by number, a page at a time
 * without their text; an API version names its author, a file version none. */
static void test_routing_versions(void **st)
{
	(void)st;
	struct pa_db *w;
	struct pa_store *s = fresh_store(&w);
	const struct pa_store_ops *o = w->ops;
	struct pa_arena a;
	pa_arena_init(&a);
	struct pa_routing_version got, *rows;
	int64_t units[2], uid, v;
	int n;
	int64_t next;
	assert_int_equal(o->routing_version_get(w, 0, NULL, &a, &got), PA_NOT_FOUND);
	assert_int_equal(o->begin(w), PA_OK);
	seed_regions(w, units);
	struct pa_user_in u = {"admin", "$argon2id$fake", "city_admin", "429006", "管理员", 0, 1};
	assert_int_equal(o->user_put(w, &u, &uid), PA_OK);
	struct pa_routing_version f = {
		.rules = "a", .sha256 = "ha", .source = "file", .reason = "start", .at = 10};
	assert_int_equal(o->routing_version_add(w, &f, &v), PA_OK);
	assert_int_equal(v, 1);
	struct pa_routing_version api = {.rules = "b",
					 .sha256 = "hb",
					 .source = "api",
					 .reason = "why",
					 .actor_id = uid,
					 .at = 20};
	assert_int_equal(o->routing_version_add(w, &api, &v), PA_OK);
	assert_int_equal(v, 2);
	/* the source and the author go together */
	api.actor_id = 0;
	assert_int_equal(o->routing_version_add(w, &api, &v), PA_CONFLICT);
	struct pa_audit_in e = {.actor_id = uid, .at = 20, .action = "x", .subject = "y"};
	assert_int_equal(o->audit_add(w, &e), PA_OK);
	assert_int_equal(o->commit(w), PA_OK);

	assert_int_equal(o->routing_version_get(w, 0, NULL, &a, &got), PA_OK);
	assert_int_equal(got.version, 2);
	assert_string_equal(got.rules, "b");
	assert_string_equal(got.actor_name, "管理员");
	assert_int_equal(o->routing_version_get(w, 0, "file", &a, &got), PA_OK);
	assert_int_equal(got.version, 1);
	assert_null(got.actor_name);
	assert_int_equal(got.actor_id, 0);
	assert_int_equal(o->routing_version_get(w, 1, NULL, &a, &got), PA_OK);
	assert_string_equal(got.reason, "start");
	assert_int_equal(o->routing_version_get(w, 3, NULL, &a, &got), PA_NOT_FOUND);
	assert_int_equal(o->routing_versions(w, 0, 1, &a, &rows, &n, &next), PA_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].version, 2);
	assert_null(rows[0].rules);
	assert_int_equal(next, 2);
	assert_int_equal(o->routing_versions(w, next, 1, &a, &rows, &n, &next), PA_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].version, 1);
	assert_int_equal(next, 0);
	pa_arena_free(&a);
	drop_store(s, w);
}

/* ---- writer ---- */

struct wjob {
	int64_t unit;
	int n;
	bool fail;
	struct pa_case_ref ref;
};

static enum pa_err wjob_fn(struct pa_db *db, void *arg)
{
	struct wjob *j = arg;
	if (j->fail)
		return pa_errf(PA_BAD_FIELD, "x", "refused on purpose");
	char title[32];
	snprintf(title, sizeof title, "case %d", j->n);
	add_case(db, "429006101201001", j->unit, title, 0, false, &j->ref);
	return PA_OK;
}

struct wthread {
	struct pa_writer *w;
	int64_t unit;
	int base;
	int ok, failed;
};

static void *wthread_main(void *arg)
{
	struct wthread *t = arg;
	for (int i = 0; i < 25; i++) {
		struct wjob j = {.unit = t->unit, .n = t->base + i, .fail = (i % 10) == 3};
		enum pa_err rc = pa_writer_run(t->w, wjob_fn, &j);
		if (rc == PA_OK)
			t->ok++;
		else if (rc == PA_BAD_FIELD && strcmp(pa_err_last()->field, "x") == 0)
			t->failed++;
	}
	return NULL;
}

static void test_writer_group_commit(void **st)
{
	(void)st;
	struct pa_db *w;
	struct pa_store *s = fresh_store(&w);
	int64_t units[2];
	assert_int_equal(w->ops->begin(w), PA_OK);
	seed_regions(w, units);
	assert_int_equal(w->ops->commit(w), PA_OK);
	w->ops->close(w);

	struct pa_writer *wr;
	assert_int_equal(pa_writer_start(s, 64, &wr), PA_OK);
	enum { T = 16 };
	pthread_t th[T];
	struct wthread ts[T];
	for (int i = 0; i < T; i++) {
		ts[i] = (struct wthread){.w = wr, .unit = units[0], .base = i * 100};
		pthread_create(&th[i], NULL, wthread_main, &ts[i]);
	}
	int ok = 0, failed = 0;
	for (int i = 0; i < T; i++) {
		pthread_join(th[i], NULL);
		ok += ts[i].ok;
		failed += ts[i].failed;
	}
	/* 3 of each 25 jobs fail on purpose (i = 3, 13, 23) and undo only themselves. */
	assert_int_equal(failed, T * 3);
	assert_int_equal(ok, T * 22);
	struct pa_writer_stats ws;
	pa_writer_get_stats(wr, &ws);
	assert_int_equal(ws.jobs, T * 25);
	/* Group commit: concurrent callers share commits. */
	assert_true(ws.batches < ws.jobs);
	assert_true(ws.max_batch > 1);
	pa_writer_stop(wr);

	struct pa_db *r = pa_store_acquire(s);
	struct pa_scope city = {.region = "429006"};
	json_t *out;
	assert_int_equal(r->ops->stats(r, &city, "429006", &out), PA_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "total")), T * 22);
	json_decref(out);
	pa_store_release(s, r);
	drop_store(s, NULL);
}

/* Backup, restore and check through the store interface: a copy of one moment that checks
 * whole and restores into another store, and a case whose state disagrees with its steps
 * named by check (damaged with SQLite itself: the interface never makes such a case). */
/* Before damage PostgreSQL's foreign keys would refuse (a case's city is in its rows' keys):
 * off for the session, as a restore of a damaged copy would have it. */
#define FK_OFF (tmpdb_pg() ? "SET session_replication_role = replica; " : "")

struct check_seen {
	int files, problems;
	char first_area[32];
	bool cities; /* a problem of the area "cities" */
};

static enum pa_err seen_file(void *arg, int64_t case_id, const char *sha, int64_t size)
{
	(void)case_id, (void)sha, (void)size;
	((struct check_seen *)arg)->files++;
	return PA_OK;
}

static void seen_problem(void *arg, const char *area, const char *message)
{
	struct check_seen *c = arg;
	(void)message;
	if (!c->problems++)
		snprintf(c->first_area, sizeof c->first_area, "%s", area);
	c->cities = c->cities || !strcmp(area, "cities");
}

static struct check_seen check_store(const char *path)
{
	static const char *const uncounted[] = {"fraud_visit"};
	static const char *const open[] = {"dispute/reported", "dispute/accepted"};
	const struct pa_check_rules rules = {uncounted, 1, open, 2};
	struct check_seen c = {0};
	struct pa_check_report rep = {.problem = seen_problem, .file = seen_file, .arg = &c};
	struct pa_store *s;
	assert_int_equal(pa_store_open(path, &s), PA_OK);
	struct pa_db *r = pa_store_acquire(s);
	assert_non_null(r);
	assert_int_equal(r->ops->check(r, &rules, &rep), PA_OK);
	assert_int_equal(rep.problems, c.problems);
	assert_int_equal(rep.cases, 2);
	assert_int_equal(rep.attachments, 1);
	assert_true(rep.schema_version > 0);
	pa_store_release(s, r);
	pa_store_close(s);
	return c;
}

static enum pa_err put_city(struct pa_db *db, void *arg)
{
	(void)arg;
	struct pa_region_in r = {"429006", NULL, "city", "天门市", 1, 113.1, 30.6, NULL};
	return db->ops->region_put(db, &r);
}

/* PostgreSQL: work that meets a serialization failure is run again and succeeds — the
 * writer's batch (a trigger fails its first two inserts) and a statement run alone, as the
 * read connections run theirs (a view fails its first two reads; on the writer's
 * connection, for a sequence cannot move in the readers' read-only transactions). */
static void test_retry_transient(void **st)
{
	(void)st;
	if (!tmpdb_pg())
		skip();
	struct pa_db *w;
	struct pa_store *s = fresh_store(&w);
	w->ops->close(w);
	assert_int_equal(
		tmpdb_exec(dbpath,
			   "CREATE SEQUENCE flaky;"
			   "CREATE FUNCTION flaky() RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN"
			   " IF nextval('flaky') <= 2 THEN RAISE EXCEPTION 'try again' USING"
			   " ERRCODE = '40001'; END IF; RETURN true; END $$;"
			   "CREATE FUNCTION flaky_row() RETURNS trigger LANGUAGE plpgsql AS $$"
			   " BEGIN PERFORM flaky(); RETURN NEW; END $$;"
			   "CREATE TRIGGER flaky BEFORE INSERT ON regions FOR EACH ROW"
			   " EXECUTE FUNCTION flaky_row()"),
		0);
	struct pa_writer *wr;
	assert_int_equal(pa_writer_start(s, 64, &wr), PA_OK);
	assert_int_equal(pa_writer_run(wr, put_city, NULL), PA_OK);
	struct pa_writer_stats ws;
	pa_writer_get_stats(wr, &ws);
	assert_int_equal(ws.retried_batches, 2);
	assert_int_equal(ws.failed_jobs, 0);
	pa_writer_stop(wr);

	assert_int_equal(tmpdb_exec(dbpath, "ALTER SEQUENCE flaky RESTART;"
					    "ALTER TABLE regions RENAME TO regions_kept;"
					    "CREATE VIEW regions AS SELECT * FROM regions_kept"
					    " WHERE flaky()"),
			 0);
	assert_int_equal(pa_store_open_writer(s, &w), PA_OK);
	json_t *out = NULL;
	assert_int_equal(w->ops->region_get(w, "429006", &out), PA_OK);
	assert_string_equal(json_string_value(json_object_get(out, "name")), "天门市");
	json_decref(out);
	assert_true(tmpdb_int(dbpath, "SELECT last_value FROM flaky") >= 3);
	drop_store(s, w);
}

/* The pool never has more read connections open than it was sized for: with all lent, an
 * acquire that may not wait fails busy, and a connection given back is lent again. */
static void test_pool_capped(void **st)
{
	(void)st;
	struct pa_db *w;
	struct pa_store *s = fresh_store(&w);
	pa_store_pool_set(s, 2, 0);
	struct pa_db *a = pa_store_acquire(s), *b = pa_store_acquire(s);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a != b);
	assert_null(pa_store_acquire(s));
	assert_int_equal(pa_err_last()->code, PA_STORE_BUSY);
	pa_store_release(s, a);
	struct pa_db *c = pa_store_acquire(s);
	assert_ptr_equal(c, a);
	int64_t n = 0;
	assert_int_equal(c->ops->users_exempt(c, &n), PA_OK); /* a working connection */
	pa_store_release(s, b);
	pa_store_release(s, c);
	assert_int_equal(s->nopen, 2);
	drop_store(s, w);
}

static void test_backup_check(void **st)
{
	(void)st;
	struct pa_db *w;
	struct pa_store *s = fresh_store(&w);
	int64_t units[2];
	struct pa_case_ref a, b;
	assert_int_equal(w->ops->begin(w), PA_OK);
	seed_regions(w, units);
	add_case(w, "429006101201001", units[0], "甲", 0, false, &a);
	add_case(w, "429006102201001", units[1], "乙", 0, false, &b);
	char sha[65];
	memset(sha, 'a', 64);
	sha[64] = 0;
	assert_int_equal(
		w->ops->attachment_add(w, a.id, sha, "image/png", 3, "x.png", 0, 1764000001),
		PA_OK);
	assert_int_equal(w->ops->commit(w), PA_OK);
	struct check_seen c = check_store(dbpath);
	assert_int_equal(c.problems, 0);
	assert_int_equal(c.files, 1);

	/* a backup is a file on either backend; restored into a database of the backend */
	char bak[96], back[256];
	snprintf(bak, sizeof bak, "/tmp/pingan-store-%d.bak", (int)getpid());
	unlink(bak);
	tmpdb_path(back, sizeof back, "back");
	struct pa_db *r = pa_store_acquire(s);
	c = (struct check_seen){0};
	struct pa_copy_cbs cb = {.file = seen_file, .arg = &c};
	assert_int_equal(r->ops->backup(r, bak, &cb), PA_OK);
	assert_int_equal(c.files, 1);
	assert_int_equal(r->ops->backup(r, bak, &cb), PA_CONFLICT); /* never over a file */
	pa_store_release(s, r);
	if (!tmpdb_pg()) /* a SQLite backup is a database itself */
		assert_int_equal(check_store(bak).problems, 0);

	struct pa_store *s2;
	struct pa_db *w2;
	assert_int_equal(pa_store_open(back, &s2), PA_OK);
	assert_int_equal(pa_store_open_writer(s2, &w2), PA_OK);
	assert_int_equal(w2->ops->restore(w2, bak, NULL), PA_OK);
	w2->ops->close(w2);
	pa_store_close(s2);
	assert_int_equal(check_store(back).problems, 0);

	char sql[160];
	snprintf(sql, sizeof sql, "UPDATE cases SET status = 'accepted' WHERE id = %lld",
		 (long long)a.id);
	assert_int_equal(tmpdb_exec(dbpath, sql), 0);
	c = check_store(dbpath);
	assert_true(c.problems >= 1);
	assert_string_equal(c.first_area, "history");
	assert_false(c.cities);
	/* a case whose city is not its grid's */
	snprintf(sql, sizeof sql, "%sUPDATE cases SET city = '420982' WHERE id = %lld", FK_OFF,
		 (long long)b.id);
	assert_int_equal(tmpdb_exec(dbpath, sql), 0);
	assert_true(check_store(dbpath).cities);
	unlink(bak);
	tmpdb_remove(back);
	drop_store(s, w);
}

/* Two cities of one province in one database: every read is bounded by the reader's city as
 * well as region, unit codes are a city's own, case numbers run per city, and a province's
 * scope sees its cities' statistics. */
static void test_cities(void **st)
{
	(void)st;
	struct pa_db *w;
	struct pa_store *s = fresh_store(&w);
	const struct pa_store_ops *o = w->ops;
	int64_t units[2], other[2];
	assert_int_equal(o->begin(w), PA_OK);
	struct pa_region_in prov = {"42", NULL, "province", "湖北省", 0, 0, 0, NULL};
	assert_int_equal(o->region_put(w, &prov), PA_OK);
	seed_regions(w, units);
	struct pa_region_in rs[] = {
		{"420982", "42", "city", "安陆市", 1, 113.7, 31.3, NULL},
		{"420982101", "420982", "town", "丙镇", 2, 113.7, 31.3, NULL},
		{"420982101201", "420982101", "village", "丙村", 3, 113.7, 31.3, NULL},
		{"420982101201001", "420982101201", "grid", "丙村第1网格", 4, 113.7, 31.3, NULL},
	};
	for (size_t i = 0; i < sizeof rs / sizeof *rs; i++)
		assert_int_equal(o->region_put(w, &rs[i]), PA_OK);
	/* a code is a city's own: the same code in another city, not twice in one */
	struct pa_unit_in u1 = {"t1", "丙镇综治中心", "town_centre", "420982101", "town"};
	struct pa_unit_in u2 = {"c1", "安陆市中心", "city_centre", "420982", "city"};
	assert_int_equal(o->unit_put(w, &u1, &other[0]), PA_OK);
	assert_int_equal(o->unit_put(w, &u2, &other[1]), PA_OK);
	assert_int_equal(o->commit(w), PA_OK);
	assert_int_equal(o->begin(w), PA_OK);
	struct pa_unit_in dup = {"t1", "又一个", "town_centre", "420982101", "town"};
	int64_t dup_id;
	assert_int_equal(o->unit_put(w, &dup, &dup_id), PA_CONFLICT);
	o->rollback(w);

	assert_int_equal(o->begin(w), PA_OK);
	struct pa_case_ref a, b, c;
	add_case(w, "429006101201001", units[0], "天门的案件", 0, false, &a);
	add_case(w, "420982101201001", other[0], "安陆的案件", 0, false, &b);
	add_case(w, "420982101201001", other[0], "安陆的又一件", 0, false, &c);
	assert_int_equal(o->commit(w), PA_OK);
	/* numbers run per city */
	assert_string_equal(a.number, "PA-429006-2026-000001");
	assert_string_equal(b.number, "PA-420982-2026-000001");
	assert_string_equal(c.number, "PA-420982-2026-000002");

	struct pa_db *r = pa_store_acquire(s);
	struct pa_scope tianmen = {.region = "429006"}, anlu = {.region = "420982"},
			hubei = {.region = "42"};
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct pa_case_row row, *rows;
	struct pa_case_head h;
	int n;
	int64_t next, count;
	/* by id: another city's case is not there */
	assert_int_equal(o->case_get(r, &anlu, b.id, &ar, &row), PA_OK);
	assert_int_equal(o->case_get(r, &tianmen, b.id, &ar, &row), PA_NOT_FOUND);
	assert_int_equal(o->case_head(r, &tianmen, c.id, &h), PA_NOT_FOUND);
	assert_int_equal(o->case_head(r, &anlu, a.id, &h), PA_NOT_FOUND);
	/* lists and counts */
	struct pa_case_filter f = {.limit = 10};
	assert_int_equal(o->case_list(r, &tianmen, &f, &ar, &rows, &n, &next), PA_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, a.id);
	assert_int_equal(o->case_count(r, &anlu, &f, &count), PA_OK);
	assert_int_equal(count, 2);
	assert_int_equal(o->case_count(r, &hubei, &f, &count), PA_OK);
	assert_int_equal(count, 3);
	/* a unit of one city sees nothing of another's, its id given or not */
	struct pa_scope unit_elsewhere = {.region = "429006", .by_unit = true, .unit_id = other[0]};
	assert_int_equal(o->case_count(r, &unit_elsewhere, &f, &count), PA_OK);
	assert_int_equal(count, 0);
	/* units: by code within a city; listed per city */
	int64_t id;
	char region[16];
	assert_int_equal(o->unit_by_code(r, "420982", "t1", &id, NULL, 0, region), PA_OK);
	assert_int_equal(id, other[0]);
	assert_string_equal(region, "420982101");
	assert_int_equal(o->unit_by_code(r, "429006", "t1", &id, NULL, 0, region), PA_OK);
	assert_int_equal(id, units[0]);
	assert_int_equal(o->unit_by_code(r, "429006", "c1", &id, NULL, 0, NULL), PA_NOT_FOUND);
	json_t *list = NULL;
	assert_int_equal(o->unit_page(r, "429006", NULL, 0, 100, &list, &next), PA_OK);
	assert_int_equal(json_array_size(list), 2);
	json_decref(list);
	assert_int_equal(o->unit_page(r, "42", NULL, 0, 100, &list, &next), PA_OK);
	assert_int_equal(json_array_size(list), 4);
	json_decref(list);
	/* statistics: a city's own, the province's of both */
	json_t *out = NULL;
	assert_int_equal(o->stats(r, &tianmen, "429006", &out), PA_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "total")), 1);
	json_decref(out);
	assert_int_equal(o->stats(r, &hubei, "42", &out), PA_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "total")), 3);
	json_decref(out);
	assert_int_equal(o->stat_events(r, "420982", 202501, 203012, 0, &out), PA_OK);
	assert_int_equal(json_array_size(out), 1);
	json_decref(out);
	pa_store_release(s, r);

	/* the city bound stands on its own column: a case whose city is not its grid's is seen
	 * by neither city */
	char sql[128];
	snprintf(sql, sizeof sql, "%sUPDATE cases SET city = '420982' WHERE id = %lld", FK_OFF,
		 (long long)a.id);
	assert_int_equal(tmpdb_exec(dbpath, sql), 0);
	r = pa_store_acquire(s);
	struct pa_scope town1 = {.region = "429006101"};
	assert_int_equal(o->case_get(r, &town1, a.id, &ar, &row), PA_NOT_FOUND);
	assert_int_equal(o->case_get(r, &anlu, a.id, &ar, &row), PA_NOT_FOUND);
	assert_int_equal(o->case_count(r, &tianmen, &f, &count), PA_OK);
	assert_int_equal(count, 0);
	pa_store_release(s, r);
	pa_arena_free(&ar);
	drop_store(s, w);
}

/* A database of the schema before cities (SQLite 17, PostgreSQL 2) with a case in it: the
 * migration gives every row its city and each city the year's counter where it was. */
static void test_migration_fills_cities(void **st)
{
	(void)st;
	tmpdb_path(dbpath, sizeof dbpath, "store");
	bool pg = tmpdb_pg() != NULL;
	const char *const *migs = pg ? pa_pg_migrations : pa_sqlite_migrations;
	int before = pg ? 3 : 18; /* the migrations before the cities' (PG 4, SQLite 19) */
	assert_int_equal(tmpdb_exec(dbpath,
				    "CREATE TABLE schema_version ("
				    " version integer PRIMARY KEY, applied_at bigint NOT NULL)"),
			 0);
	for (int v = 0; v < before; v++) {
		char sql[96];
		snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES (%d, 0)", v + 1);
		assert_int_equal(tmpdb_exec(dbpath, migs[v]), 0);
		assert_int_equal(tmpdb_exec(dbpath, sql), 0);
	}
	assert_int_equal(
		tmpdb_exec(
			dbpath,
			"INSERT INTO regions (code, parent, level, kind, name) VALUES"
			" ('429006', NULL, 1, 'city', '天门市'),"
			" ('429006101', '429006', 2, 'town', '甲镇'),"
			" ('429006101201', '429006101', 3, 'village', '甲村'),"
			" ('429006101201001', '429006101201', 4, 'grid', '甲村第1网格');"
			"INSERT INTO units (id, code, name, kind, region, tier) VALUES"
			" (1, 't1', '甲镇综治中心', 'town_centre', '429006101', 'town');"
			"INSERT INTO users (id, username, pw_hash, role, region, unit_id,"
			" created_at) VALUES (1, 'u1', 'x', 'town_staff', '429006101', 1, 0);"
			"INSERT INTO cases (id, number, type, category, status, title,"
			" description, grid, lng, lat, channel, unit_id, created_at, updated_at,"
			" search) VALUES (7, 'PA-2026-000007', 'dispute', 'neighbour',"
			" 'reported', '旧案', '描述', '429006101201001', 113.1, 30.6, 'walk_in',"
			" 1, 1764000000, 1764000000, '旧案');"
			"INSERT INTO case_steps (id, case_id, action, to_state, to_unit, at)"
			" VALUES (1, 7, 'report', 'reported', 1, 1764000000);"
			"INSERT INTO case_units (unit_id, case_id) VALUES (1, 7);"
			"INSERT INTO case_parties (case_id, idx, role, name)"
			" VALUES (7, 0, 'applicant', '王某');"
			"INSERT INTO stat_counts (grid, type, category, status, n) VALUES"
			" ('429006101201001', 'dispute', 'neighbour', 'reported', 1);"
			"INSERT INTO stat_month (grid, month, type, category, metric, unit_id, n)"
			" VALUES ('429006101201001', 202511, 'dispute', 'neighbour', 'reported',"
			" 1, 1);"
			"INSERT INTO counters (name, value) VALUES ('case_number:2026', 7)"),
		0);
	struct pa_db *w;
	int from, to;
	struct pa_store *s = migrated(&w, &from, &to);
	assert_int_equal(from, before);
	assert_int_equal(to, pg ? pa_pg_nmigrations : pa_sqlite_nmigrations);
	assert_int_equal(tmpdb_int(dbpath, "SELECT count(*) FROM cases WHERE city = '429006'"), 1);
	assert_int_equal(tmpdb_int(dbpath, "SELECT count(*) FROM units WHERE city = '429006'"), 1);
	assert_int_equal(tmpdb_int(dbpath, "SELECT count(*) FROM users WHERE city = '429006'"), 1);
	assert_int_equal(tmpdb_int(dbpath, "SELECT count(*) FROM regions WHERE city = '429006'"),
			 4);
	assert_int_equal(
		tmpdb_int(dbpath, "SELECT count(*) FROM stat_counts WHERE city = '429006'"), 1);
	assert_int_equal(tmpdb_int(dbpath, "SELECT count(*) FROM stat_month WHERE city = '429006'"),
			 1);
	assert_int_equal(
		tmpdb_int(dbpath,
			  "SELECT value FROM counters WHERE name = 'case_number:429006:2026'"),
		7);
	assert_int_equal(
		tmpdb_int(dbpath, "SELECT count(*) FROM counters WHERE name = 'case_number:2026'"),
		0);
	if (pg) /* the rows kept with a case carry its city, first in their keys */
		assert_int_equal(tmpdb_int(dbpath,
					   "SELECT (SELECT count(*) FROM case_steps WHERE city ="
					   " '429006') + (SELECT count(*) FROM case_parties WHERE"
					   " city = '429006') + (SELECT count(*) FROM case_units"
					   " WHERE city = '429006')"),
				 3);
	struct pa_db *r = pa_store_acquire(s);
	struct pa_scope town1 = {.region = "429006101"}, anlu = {.region = "420982"};
	struct pa_arena ar;
	pa_arena_init(&ar);
	struct pa_case_row row;
	assert_int_equal(r->ops->case_get(r, &town1, 7, &ar, &row), PA_OK);
	assert_string_equal(row.number, "PA-2026-000007"); /* a number stays as it was */
	assert_int_equal(r->ops->case_get(r, &anlu, 7, &ar, &row), PA_NOT_FOUND);
	pa_arena_free(&ar);
	pa_store_release(s, r);
	drop_store(s, w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contract),
		cmocka_unit_test(test_watch_due),
		cmocka_unit_test(test_sorted_lists_and_units),
		cmocka_unit_test(test_users_sessions_idem),
		cmocka_unit_test(test_case_who_and_unit_roles),
		cmocka_unit_test(test_login_security),
		cmocka_unit_test(test_routing_versions),
		cmocka_unit_test(test_writer_group_commit),
		cmocka_unit_test(test_retry_transient),
		cmocka_unit_test(test_pool_capped),
		cmocka_unit_test(test_backup_check),
		cmocka_unit_test(test_cities),
		cmocka_unit_test(test_migration_fills_cities),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
