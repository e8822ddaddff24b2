/* pg_cases.c: cases on PostgreSQL — intake with its number, parties, first step and
 * counters; reads bounded by the caller's scope in the query; steps guarded by the state
 * they start from; links. Mirrors sqlite.c statement by statement. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/city.h"
#include "store/pg.h"

/* Clock parameters: started, due_yellow, due_red, paused_at, next_due, paused_days,
 * paused_secs, level. */
static void args_clock(struct pg_args *a, const struct pa_clock *c)
{
	pg_id(a, c->started);
	pg_id(a, c->due_yellow);
	pg_id(a, c->due_red);
	pg_id(a, c->paused_at);
	pg_id(a, c->next_due);
	pg_int(a, c->paused_days);
	pg_int(a, c->paused_secs);
	pg_text(a, c->level[0] ? c->level : "none");
}

static void clock_from(const PGresult *r, int i, int c, struct pa_clock *k)
{
	memset(k, 0, sizeof *k);
	k->started = pg_i(r, i, c);
	k->due_yellow = pg_i(r, i, c + 1);
	k->due_red = pg_i(r, i, c + 2);
	k->paused_at = pg_i(r, i, c + 3);
	k->next_due = pg_i(r, i, c + 4);
	k->paused_days = (int)pg_i(r, i, c + 5);
	k->paused_secs = pg_i(r, i, c + 6);
	snprintf(k->level, sizeof k->level, "%s", pg_s(r, i, c + 7));
}

static enum pa_err count_add(struct pg *d, const char *grid, const char *type, const char *category,
			     const char *status, int delta)
{
	static const char sql[] =
		"INSERT INTO stat_counts (city, grid, type, category, status,"
		" n) VALUES (substr($1, 1, 6),$1,$2,$3,$4,$5) ON CONFLICT (city,"
		" grid, type, category, status) DO UPDATE SET n = stat_counts.n + excluded.n";
	struct pg_args a = {0};
	pg_text(&a, grid);
	pg_text(&a, type);
	pg_text(&a, category);
	pg_text(&a, status);
	pg_int(&a, delta);
	return pg_do(d, sql, &a, "counters", NULL);
}

static int month_of(int64_t t)
{
	time_t cst = (time_t)(t + 8 * 3600);
	struct tm tm;
	gmtime_r(&cst, &tm);
	return (tm.tm_year + 1900) * 100 + tm.tm_mon + 1;
}

/* The statistics a step changes (s->stats): events counted for unit, the unit holding the
 * case when they happened (0: none), or for the unit the step came from (sender); cohort
 * events in the month of the case's report, for the unit it was reported to. */
static enum pa_err apply_stats(struct pg *d, const struct pa_step_in *s, int64_t unit)
{
	static const char sql[] =
		"INSERT INTO stat_month (city, grid, month, type, category, metric, n, unit_id)"
		" VALUES (substr($1, 1, 6),$1,$2,$3,$4,$5,$6,$7) ON CONFLICT (city, grid, month,"
		" type, category, metric, unit_id) DO UPDATE SET n = stat_month.n + excluded.n";
	for (int i = 0; i < s->nstats; i++) {
		const struct pa_stat_delta *v = &s->stats[i];
		enum pa_err e;
		if (v->snapshot) {
			e = count_add(d, s->grid, s->type, s->category, v->metric, v->delta);
		} else {
			struct pg_args a = {0};
			pg_text(&a, s->grid);
			pg_int(&a, month_of(v->cohort ? s->cohort_at : s->at));
			pg_text(&a, s->type);
			pg_text(&a, s->category);
			pg_text(&a, v->metric);
			pg_int(&a, v->delta);
			pg_int(&a, v->cohort ? s->cohort_unit : v->sender ? s->from_unit : unit);
			e = pg_do(d, sql, &a, "statistics", NULL);
		}
		if (e)
			return e;
	}
	return PA_OK;
}

static enum pa_err insert_step(struct pg *d, const struct pa_step_in *s, int64_t *step_id)
{
	static const char sql[] =
		"INSERT INTO case_steps (city, case_id, action, from_state, to_state,"
		" from_unit, to_unit, actor_id, at, note) VALUES (" CASE_CITY(
			"$1") ",$1,$2,$3,"
			      "$4,$5,$6,$7,$8,$9)"
			      " RETURNING id";
	static const char cu[] = "INSERT INTO case_units (city, unit_id, case_id)"
				 " VALUES (" CASE_CITY("$2") ",$1,$2)"
							     " ON CONFLICT DO NOTHING";
	struct pg_args a = {0};
	pg_int(&a, s->case_id);
	pg_text(&a, s->action);
	pg_text(&a, s->from_state);
	pg_text(&a, s->to_state);
	pg_id(&a, s->from_unit);
	pg_id(&a, s->to_unit);
	pg_id(&a, s->actor_id);
	pg_int(&a, s->at);
	pg_text(&a, s->note && *s->note ? s->note : NULL);
	enum pa_err e;
	PGresult *r = pg_run(d, sql, &a, "step insert", &e);
	if (!r)
		return e;
	*step_id = pg_i(r, 0, 0);
	PQclear(r);
	/* Both ends of a step can see the case from then on. */
	int64_t units[2] = {s->from_unit, s->to_unit};
	for (int i = 0; i < 2 && !e; i++) {
		if (!units[i])
			continue;
		struct pg_args b = {0};
		pg_int(&b, units[i]);
		pg_int(&b, s->case_id);
		e = pg_do(d, cu, &b, "case units", NULL);
	}
	return e;
}

