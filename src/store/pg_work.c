/* pg_work.c: the rest of a case's life on PostgreSQL — attachments, records, supervisions,
 * the sweeper's due lists, statistics, routing versions, personal data and idempotency
 * keys (as sqlite.c keeps them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg.h"

static enum pa_err pg_attachment_add(struct pa_db *db, int64_t case_id, const char *sha256,
				     const char *mime, int64_t size, const char *name,
				     int64_t actor_id, int64_t at)
{
	struct pg *d = PG(db);
	/* a file twice is a conflict, not an error that would end the transaction */
	static const char sql[] =
		"INSERT INTO case_attachments (city, case_id, sha256, mime,"
		" size, name, actor_id, at) VALUES (" CASE_CITY("$1") ",$1,$2,$3,$4,$5,$6,$7)"
								      " ON CONFLICT DO NOTHING";
	struct pg_args a = {0};
	pg_int(&a, case_id);
	pg_text(&a, sha256);
	pg_text(&a, mime);
	pg_int(&a, size);
	pg_text(&a, name);
	pg_id(&a, actor_id);
	pg_int(&a, at);
	int64_t n = 0;
	enum pa_err e = pg_do(d, sql, &a, "attachment", &n);
	if (e)
		return e;
	if (n != 1)
		return pa_errf(PA_CONFLICT, NULL, "the case has this file already");
	return pg_bump(d, case_id, "attachment");
}

static enum pa_err pg_attachment_get(struct pa_db *db, int64_t case_id, const char *sha256,
				     char mime[32], char name[256], int64_t *size)
{
	static const char sql[] = "SELECT mime, name, size FROM case_attachments"
				  " WHERE case_id = $1 AND sha256 = $2";
	struct pg_args a = {0};
	pg_int(&a, case_id);
	pg_text(&a, sha256);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "attachment", &e);
	if (!r)
		return e;
	if (PQntuples(r) == 1) {
		snprintf(mime, 32, "%s", pg_s(r, 0, 0));
		snprintf(name, 256, "%s", pg_s(r, 0, 1));
		*size = pg_i(r, 0, 2);
	} else
		e = pa_errf(PA_NOT_FOUND, NULL, "no such attachment on this case");
	PQclear(r);
	return e;
}

static enum pa_err pg_record_add(struct pa_db *db, int64_t case_id, const char *kind,
				 const char *data, int64_t actor_id, int64_t at)
{
	static const char sql[] = "INSERT INTO case_records (city, case_id, kind, data,"
				  " actor_id, at) VALUES (" CASE_CITY("$1") ",$1,$2,$3,$4,$5)";
	struct pg_args a = {0};
	pg_int(&a, case_id);
	pg_text(&a, kind);
	pg_text(&a, data);
	pg_id(&a, actor_id);
	pg_int(&a, at);
	return pg_do(PG(db), sql, &a, "record", NULL);
}

/* Ids and due times from a (due, id)-paged query bound $1 now, $2 after_due, $3 after_id,
 * $4 max. */
static enum pa_err due_page(struct pg *d, const char *sql, int64_t now, int64_t after_due,
			    int64_t after_id, int max, int64_t *ids, int64_t *dues, int *n)
{
	struct pg_args a = {0};
	pg_int(&a, now);
	pg_int(&a, after_due);
	pg_int(&a, after_id);
	pg_int(&a, max);
	enum pa_err e;
	PGresult *r = pg_run(d, sql, &a, "cases due", &e);
	*n = 0;
	if (!r)
		return e;
	for (int i = 0; i < PQntuples(r) && *n < max; i++) {
		ids[*n] = pg_i(r, i, 0);
		dues[(*n)++] = pg_i(r, i, 1);
	}
	PQclear(r);
	return PA_OK;
}

static enum pa_err pg_cases_due(struct pa_db *db, int64_t now, int64_t after_due, int64_t after_id,
				int max, int64_t *ids, int64_t *dues, int *n)
{
	/* paged by (next_due, id): a case the sweeper cannot judge stays behind the page and
	 * never starves those after it */
	static const char sql[] =
		"SELECT id, next_due FROM cases WHERE next_due IS NOT NULL AND"
		" next_due <= $1 AND (next_due > $2 OR (next_due = $2 AND id > $3))"
		" ORDER BY next_due, id LIMIT $4";
	return due_page(PG(db), sql, now, after_due, after_id, max, ids, dues, n);
}