enum pa_err pg_persons_add(struct pg *d, int64_t id, const struct pa_case_in *c)
{
	static const char sql[] = "INSERT INTO case_persons (city, bidx, case_id)"
				  " VALUES (" CASE_CITY("$2") ",$1,$2)"
							      " ON CONFLICT DO NOTHING";
	for (int i = 0; i < c->npersons; i++) {
		struct pg_args a = {0};
		pg_text(&a, c->persons[i]);
		pg_int(&a, id);
		enum pa_err e = pg_do(d, sql, &a, "case persons", NULL);
		if (e)
			return e;
	}
	return PA_OK;
}

enum pa_err pg_bump(struct pg *d, int64_t case_id, const char *what)
{
	static const char bump[] = "UPDATE cases SET version = version + 1 WHERE id = $1";
	struct pg_args a = {0};
	pg_int(&a, case_id);
	return pg_do(d, bump, &a, what, NULL);
}

static enum pa_err pg_case_insert(struct pa_db *db, const struct pa_case_in *c,
				  struct pa_case_ref *out)
{
	struct pg *d = PG(db);
	char counter[48], city[PA_CITY_LEN + 1];
	pa_city_of(c->grid, city);
	snprintf(counter, sizeof counter, "case_number:%s:%d", city, c->year);
	static const char seq[] = "INSERT INTO counters (name, value) VALUES ($1, 1)"
				  " ON CONFLICT (name) DO UPDATE SET value = counters.value + 1"
				  " RETURNING value";
	struct pg_args a = {0};
	pg_text(&a, counter);
	enum pa_err e;
	PGresult *r = pg_run(d, seq, &a, "case number", &e);
	if (!r)
		return e;
	int64_t n = pg_i(r, 0, 0);
	PQclear(r);
	snprintf(out->number, sizeof out->number, "PA-%s-%d-%06lld", city, c->year, (long long)n);

	static const char sql[] =
		"INSERT INTO cases (number, type, category, status, title,"
		" description, grid, lng, lat, address, channel, fields, unit_id,"
		" reporter_id, created_at, updated_at, search, tier, routing_rule,"
		" profile, phase_started, due_yellow, due_red, paused_at, next_due,"
		" paused_days, paused_secs, sup_level, query_hash, watch_due, watch_open,"
		" routing_version, seal_id, city) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,"
		"$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31,$32,"
		"$33,$34)"
		" RETURNING id";
	struct pg_args b = {0};
	pg_text(&b, out->number);
	pg_text(&b, c->type);
	pg_text(&b, c->category);
	pg_text(&b, c->status);
	pg_text(&b, c->title);
	pg_text(&b, c->description);
	pg_text(&b, c->grid);
	pg_dbl(&b, c->lng);
	pg_dbl(&b, c->lat);
	pg_text(&b, c->address);
	pg_text(&b, c->channel);
	pg_text(&b, c->fields_json ? c->fields_json : "{}");
	pg_id(&b, c->unit_id);
	pg_id(&b, c->reporter_id);
	pg_int(&b, c->at);
	pg_int(&b, c->at);
	pg_text(&b, c->search);
	pg_text(&b, c->tier ? c->tier : "town");
	pg_text(&b, c->routing_rule);
	pg_text(&b, c->profile ? c->profile : "ordinary");
	args_clock(&b, &c->clock);
	pg_text(&b, c->query_hash);
	pg_id(&b, c->watch_due);
	pg_int(&b, c->watch_due && c->watch_open);
	pg_id(&b, c->routing_version);
	pg_text(&b, c->seal_id);
	pg_text(&b, city);
	if (!(r = pg_run(d, sql, &b, "case insert", &e)))
		return e;
	out->id = pg_i(r, 0, 0);
	PQclear(r);
	if ((e = pg_persons_add(d, out->id, c)))
		return e;

	static const char party[] = "INSERT INTO case_parties (city, case_id, idx, role,"
				    " name, id_number, phone, address) VALUES (" CASE_CITY(
					    "$1") ",$1,$2,$3,$4,$5,$6,$7)";
	for (int i = 0; i < c->nparties; i++) {
		struct pg_args p = {0};
		pg_int(&p, out->id);
		pg_int(&p, i);
		pg_text(&p, c->parties[i].role);
		pg_text(&p, c->parties[i].name);
		pg_text(&p, c->parties[i].id_number);
		pg_text(&p, c->parties[i].phone);
		pg_text(&p, c->parties[i].address);
		if ((e = pg_do(d, party, &p, "party insert", NULL)))
			return e;
	}
	struct pa_step_in s = {.case_id = out->id,
			       .action = c->action,
			       .to_state = c->status,
			       .from_unit = c->from_unit,
			       .to_unit = c->unit_id,
			       .actor_id = c->reporter_id,
			       .at = c->at,
			       .note = c->note,
			       .type = c->type,
			       .category = c->category,
			       .grid = c->grid,
			       .nstats = c->uncounted ? 0 : 1,
			       .stats = {{"reported", 1, false, false, false}}};
	int64_t step_id;
	if ((e = insert_step(d, &s, &step_id)))
		return e;
	char action[64];
	snprintf(action, sizeof action, "case.%s", c->action);
	if ((e = pg_audit_json(d, c->reporter_id, action, "case", out->id, NULL,
			       json_pack("{s:s, s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:o, s:o}",
					 "number", out->number, "step", (json_int_t)step_id, "type",
					 c->type, "category", c->category, "to", c->status, "grid",
					 c->grid, "channel", c->channel, "to_unit",
					 pg_jid(c->unit_id), "from_unit", pg_jid(c->from_unit)))))
		return e;
	if ((e = apply_stats(d, &s, c->unit_id)))
		return e;
	return count_add(d, c->grid, c->type, c->category, c->status, 1);
}

static enum pa_err pg_case_head(struct pa_db *db, const struct pa_scope *s, int64_t id,
				struct pa_case_head *h)
{
	static const char sql[] =
		"SELECT c.id, c.type, c.category, c.status, c.grid, c.unit_id,"
		" c.version, c.tier, c.urgent, c.ext_pending, c.profile, c.ext_days,"
		" c.phase_started, c.due_yellow, c.due_red, c.paused_at, c.next_due,"
		" c.paused_days, c.paused_secs, c.sup_level, c.overdue, c.rating,"
		" c.unreasonable, (SELECT count(*) FROM supervisions v WHERE"
		" v.case_id = c.id AND v.level = 'manual' AND v.reported_at IS NULL),"
		" c.watch_due, c.watch_open, c.watch_marked_at, c.channel, c.created_at,"
		" (SELECT s.to_unit FROM case_steps s WHERE s.city = c.city AND s.case_id = c.id"
		" ORDER BY s.id LIMIT 1) FROM cases c"
		" WHERE c.id = $4 AND" PG_SCOPE_WHERE;
	struct pg_args a = {0};
	pg_scope(&a, s);
	pg_int(&a, id);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "case head", &e);
	if (!r)
		return e;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return pa_errf(PA_NOT_FOUND, NULL, "no case %lld", (long long)id);
	}
	memset(h, 0, sizeof *h);
	h->id = pg_i(r, 0, 0);
	snprintf(h->type, sizeof h->type, "%s", pg_s(r, 0, 1));
	snprintf(h->category, sizeof h->category, "%s", pg_s(r, 0, 2));
	snprintf(h->status, sizeof h->status, "%s", pg_s(r, 0, 3));
	snprintf(h->grid, sizeof h->grid, "%s", pg_s(r, 0, 4));
	h->unit_id = pg_i(r, 0, 5);
	h->version = pg_i(r, 0, 6);
	snprintf(h->tier, sizeof h->tier, "%s", pg_s(r, 0, 7));
	h->urgent = (int)pg_i(r, 0, 8);
	h->ext_pending = (int)pg_i(r, 0, 9);
	snprintf(h->profile, sizeof h->profile, "%s", pg_s(r, 0, 10));
	h->ext_days = (int)pg_i(r, 0, 11);
	clock_from(r, 0, 12, &h->clock);
	h->overdue = (int)pg_i(r, 0, 20);
	snprintf(h->rating, sizeof h->rating, "%s", pg_s(r, 0, 21));
	h->unreasonable = pg_i(r, 0, 22) != 0;
	h->open_supervisions = (int)pg_i(r, 0, 23);
	h->watch_due = pg_i(r, 0, 24);
	h->watch_open = pg_i(r, 0, 25) != 0;
	h->watch_marked = pg_i(r, 0, 26);
	snprintf(h->channel, sizeof h->channel, "%s", pg_s(r, 0, 27));
	h->reported_at = pg_i(r, 0, 28);
	h->entry_unit = pg_i(r, 0, 29);
	PQclear(r);
	return PA_OK;
}

#define CASE_COLS                                                                              \
	"c.id, c.number, c.type, c.category, c.status, c.title, c.grid, c.lng, c.lat,"         \
	" c.channel, c.unit_id, (SELECT name FROM units WHERE id = c.unit_id),"                \
	" c.created_at, c.updated_at, (SELECT name FROM regions WHERE code = c.grid),"         \
	" c.description, c.address, c.fields, c.reporter_id, c.version, c.tier, c.urgent,"     \
	" c.ext_pending, c.ext_days, c.rating, c.unreasonable, c.merged_into, c.routing_rule," \
	" c.profile, c.phase_started, c.due_yellow, c.due_red, c.paused_at, c.next_due,"       \
	" c.paused_days, c.paused_secs, c.sup_level, c.watch_due, c.watch_open,"               \
	" c.watch_marked_at, c.routing_version, c.seal_id"