static enum pa_err pg_cases_watch_due(struct pa_db *db, int64_t now, int64_t after_due,
				      int64_t after_id, int max, int64_t *ids, int64_t *dues,
				      int *n)
{
	/* the terms of the partial index cases_watch_due, so it is the one read */
	static const char sql[] =
		"SELECT id, watch_due FROM cases WHERE watch_open = 1 AND watch_marked_at IS NULL"
		" AND watch_due <= $1 AND (watch_due > $2 OR (watch_due = $2 AND id > $3))"
		" ORDER BY watch_due, id LIMIT $4";
	return due_page(PG(db), sql, now, after_due, after_id, max, ids, dues, n);
}

static enum pa_err pg_supervision_report(struct pa_db *db, int64_t case_id, const char *report,
					 int64_t at)
{
	static const char sql[] = "UPDATE supervisions SET report = $1, reported_at = $2"
				  " WHERE id = (SELECT id FROM supervisions WHERE case_id = $3 AND"
				  " level = 'manual' AND reported_at IS NULL ORDER BY id LIMIT 1)";
	struct pg_args a = {0};
	pg_text(&a, report);
	pg_int(&a, at);
	pg_int(&a, case_id);
	int64_t n = 0;
	enum pa_err e = pg_do(PG(db), sql, &a, "supervision report", &n);
	if (!e && n != 1)
		e = pa_errf(PA_ACTION_NOT_ALLOWED, "action", "no supervision waits for a report");
	return e;
}

static enum pa_err pg_supervisions_late(struct pa_db *db, int64_t now, int max, int64_t *case_ids,
					int64_t *ids, int *n)
{
	static const char sql[] = "SELECT case_id, id FROM supervisions WHERE level = 'manual'"
				  " AND reported_at IS NULL AND late = 0 AND due_at <= $1"
				  " ORDER BY due_at, id LIMIT $2";
	struct pg_args a = {0};
	pg_int(&a, now);
	pg_int(&a, max);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "supervisions late", &e);
	*n = 0;
	if (!r)
		return e;
	for (int i = 0; i < PQntuples(r) && *n < max; i++) {
		case_ids[*n] = pg_i(r, i, 0);
		ids[(*n)++] = pg_i(r, i, 1);
	}
	PQclear(r);
	return PA_OK;
}

static enum pa_err pg_supervision_mark_late(struct pa_db *db, int64_t id)
{
	static const char sql[] = "UPDATE supervisions SET late = 1 WHERE id = $1"
				  " AND reported_at IS NULL AND late = 0";
	struct pg_args a = {0};
	pg_int(&a, id);
	int64_t n = 0;
	enum pa_err e = pg_do(PG(db), sql, &a, "supervision late", &n);
	if (!e && n != 1)
		e = PA_NOT_FOUND;
	return e;
}

static enum pa_err pg_supervision_add(struct pa_db *db, int64_t case_id, const char *level,
				      int64_t by_user, const char *note, int64_t at, int64_t due_at)
{
	struct pg *d = PG(db);
	static const char sql[] =
		"INSERT INTO supervisions (city, case_id, level, by_user,"
		" note, at, due_at) VALUES (" CASE_CITY("$1") ",$1,$2,$3,$4,$5,$6)";
	struct pg_args a = {0};
	pg_int(&a, case_id);
	pg_text(&a, level);
	pg_id(&a, by_user);
	pg_text(&a, note);
	pg_int(&a, at);
	pg_id(&a, due_at);
	enum pa_err e = pg_do(d, sql, &a, "supervision", NULL);
	return e ? e : pg_bump(d, case_id, "supervision");
}

static void add_to(json_t *o, const char *k, json_int_t n)
{
	json_t *v = json_object_get(o, k);
	json_object_set_new(o, k, json_integer((v ? json_integer_value(v) : 0) + n));
}