static void case_from(struct pa_arena *a, const PGresult *r, int i, bool full,
		      struct pa_case_row *o)
{
	memset(o, 0, sizeof *o);
	o->id = pg_i(r, i, 0);
	o->number = pg_a(a, r, i, 1);
	o->type = pg_a(a, r, i, 2);
	o->category = pg_a(a, r, i, 3);
	o->status = pg_a(a, r, i, 4);
	o->title = pg_a(a, r, i, 5);
	o->grid = pg_a(a, r, i, 6);
	o->lng = pg_d(r, i, 7);
	o->lat = pg_d(r, i, 8);
	o->channel = pg_a(a, r, i, 9);
	o->unit_id = pg_i(r, i, 10);
	o->unit_name = pg_a(a, r, i, 11);
	o->created_at = pg_i(r, i, 12);
	o->updated_at = pg_i(r, i, 13);
	o->grid_name = pg_a(a, r, i, 14);
	o->version = pg_i(r, i, 19);
	o->tier = pg_a(a, r, i, 20);
	o->urgent = pg_i(r, i, 21) != 0;
	/* lists too: what a case's actions are judged by (the queues) */
	o->ext_pending = (int)pg_i(r, i, 22);
	o->rating = pg_a(a, r, i, 24);
	o->unreasonable = pg_i(r, i, 25) != 0;
	if (full) {
		o->description = pg_a(a, r, i, 15);
		o->address = pg_a(a, r, i, 16);
		o->fields = pg_a(a, r, i, 17);
		o->reporter_id = pg_i(r, i, 18);
		o->ext_days = (int)pg_i(r, i, 23);
		o->merged_into = pg_i(r, i, 26);
		o->routing_rule = pg_a(a, r, i, 27);
		o->profile = pg_a(a, r, i, 28);
		o->routing_version = pg_i(r, i, 40);
		o->seal_id = pg_a(a, r, i, 41);
	}
	/* lists show deadlines too: a workbench sorts and colours by them */
	clock_from(r, i, 29, &o->clock);
	o->watch_due = pg_i(r, i, 37);
	o->watch_open = pg_i(r, i, 38) != 0;
	o->watch_marked = pg_i(r, i, 39);
}

/* The rows of one of a case's lists (parties, steps …), bound by its id. */
static PGresult *by_case(struct pg *d, const char *sql, int64_t id, const char *what,
			 enum pa_err *e)
{
	struct pg_args a = {0};
	pg_int(&a, id);
	return pg_run(d, sql, &a, what, e);
}

static enum pa_err case_get(struct pg *d, const struct pa_scope *s, int64_t id, struct pa_arena *a,
			    struct pa_case_row *out)
{
	static const char sql[] =
		"SELECT " CASE_COLS " FROM cases c WHERE c.id = $4 AND" PG_SCOPE_WHERE;
	static const char psql[] = "SELECT role, name, id_number, phone, address"
				   " FROM case_parties WHERE case_id = $1 ORDER BY idx";
	static const char ssql[] =
		"SELECT s.action, s.from_state, s.to_state, s.from_unit, fu.name, s.to_unit,"
		" tu.name, s.actor_id, u.name, u.role, s.at, s.note FROM case_steps s"
		" LEFT JOIN units fu ON fu.id = s.from_unit LEFT JOIN units tu ON tu.id = s.to_unit"
		" LEFT JOIN users u ON u.id = s.actor_id WHERE s.case_id = $1 ORDER BY s.id";
	/* Related cases are shown whatever their scope: number and status only, never their
	 * text, which may name people the reader may not see. */
	static const char lsql[] = "SELECT l.other_id, l.kind, o.number, NULL, o.status"
				   " FROM case_links l JOIN cases o ON o.id = l.other_id"
				   " WHERE l.case_id = $1 ORDER BY l.at, l.other_id";
	static const char asql[] = "SELECT a.sha256, a.mime, a.name, u.name, a.size, a.at"
				   " FROM case_attachments a LEFT JOIN users u ON u.id = a.actor_id"
				   " WHERE a.case_id = $1 ORDER BY a.at, a.sha256";
	static const char rsql[] = "SELECT r.kind, r.data, u.name, r.at FROM case_records r"
				   " LEFT JOIN users u ON u.id = r.actor_id WHERE r.case_id = $1"
				   " ORDER BY r.id";
	static const char vsql[] = "SELECT v.level, v.note, u.name, v.at, v.due_at, v.report,"
				   " v.reported_at, v.late"
				   " FROM supervisions v LEFT JOIN users u ON u.id = v.by_user"
				   " WHERE v.case_id = $1 ORDER BY v.id";
	struct pg_args p = {0};
	pg_scope(&p, s);
	pg_int(&p, id);
	enum pa_err e;
	PGresult *r = pg_run(d, sql, &p, "case get", &e);
	if (!r)
		return e;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return pa_errf(PA_NOT_FOUND, NULL, "no case %lld", (long long)id);
	}
	case_from(a, r, 0, true, out);
	PQclear(r);

	if (!(r = by_case(d, psql, id, "case parties", &e)))
		return e;
	out->nparties = PQntuples(r);
	out->parties = pa_alloc(a, sizeof *out->parties * (size_t)(out->nparties + 1));
	for (int i = 0; i < out->nparties; i++) {
		struct pa_party_row *x = &out->parties[i];
		x->role = pg_a(a, r, i, 0);
		x->name = pg_a(a, r, i, 1);
		x->id_number = pg_a(a, r, i, 2);
		x->phone = pg_a(a, r, i, 3);
		x->address = pg_a(a, r, i, 4);
	}
	PQclear(r);

	if (!(r = by_case(d, ssql, id, "case steps", &e)))
		return e;
	out->nsteps = PQntuples(r);
	out->steps = pa_alloc(a, sizeof *out->steps * (size_t)(out->nsteps + 1));
	for (int i = 0; i < out->nsteps; i++) {
		struct pa_step_row *x = &out->steps[i];
		x->action = pg_a(a, r, i, 0);
		x->from_state = pg_a(a, r, i, 1);
		x->to_state = pg_a(a, r, i, 2);
		x->from_unit = pg_i(r, i, 3);
		x->from_unit_name = pg_a(a, r, i, 4);
		x->to_unit = pg_i(r, i, 5);
		x->to_unit_name = pg_a(a, r, i, 6);
		x->actor_id = pg_i(r, i, 7);
		x->actor_name = pg_a(a, r, i, 8);
		x->actor_role = pg_a(a, r, i, 9);
		x->at = pg_i(r, i, 10);
		x->note = pg_a(a, r, i, 11);
	}
	PQclear(r);

	if (!(r = by_case(d, lsql, id, "case links", &e)))
		return e;
	out->nlinks = PQntuples(r);
	out->links = out->nlinks ? pa_alloc(a, sizeof *out->links * (size_t)out->nlinks) : NULL;
	for (int i = 0; i < out->nlinks; i++) {
		struct pa_link_row *l = &out->links[i];
		l->other_id = pg_i(r, i, 0);
		l->kind = pg_a(a, r, i, 1);
		l->number = pg_a(a, r, i, 2);
		l->title = pg_a(a, r, i, 3);
		l->status = pg_a(a, r, i, 4);
	}
	PQclear(r);

	if (!(r = by_case(d, asql, id, "case attachments", &e)))
		return e;
	out->nattachments = PQntuples(r);
	out->attachments =
		out->nattachments
			? pa_alloc(a, sizeof *out->attachments * (size_t)out->nattachments)
			: NULL;
	for (int i = 0; i < out->nattachments; i++) {
		struct pa_attachment_row *x = &out->attachments[i];
		x->sha256 = pg_a(a, r, i, 0);
		x->mime = pg_a(a, r, i, 1);
		x->name = pg_a(a, r, i, 2);
		x->actor_name = pg_a(a, r, i, 3);
		x->size = pg_i(r, i, 4);
		x->at = pg_i(r, i, 5);
	}
	PQclear(r);

	if (!(r = by_case(d, rsql, id, "case records", &e)))
		return e;
	out->nrecords = PQntuples(r);
	out->records =
		out->nrecords ? pa_alloc(a, sizeof *out->records * (size_t)out->nrecords) : NULL;
	for (int i = 0; i < out->nrecords; i++) {
		struct pa_record_row *x = &out->records[i];
		x->kind = pg_a(a, r, i, 0);
		x->data = pg_a(a, r, i, 1);
		x->actor_name = pg_a(a, r, i, 2);
		x->at = pg_i(r, i, 3);
	}
	PQclear(r);

	if (!(r = by_case(d, vsql, id, "case supervisions", &e)))
		return e;
	out->nsupervisions = PQntuples(r);
	out->supervisions =
		out->nsupervisions
			? pa_alloc(a, sizeof *out->supervisions * (size_t)out->nsupervisions)
			: NULL;
	for (int i = 0; i < out->nsupervisions; i++) {
		struct pa_supervision_row *v = &out->supervisions[i];
		v->level = pg_a(a, r, i, 0);
		v->note = pg_a(a, r, i, 1);
		v->by_name = pg_a(a, r, i, 2);
		v->at = pg_i(r, i, 3);
		v->due_at = pg_i(r, i, 4);
		v->report = pg_a(a, r, i, 5);
		v->reported_at = pg_i(r, i, 6);
		v->late = pg_i(r, i, 7) != 0;
	}
	PQclear(r);
	return PA_OK;
}

/* The case and its lists from one snapshot: outside the writer's transaction, one
 * repeatable-read transaction of its own. */
static enum pa_err pg_case_get(struct pa_db *db, const struct pa_scope *s, int64_t id,
			       struct pa_arena *a, struct pa_case_row *out)
{
	struct pg *d = PG(db);
	if (pg_in_tx(d))
		return case_get(d, s, id, a, out);
	enum pa_err e = pg_exec(d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "case get");
	if (e)
		return e;
	e = case_get(d, s, id, a, out);
	pg_exec(d, "ROLLBACK", "case get");
	return e;
}

/* The conditions of a case list and count (as sqlite.c's CASE_FILTER_WHERE): one
 * statement for every filter combination, NULL parameters matching anything. $1-$3 are
 * the scope, $4 the cursor, $10 the limit. */
#define PG_CASE_FILTER_WHERE                                                                  \
	PG_SCOPE_WHERE                                                                        \
	" AND c.id < $4::bigint AND ($5::text IS NULL OR c.status = $5)"                      \
	" AND ($6::text IS NULL OR c.category = $6) AND ($7::text IS NULL OR c.type = $7)"    \
	" AND ($8::text IS NULL OR (c.grid >= $8 AND c.grid < $8 || '~'))"                    \
	" AND ($9::text IS NULL OR c.search LIKE '%' || $9 || '%' ESCAPE '\\')"               \
	" AND ($11::text IS NULL OR c.id IN (SELECT case_id FROM case_persons"                \
	" WHERE bidx = $11))"                                                                 \
	" AND ($12::text IS NULL OR c.status IN"                                              \
	" (SELECT jsonb_array_elements_text($12::jsonb)))"                                    \
	" AND ($13::bigint IS NULL OR c.unit_id = $13)"                                       \
	" AND ($14::bigint IS NULL OR (c.due_red <= $14 AND c.paused_at IS NULL))"            \
	" AND ($15::int = 0 OR c.sup_level <> 'none' OR EXISTS (SELECT 1 FROM supervisions v" \
	" WHERE v.case_id = c.id AND v.level = 'manual' AND v.reported_at IS NULL))"          \
	" AND ($16::text IS NULL OR (SELECT s.action FROM case_steps s WHERE"                 \
	" s.case_id = c.id ORDER BY s.id DESC LIMIT 1) IN"                                    \
	" (SELECT jsonb_array_elements_text($16::jsonb)))"                                    \
	" AND ($17::int = 0 OR c.rating IS NULL)"