static enum pa_err pg_stats(struct pa_db *db, const struct pa_scope *s, const char *region,
			    json_t **out)
{
	struct pg *d = PG(db);
	/* Region-scoped callers read the counters; unit-scoped ones count their own cases. */
	static const char by_counts[] =
		"SELECT status, category, type, sum(n) FROM stat_counts"
		" WHERE" CITY_BOUND("city",
				    "$1::text") " AND grid >= $1::text AND grid < $1::text || '~'"
						" GROUP BY status, category, type";
	static const char by_cases[] =
		"SELECT c.status, c.category, c.type, count(*) FROM cases c WHERE" PG_SCOPE_WHERE
		" AND c.grid >= $4::text AND c.grid < $4::text || '~' GROUP BY 1, 2, 3";
	static const char overdue[] = "SELECT c.status, count(*) FROM cases c WHERE" PG_SCOPE_WHERE
				      " AND c.grid >= $4::text AND c.grid < $4::text || '~'"
				      " AND c.overdue = 1 GROUP BY 1";
	struct pg_args a = {0};
	if (s->by_unit)
		pg_scope(&a, s);
	pg_text(&a, region);
	enum pa_err e;
	PGresult *r = pg_run(d, s->by_unit ? by_cases : by_counts, &a, "stats", &e);
	if (!r)
		return e;
	json_t *status = json_object(), *category = json_object(), *type = json_object(),
	       *snap = json_object();
	json_int_t total = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		json_int_t n = pg_i(r, i, 3);
		if (!n)
			continue;
		if (pg_s(r, i, 0)[0] == '~') {
			/* a snapshot metric (e.g. ~overdue: open cases past a red limit) */
			add_to(snap, pg_s(r, i, 0) + 1, n);
			continue;
		}
		add_to(status, pg_s(r, i, 0), n);
		add_to(category, pg_s(r, i, 1), n);
		add_to(type, pg_s(r, i, 2), n);
		total += n;
	}
	PQclear(r);
	*out = json_pack("{s:s, s:I, s:o, s:o, s:o, s:o}", "region", region, "total", total,
			 "by_status", status, "by_category", category, "by_type", type, "snapshot",
			 snap);
	if (!s->by_unit)
		return PA_OK;
	/* a unit's cases past a red limit, by status (the caller knows which are open) */
	if (!(r = pg_run(d, overdue, &a, "stats", &e))) {
		json_decref(*out);
		*out = NULL;
		return e;
	}
	json_t *od = json_object();
	for (int i = 0; i < PQntuples(r); i++)
		json_object_set_new(od, pg_s(r, i, 0), json_integer(pg_i(r, i, 1)));
	PQclear(r);
	json_object_set_new(*out, "overdue_by_status", od);
	return PA_OK;
}

static enum pa_err pg_stat_events(struct pa_db *db, const char *region, int from, int to,
				  int group_digits, json_t **rows)
{
	static const char sql[] =
		"SELECT CASE WHEN $4::int = 0 THEN month::text WHEN $4::int < 0"
		" THEN unit_id::text ELSE substr(grid, 1, $4::int) END,"
		" metric, category, sum(n) FROM stat_month WHERE" CITY_BOUND(
			"city", "$1::text") " AND grid >= $1::text AND grid < $1::text || '~' AND "
					    "month BETWEEN $2 AND $3"
					    " GROUP BY 1, 2, 3";
	struct pg_args a = {0};
	pg_text(&a, region);
	pg_int(&a, from);
	pg_int(&a, to);
	pg_int(&a, group_digits);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "stat events", &e);
	if (!r)
		return e;
	*rows = json_array();
	for (int i = 0; i < PQntuples(r); i++)
		json_array_append_new(*rows, json_pack("[s, s, s, I]", pg_s(r, i, 0), pg_s(r, i, 1),
						       pg_s(r, i, 2), (json_int_t)pg_i(r, i, 3)));
	PQclear(r);
	return PA_OK;
}

/* ---- routing versions ---- */

static enum pa_err pg_routing_version_add(struct pa_db *db, const struct pa_routing_version *v,
					  int64_t *version)
{
	static const char sql[] =
		"INSERT INTO routing_versions (version, rules, sha256, source, actor_id, reason,"
		" at) SELECT (SELECT coalesce(max(version), 0) + 1 FROM routing_versions),"
		" $1, $2, $3, $4, $5, $6 WHERE $3::text IN ('file', 'api')"
		" AND ($3::text = 'api') = ($4::bigint IS NOT NULL)"
		" AND ($4::bigint IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = $4))"
		" RETURNING version";
	struct pg_args a = {0};
	pg_text(&a, v->rules);
	pg_text(&a, v->sha256);
	pg_text(&a, v->source);
	pg_id(&a, v->actor_id);
	pg_text(&a, v->reason);
	pg_int(&a, v->at);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "routing version insert", &e);
	if (!r)
		return e;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return pa_errf(PA_CONFLICT, NULL,
			       "routing version insert: its source and author do not go together");
	}
	*version = pg_i(r, 0, 0);
	PQclear(r);
	return PA_OK;
}

#define ROUTING_VERSION_COLS                                                              \
	"v.version, v.sha256, v.source, v.actor_id, (SELECT coalesce(nullif(u.name, '')," \
	" u.username) FROM users u WHERE u.id = v.actor_id), v.reason, v.at"