/* Binds f's conditions, with limit as $10; LIKE metacharacters in the words are literal. */
static void filter_args(struct pg_args *p, const struct pa_scope *s, const struct pa_case_filter *f,
			int64_t limit, struct pa_arena *a)
{
	pg_scope(p, s);
	pg_int(p, f->before_id > 0 ? f->before_id : INT64_MAX);
	pg_text(p, f->status);
	pg_text(p, f->category);
	pg_text(p, f->type);
	pg_text(p, f->region);
	char *esc = NULL;
	if (f->q) {
		size_t ql = strlen(f->q);
		char *o = esc = pa_alloc(a, 2 * ql + 1);
		for (const char *q = f->q; *q; q++) {
			if (*q == '%' || *q == '_' || *q == '\\')
				*o++ = '\\';
			*o++ = *q;
		}
		*o = 0;
	}
	pg_text(p, esc);
	pg_int(p, limit);
	pg_text(p, f->person);
	pg_text(p, f->states);
	pg_id(p, f->holder_unit);
	pg_id(p, f->red_before);
	pg_int(p, f->supervised);
	pg_text(p, f->last_actions);
	pg_int(p, f->unrated);
}

/* A list in another order than newest first (as sqlite.c's): by (key, id) from after $18,
 * $19, the keys as the indexes of migration 3 hold them. */
#define PG_SORTED(sort, key, cmp, dir)                                                            \
	[sort] = "SELECT " CASE_COLS " FROM cases c WHERE" PG_CASE_FILTER_WHERE " AND (" key      \
		 ", c.id) " cmp " ($18::bigint, $19::bigint) ORDER BY " key " " dir ", c.id " dir \
		 " LIMIT $10",
static const char *const pg_sorted[] = {PA_CASE_SORTS(PG_SORTED)};

/* f's order: its statement, with the cursor as $18, $19. */
static const char *case_list_sql(const struct pa_case_filter *f, struct pg_args *p)
{
	static const char newest[] = "SELECT " CASE_COLS " FROM cases c WHERE" PG_CASE_FILTER_WHERE
				     " ORDER BY c.id DESC LIMIT $10";
	if (f->sort == PA_SORT_NEWEST)
		return newest;
	int64_t key, id;
	pa_case_sort_after(f, &key, &id);
	pg_int(p, key);
	pg_int(p, id);
	return pg_sorted[f->sort];
}

static enum pa_err pg_case_list(struct pa_db *db, const struct pa_scope *s,
				const struct pa_case_filter *f, struct pa_arena *a,
				struct pa_case_row **rows, int *n, int64_t *next)
{
	struct pg_args p = {0};
	filter_args(&p, s, f, f->limit + 1, a);
	const char *sql = case_list_sql(f, &p);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &p, "case list", &e);
	if (!r)
		return e;
	*rows = pa_alloc(a, sizeof **rows * (size_t)(f->limit > 0 ? f->limit : 1));
	*n = 0;
	*next = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		if (*n == f->limit) {
			*next = (*rows)[*n - 1].id;
			break;
		}
		case_from(a, r, i, false, &(*rows)[(*n)++]);
	}
	PQclear(r);
	return PA_OK;
}

static enum pa_err pg_case_count(struct pa_db *db, const struct pa_scope *s,
				 const struct pa_case_filter *f, int64_t *n)
{
	/* every page: no cursor, and a limit no count reaches */
	static const char sql[] =
		"SELECT count(*) FROM (SELECT 1 FROM cases c WHERE" PG_CASE_FILTER_WHERE
		" LIMIT $10) x";
	struct pa_arena a;
	pa_arena_init(&a);
	struct pa_case_filter all = *f;
	all.before_id = 0;
	struct pg_args p = {0};
	filter_args(&p, s, &all, INT64_MAX, &a);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &p, "case count", &e);
	pa_arena_free(&a);
	if (!r)
		return e;
	*n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return PA_OK;
}

static enum pa_err pg_case_step(struct pa_db *db, const struct pa_step_in *s)
{
	struct pg *d = PG(db);
	/* The expected from_state guards against a racing action on the same case. */
	static const char sql[] =
		"UPDATE cases SET status = $1, unit_id = coalesce($2, unit_id), updated_at = $3,"
		" version = version + 1, tier = coalesce($6, tier),"
		" urgent = CASE WHEN $7::int < 0 THEN urgent ELSE $7 END,"
		" ext_pending = CASE WHEN $8::int < 0 THEN ext_pending ELSE $8 END,"
		" ext_days = ext_days + $9::int,"
		" rating = CASE WHEN $23::int <> 0 THEN NULL ELSE coalesce($10, rating) END,"
		" unreasonable = CASE WHEN $11::int < 0 THEN unreasonable ELSE $11 END,"
		" merged_into = coalesce($12, merged_into),"
		" phase_started = CASE WHEN $13::int <> 0 THEN $14::bigint ELSE phase_started END,"
		" due_yellow = CASE WHEN $13::int <> 0 THEN $15::bigint ELSE due_yellow END,"
		" due_red = CASE WHEN $13::int <> 0 THEN $16::bigint ELSE due_red END,"
		" paused_at = CASE WHEN $13::int <> 0 THEN $17::bigint ELSE paused_at END,"
		" next_due = CASE WHEN $13::int <> 0 THEN $18::bigint ELSE next_due END,"
		" paused_days = CASE WHEN $13::int <> 0 THEN $19::int ELSE paused_days END,"
		" paused_secs = CASE WHEN $13::int <> 0 THEN $20::bigint ELSE paused_secs END,"
		" sup_level = CASE WHEN $13::int <> 0 THEN $21::text ELSE sup_level END,"
		" overdue = CASE WHEN $22::int <> 0 THEN 1 ELSE overdue END,"
		" watch_open = CASE $24::int WHEN 1 THEN (watch_due IS NOT NULL)::int WHEN 2 THEN 0"
		" ELSE watch_open END,"
		" watch_marked_at = coalesce($25, watch_marked_at),"
		" routing_rule = coalesce($26, routing_rule),"
		" routing_version = CASE WHEN $26::text IS NULL THEN routing_version"
		" ELSE $27::bigint END,"
		" profile = coalesce($28, profile)"
		" WHERE id = $4 AND status = $5";
	const struct pa_case_patch none = {.urgent = -1, .ext_pending = -1, .unreasonable = -1};
	const struct pa_case_patch *p = s->patch ? s->patch : &none;
	const struct pa_clock zero = {0};
	struct pg_args a = {0};
	pg_text(&a, s->to_state);
	pg_id(&a, s->to_unit);
	pg_int(&a, s->at);
	pg_int(&a, s->case_id);
	pg_text(&a, s->from_state);
	pg_text(&a, p->tier);
	pg_int(&a, p->urgent);
	pg_int(&a, p->ext_pending);
	pg_int(&a, p->ext_add);
	pg_text(&a, p->rating);
	pg_int(&a, p->unreasonable);
	pg_id(&a, p->merged_into);
	pg_int(&a, p->clock != NULL);
	args_clock(&a, p->clock ? p->clock : &zero); /* 14 .. 21 */
	pg_int(&a, p->mark_overdue);
	pg_int(&a, p->clear_rating);
	pg_int(&a, (int)p->watch);
	pg_id(&a, p->watch_marked);
	pg_text(&a, p->routing_rule);
	pg_id(&a, p->routing_version);
	pg_text(&a, p->profile);
	int64_t changed = 0;
	enum pa_err e = pg_do(d, sql, &a, "case update", &changed);
	if (e)
		return e;
	if (changed != 1)
		return pa_errf(PA_CONFLICT, NULL,
			       "the case changed meanwhile; reload it and try again");
	int64_t step_id;
	if ((e = insert_step(d, s, &step_id)))
		return e;
	char action[64];
	snprintf(action, sizeof action, "case.%s", s->action);
	if ((e = pg_audit_json(d, s->actor_id, action, "case", s->case_id, NULL,
			       json_pack("{s:I, s:s?, s:s?, s:o, s:o}", "step", (json_int_t)step_id,
					 "from", s->from_state, "to", s->to_state, "from_unit",
					 pg_jid(s->from_unit), "to_unit", pg_jid(s->to_unit)))))
		return e;
	if ((e = apply_stats(d, s, s->to_unit ? s->to_unit : s->from_unit)))
		return e;
	if (strcmp(s->from_state, s->to_state) == 0)
		return PA_OK;
	if ((e = count_add(d, s->grid, s->type, s->category, s->from_state, -1)))
		return e;
	return count_add(d, s->grid, s->type, s->category, s->to_state, 1);
}

static enum pa_err pg_case_link(struct pa_db *db, int64_t a, int64_t b, const char *kind,
				int64_t at)
{
	struct pg *d = PG(db);
	/* A merge replaces a plain link between the same cases; a link twice conflicts. */
	static const char sql[] =
		"INSERT INTO case_links (city, case_id, other_id, kind, at)"
		" VALUES (" CASE_CITY(
			"$1") ",$1,$2,$3,$4) ON CONFLICT (city, case_id, other_id)"
			      " DO UPDATE"
			      " SET kind = excluded.kind, at = excluded.at"
			      " WHERE case_links.kind = 'related' AND excluded.kind <> 'related'";
	/* the duplicate points at the case it joined; that case lists its merged reports */
	const char *back = strcmp(kind, "merged") == 0 ? "merged_report"
			   : strcmp(kind, "task") == 0 ? "warning"
						       : kind;
	int64_t pairs[2][2] = {{a, b}, {b, a}};
	for (int i = 0; i < 2; i++) {
		struct pg_args p = {0};
		pg_int(&p, pairs[i][0]);
		pg_int(&p, pairs[i][1]);
		pg_text(&p, i ? back : kind);
		pg_int(&p, at);
		int64_t changed = 0;
		enum pa_err e = pg_do(d, sql, &p, "case link", &changed);
		if (e)
			return e;
		if (changed == 0)
			return pa_errf(PA_CONFLICT, "target_case_id",
				       "the cases are already related");
		if ((e = pg_bump(d, pairs[i][0], "case link")))
			return e;
	}
	return PA_OK;
}