static void routing_version_from(struct pa_arena *a, const PGresult *r, int i,
				 struct pa_routing_version *v)
{
	memset(v, 0, sizeof *v);
	v->version = pg_i(r, i, 0);
	v->sha256 = pg_a(a, r, i, 1);
	v->source = pg_a(a, r, i, 2);
	v->actor_id = pg_i(r, i, 3);
	v->actor_name = pg_a(a, r, i, 4);
	v->reason = pg_a(a, r, i, 5);
	v->at = pg_i(r, i, 6);
}

static enum pa_err pg_routing_version_get(struct pa_db *db, int64_t version, const char *source,
					  struct pa_arena *a, struct pa_routing_version *out)
{
	static const char sql[] =
		"SELECT " ROUTING_VERSION_COLS ", v.rules"
		" FROM routing_versions v WHERE ($1::bigint = 0 OR v.version = $1)"
		" AND ($2::text IS NULL OR v.source = $2) ORDER BY v.version DESC LIMIT 1";
	struct pg_args p = {0};
	pg_int(&p, version);
	pg_text(&p, source);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &p, "routing version", &e);
	if (!r)
		return e;
	if (PQntuples(r) == 1) {
		routing_version_from(a, r, 0, out);
		out->rules = pg_a(a, r, 0, 7);
	} else
		e = pa_errf(PA_NOT_FOUND, NULL, "no such routing version");
	PQclear(r);
	return e;
}

static enum pa_err pg_routing_versions(struct pa_db *db, int64_t before, int max,
				       struct pa_arena *a, struct pa_routing_version **rows, int *n,
				       int64_t *next)
{
	static const char sql[] = "SELECT " ROUTING_VERSION_COLS " FROM routing_versions v"
				  " WHERE $1::bigint = 0 OR v.version < $1"
				  " ORDER BY v.version DESC LIMIT $2";
	struct pg_args p = {0};
	pg_int(&p, before);
	pg_int(&p, max + 1); /* one more says whether a next page exists */
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &p, "routing versions", &e);
	if (!r)
		return e;
	*rows = pa_alloc(a, sizeof **rows * (size_t)(max + 1));
	*n = 0;
	*next = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		if (*n == max) {
			*next = (*rows)[max - 1].version;
			break;
		}
		routing_version_from(a, r, i, &(*rows)[(*n)++]);
	}
	PQclear(r);
	return PA_OK;
}

/* ---- personal data ---- */

static enum pa_err pg_seal_probe(struct pa_db *db, const char *fresh, char **stored)
{
	struct pg *d = PG(db);
	static const char ins[] = "INSERT INTO pii_key (id, probe) VALUES (1, $1)"
				  " ON CONFLICT DO NOTHING";
	static const char sel[] = "SELECT probe FROM pii_key WHERE id = 1";
	enum pa_err e = PA_OK;
	*stored = NULL;
	if (fresh) {
		struct pg_args a = {0};
		pg_text(&a, fresh);
		if ((e = pg_do(d, ins, &a, "personal data key", NULL)))
			return e;
	}
	PGresult *r = pg_run(d, sel, NULL, "probe", &e);
	if (!r)
		return e;
	if (PQntuples(r) == 1)
		*stored = strdup(pg_s(r, 0, 0));
	PQclear(r);
	return PA_OK;
}

static enum pa_err pg_plain_cases(struct pa_db *db, int64_t after, int max, int64_t *ids, int *n)
{
	static const char sql[] =
		"SELECT id FROM cases c WHERE id > $1 AND seal_id IS NULL AND (fields <> '{}'"
		" OR EXISTS (SELECT 1 FROM case_parties p WHERE p.case_id = c.id))"
		" ORDER BY id LIMIT $2";
	struct pg_args a = {0};
	pg_int(&a, after);
	pg_int(&a, max);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "plain cases", &e);
	*n = 0;
	if (!r)
		return e;
	for (int i = 0; i < PQntuples(r) && i < max; i++)
		ids[(*n)++] = pg_i(r, i, 0);
	PQclear(r);
	return PA_OK;
}