static enum pa_err pg_linked(struct pa_db *db, int64_t id, const char *kind, json_t **rows)
{
	static const char sql[] =
		"SELECT o.id, o.number, o.grid, o.status,"
		" (SELECT name FROM regions WHERE code = o.grid) FROM case_links l"
		" JOIN cases o ON o.id = l.other_id WHERE l.case_id = $1 AND l.kind = $2"
		" ORDER BY o.grid, o.id";
	struct pg_args a = {0};
	pg_int(&a, id);
	pg_text(&a, kind);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "linked cases", &e);
	if (!r)
		return e;
	*rows = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(*rows,
				      json_pack("{s:I, s:s, s:s, s:s, s:s}", "case_id",
						(json_int_t)pg_i(r, i, 0), "number", pg_s(r, i, 1),
						"grid", pg_s(r, i, 2), "status", pg_s(r, i, 3),
						"grid_name", pg_s(r, i, 4)));
	PQclear(r);
	return PA_OK;
}

static enum pa_err pg_case_dispatcher(struct pa_db *db, int64_t id, int64_t *unit_id)
{
	/* a re-route leaves from the unit it takes the case away from: the dispatcher is the
	 * unit the last dispatch (交办 for petitions) left from */
	static const char sql[] = "SELECT from_unit FROM case_steps WHERE case_id = $1"
				  " AND action IN ('dispatch', 'assign') ORDER BY id DESC LIMIT 1";
	enum pa_err e;
	PGresult *r = by_case(PG(db), sql, id, "case dispatcher", &e);
	if (!r)
		return e;
	*unit_id = PQntuples(r) == 1 ? pg_i(r, 0, 0) : 0;
	PQclear(r);
	return PA_OK;
}

static enum pa_err pg_case_who(struct pa_db *db, int64_t id, const char *handle_states,
			       int64_t actor_unit, struct pa_case_who *out)
{
	static const char sql[] =
		"SELECT c.reporter_id, (SELECT s.from_unit FROM case_steps s WHERE s.case_id = c.id"
		" AND strpos($1, ',' || s.from_state || ',') > 0"
		" AND strpos($1, ',' || s.to_state || ',') = 0 ORDER BY s.id DESC LIMIT 1),"
		" (SELECT region FROM units WHERE id = c.unit_id),"
		" (SELECT region FROM units WHERE id = $2) FROM cases c WHERE c.id = $3";
	struct pg_args a = {0};
	pg_text(&a, handle_states);
	pg_int(&a, actor_unit);
	pg_int(&a, id);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "case who", &e);
	if (!r)
		return e;
	memset(out, 0, sizeof *out);
	if (PQntuples(r) != 1) {
		PQclear(r);
		return pa_errf(PA_NOT_FOUND, NULL, "no case %lld", (long long)id);
	}
	out->reporter_id = pg_i(r, 0, 0);
	out->handled_by = pg_i(r, 0, 1);
	snprintf(out->holder_region, sizeof out->holder_region, "%s", pg_s(r, 0, 2));
	snprintf(out->actor_region, sizeof out->actor_region, "%s", pg_s(r, 0, 3));
	PQclear(r);
	return PA_OK;
}

static enum pa_err pg_unit_has_role(struct pa_db *db, int64_t unit, const char *roles, bool *yes)
{
	static const char sql[] = "SELECT EXISTS (SELECT 1 FROM users WHERE unit_id = $1"
				  " AND disabled = 0 AND strpos($2, ',' || role || ',') > 0)";
	struct pg_args a = {0};
	pg_int(&a, unit);
	pg_text(&a, roles);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "unit roles", &e);
	if (!r)
		return e;
	*yes = PQntuples(r) == 1 && strcmp(pg_s(r, 0, 0), "t") == 0;
	PQclear(r);
	return PA_OK;
}

static enum pa_err pg_case_by_query(struct pa_db *db, const char *query_hash, int64_t *id)
{
	static const char sql[] = "SELECT id FROM cases WHERE query_hash = $1";
	struct pg_args a = {0};
	pg_text(&a, query_hash);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "case by query", &e);
	if (!r)
		return e;
	if (PQntuples(r) == 1)
		*id = pg_i(r, 0, 0);
	else
		e = pa_errf(PA_NOT_FOUND, "code", "no case has this query code");
	PQclear(r);
	return e;
}

void pg_ops_cases(struct pa_store_ops *o)
{
	o->case_insert = pg_case_insert;
	o->case_head = pg_case_head;
	o->case_get = pg_case_get;
	o->case_list = pg_case_list;
	o->case_count = pg_case_count;
	o->case_step = pg_case_step;
	o->case_link = pg_case_link;
	o->linked = pg_linked;
	o->case_dispatcher = pg_case_dispatcher;
	o->case_who = pg_case_who;
	o->unit_has_role = pg_unit_has_role;
	o->case_by_query = pg_case_by_query;
}