static enum pa_err pg_case_reseal(struct pa_db *db, int64_t id, const struct pa_case_in *c)
{
	struct pg *d = PG(db);
	static const char csql[] = "UPDATE cases SET seal_id = $1, fields = $2 WHERE id = $3";
	static const char psql[] = "UPDATE case_parties SET name = $1, id_number = $2,"
				   " phone = $3, address = $4 WHERE case_id = $5 AND idx = $6";
	struct pg_args a = {0};
	pg_text(&a, c->seal_id);
	pg_text(&a, c->fields_json ? c->fields_json : "{}");
	pg_int(&a, id);
	enum pa_err e = pg_do(d, csql, &a, "case reseal", NULL);
	for (int i = 0; !e && i < c->nparties; i++) {
		struct pg_args p = {0};
		pg_text(&p, c->parties[i].name);
		pg_text(&p, c->parties[i].id_number);
		pg_text(&p, c->parties[i].phone);
		pg_text(&p, c->parties[i].address);
		pg_int(&p, id);
		pg_int(&p, i);
		e = pg_do(d, psql, &p, "party reseal", NULL);
	}
	return e ? e : pg_persons_add(d, id, c);
}

/* Rewrite the tables that held plaintext, so no dead tuple keeps it (VACUUM FULL writes
 * them anew); old WAL segments are the server's to recycle (docs/deploy.md). */
static enum pa_err pg_scrub(struct pa_db *db)
{
	return pg_exec(PG(db), "VACUUM FULL cases, case_parties", "scrub");
}

/* ---- idempotency ---- */

static enum pa_err pg_idem_get(struct pa_db *db, int64_t user_id, const char *key, char *req_hash,
			       int *status, char **body)
{
	static const char sql[] = "SELECT req_hash, status, body FROM idempotency"
				  " WHERE user_id = $1 AND key = $2";
	struct pg_args a = {0};
	pg_int(&a, user_id);
	pg_text(&a, key);
	enum pa_err e;
	PGresult *r = pg_run(PG(db), sql, &a, "idempotency get", &e);
	if (!r)
		return e;
	if (PQntuples(r) == 1) {
		snprintf(req_hash, 65, "%s", pg_s(r, 0, 0));
		*status = (int)pg_i(r, 0, 1);
		*body = strdup(pg_s(r, 0, 2));
	} else
		e = PA_NOT_FOUND;
	PQclear(r);
	return e;
}

static enum pa_err pg_idem_put(struct pa_db *db, int64_t user_id, const char *key,
			       const char *req_hash, int status, const char *body, int64_t now)
{
	static const char sql[] = "INSERT INTO idempotency (user_id, key, req_hash, status, body,"
				  " created_at) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING";
	struct pg_args a = {0};
	pg_int(&a, user_id);
	pg_text(&a, key);
	pg_text(&a, req_hash);
	pg_int(&a, status);
	pg_text(&a, body);
	pg_int(&a, now);
	int64_t n = 0;
	enum pa_err e = pg_do(PG(db), sql, &a, "idempotency put", &n);
	if (!e && n != 1)
		e = pa_errf(PA_CONFLICT, NULL, "idempotency put: the key is stored already");
	return e;
}

static enum pa_err pg_idem_prune(struct pa_db *db, int64_t before, int max, int *n)
{
	/* by the index on created_at: the work follows the keys due to go */
	static const char sql[] =
		"DELETE FROM idempotency WHERE (user_id, key) IN (SELECT user_id, key FROM"
		" idempotency WHERE created_at < $1 ORDER BY created_at LIMIT $2)";
	struct pg_args a = {0};
	pg_int(&a, before);
	pg_int(&a, max);
	int64_t changed = 0;
	enum pa_err e = pg_do(PG(db), sql, &a, "idempotency prune", &changed);
	*n = e ? 0 : (int)changed;
	return e;
}

void pg_ops_work(struct pa_store_ops *o)
{
	o->attachment_add = pg_attachment_add;
	o->attachment_get = pg_attachment_get;
	o->record_add = pg_record_add;
	o->cases_due = pg_cases_due;
	o->cases_watch_due = pg_cases_watch_due;
	o->supervision_report = pg_supervision_report;
	o->supervisions_late = pg_supervisions_late;
	o->supervision_mark_late = pg_supervision_mark_late;
	o->supervision_add = pg_supervision_add;
	o->stats = pg_stats;
	o->stat_events = pg_stat_events;
	o->routing_version_add = pg_routing_version_add;
	o->routing_version_get = pg_routing_version_get;
	o->routing_versions = pg_routing_versions;
	o->seal_probe = pg_seal_probe;
	o->plain_cases = pg_plain_cases;
	o->case_reseal = pg_case_reseal;
	o->scrub = pg_scrub;
	o->idem_get = pg_idem_get;
	o->idem_put = pg_idem_put;
	o->idem_prune = pg_idem_prune;
}
