/* pg_audit.c: the audit chain (store/audit.h) on PostgreSQL — keyed hashes computed in C, as
 * on SQLite; the head kept in memory through the writer's transaction and written once
 * before COMMIT; reads of the marks and rows from one snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/city_sql.h"
#include "store/pg.h"

json_t *pg_jid(int64_t v)
{
	return v ? json_integer(v) : json_null();
}

void pg_head_forget(struct pg *d)
{
	d->head_known = d->head_moved = false;
}

/* The head in the open transaction: read once (the writer lock keeps every other writer
 * out until COMMIT), then moved in memory with each row. A savepoint undone drops what is
 * known: the rows left behind say where the chain ends. */
static enum pa_err chain_head(struct pg *d, struct pg_chain_head *h)
{
	static const char sql[] = "SELECT n, mac, alg FROM audit_head WHERE one = 1";
	static const char last[] = "SELECT idx, mac FROM audit_log ORDER BY idx DESC LIMIT 1";
	if (d->head_known) {
		*h = d->head;
		return PA_OK;
	}
	memset(h, 0, sizeof *h);
	enum pa_err e;
	PGresult *r = pg_run(d, sql, NULL, "audit head", &e);
	if (!r)
		return e;
	if (PQntuples(r) == 1) {
		h->found = true;
		h->n = pg_i(r, 0, 0);
		pg_mac(r, 0, 1, h->mac);
		h->alg = pa_audit_alg_from(pg_s(r, 0, 2));
	}
	PQclear(r);
	if (h->found && !h->alg)
		return pa_errf(PA_INTERNAL, NULL,
			       "the audit log names an algorithm this pingan does not know");
	if (h->found && d->head_moved) {
		if (!(r = pg_run(d, last, NULL, "audit head", &e)))
			return e;
		if (PQntuples(r) == 1) {
			h->n = pg_i(r, 0, 0);
			pg_mac(r, 0, 1, h->mac);
		}
		PQclear(r);
	}
	d->head = *h;
	d->head_known = true;
	return PA_OK;
}

enum pa_err pg_write_head(struct pg *d)
{
	static const char sql[] =
		"INSERT INTO audit_head (one, n, mac, tag, alg) VALUES (1,$1,$2,$3,$4)"
		" ON CONFLICT (one) DO UPDATE SET n = excluded.n, mac = excluded.mac,"
		" tag = excluded.tag, alg = excluded.alg";
	if (!d->head_moved)
		return PA_OK;
	struct pg_chain_head h;
	uint8_t tag[PA_AUDIT_MAC_BYTES];
	enum pa_err e = chain_head(d, &h);
	if (!e)
		e = pa_audit_mark_tag(h.alg, d->base.audit_key, "head", h.n, h.mac, tag);
	if (e)
		return e;
	struct pg_args a = {0};
	pg_int(&a, h.n);
	pg_bytes(&a, h.mac, PA_AUDIT_MAC_BYTES);
	pg_bytes(&a, tag, PA_AUDIT_MAC_BYTES);
	pg_text(&a, pa_audit_alg_name(h.alg));
	if ((e = pg_do(d, sql, &a, "audit head", NULL)))
		return e;
	d->head_moved = false;
	return PA_OK;
}

/* Append r after the head h (r's index, prev and MAC are set here) and move the head on,
 * with a checkpoint every PA_AUDIT_CHECKPOINT_EVERY rows. */
static enum pa_err chain_put(struct pg *d, struct pg_chain_head *h, struct pa_audit_row *r)
{
	static const char ins[] = "INSERT INTO audit_log (idx, at, actor_id, action, subject,"
				  " detail, prev, mac) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)"
				  " ON CONFLICT (idx) DO NOTHING";
	static const char cp[] = "INSERT INTO audit_checkpoints (idx, mac, tag, at)"
				 " VALUES ($1,$2,$3,$4)";
	const uint8_t *key = d->base.audit_key;
	r->idx = h->n + 1;
	memcpy(r->prev, h->mac, PA_AUDIT_MAC_BYTES);
	uint8_t tag[PA_AUDIT_MAC_BYTES];
	enum pa_err e = pa_audit_mac(h->alg, key, r->prev, r, r->mac);
	if (e)
		return e;
	struct pg_args a = {0};
	pg_int(&a, r->idx);
	pg_int(&a, r->at);
	pg_id(&a, r->actor_id);
	pg_text(&a, r->action);
	pg_text(&a, r->subject);
	pg_text(&a, r->detail);
	pg_bytes(&a, r->prev, PA_AUDIT_MAC_BYTES);
	pg_bytes(&a, r->mac, PA_AUDIT_MAC_BYTES);
	int64_t n = 0;
	/* a row already there is not an error of the statement (which would end the
	 * transaction) but of the chain */
	if ((e = pg_do(d, ins, &a, "audit insert", &n)))
		return e;
	if (n != 1)
		return pa_errf(PA_INTERNAL, NULL,
			       "the audit log has a row %lld its head does not know of: nothing "
			       "more is written until pingan audit verify has been heard",
			       (long long)r->idx);
	if (r->idx % PA_AUDIT_CHECKPOINT_EVERY == 0) {
		if ((e = pa_audit_mark_tag(h->alg, key, "checkpoint", r->idx, r->mac, tag)))
			return e;
		struct pg_args c = {0};
		pg_int(&c, r->idx);
		pg_bytes(&c, r->mac, PA_AUDIT_MAC_BYTES);
		pg_bytes(&c, tag, PA_AUDIT_MAC_BYTES);
		pg_int(&c, r->at);
		if ((e = pg_do(d, cp, &c, "audit checkpoint", NULL)))
			return e;
	}
	h->n = r->idx;
	memcpy(h->mac, r->mac, PA_AUDIT_MAC_BYTES);
	d->head = *h;
	d->head_known = d->head_moved = true;
	return PA_OK;
}

static enum pa_err need_key(struct pg *d)
{
	return d->base.has_audit_key
		       ? PA_OK
		       : pa_errf(PA_INTERNAL, NULL,
				 "this connection has no audit key, and nothing is written "
				 "unaudited");
}

static enum pa_err audit_append(struct pg *d, int64_t actor, const char *action,
				const char *subject, const char *detail, int64_t at)
{
	struct pg_chain_head h;
	enum pa_err e = need_key(d);
	if (e)
		return e;
	/* outside a transaction no COMMIT would write the head: nothing is written */
	if (!pg_in_tx(d))
		return pa_errf(PA_INTERNAL, NULL, "an audit row is written inside a transaction");
	if ((e = chain_head(d, &h)))
		return e;
	if (!h.found)
		return pa_errf(PA_INTERNAL, NULL,
			       "the audit log has lost its head: nothing more is written until "
			       "pingan audit verify has been heard");
	struct pa_audit_row r = {.at = at,
				 .actor_id = actor,
				 .action = action,
				 .subject = subject,
				 .detail = detail ? detail : "{}"};
	return chain_put(d, &h, &r);
}

enum pa_err pg_audit_json(struct pg *d, int64_t actor, const char *action, const char *kind,
			  int64_t id, const char *code, json_t *detail)
{
	char subject[64];
	if (code)
		snprintf(subject, sizeof subject, "%s:%s", kind, code);
	else
		snprintf(subject, sizeof subject, "%s:%lld", kind, (long long)id);
	char *s = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(detail);
	if (!s)
		return pa_errf(PA_INTERNAL, NULL, "out of memory for an audit row");
	enum pa_err e = audit_append(d, actor, action, subject, s, pa_now());
	free(s);
	return e;
}

/* Migration 1: the chain's first row — its algorithm and the name of its key. */
enum pa_err pg_audit_start(struct pg *d)
{
	enum pa_err e = need_key(d);
	if (e)
		return pa_errf(e, NULL, "migration 1 begins the audit log: %s",
			       pa_err_last()->message);
	struct pg_chain_head h = {.found = true, .alg = pa_audit_alg_default()};
	pg_head_forget(d);
	char *start = pa_audit_start_detail(h.alg, d->base.audit_key);
	struct pa_audit_row r = {
		.at = pa_now(), .action = "audit.start", .subject = "audit", .detail = start};
	e = start ? chain_put(d, &h, &r) : pa_errf(PA_INTERNAL, NULL, "out of memory");
	free(start);
	if (!e)
		e = pg_write_head(d);
	pg_head_forget(d);
	return e;
}

static enum pa_err pg_audit_add(struct pa_db *db, const struct pa_audit_in *e)
{
	return audit_append(PG(db), e->actor_id, e->action, e->subject, e->detail, e->at);
}

static enum pa_err pg_audit_status(struct pa_db *db, int64_t *n, char key_id[17])
{
	struct pg *d = PG(db);
	*n = 0;
	key_id[0] = 0;
	int v = 0;
	enum pa_err e = pg_version(db, &v);
	if (e || v == 0)
		return e; /* no schema yet: nothing in the chain */
	static const char sql[] = "SELECT (SELECT count(*) FROM audit_log),"
				  " (SELECT detail::json->>'key_id' FROM audit_log"
				  " WHERE idx = 1 AND action = 'audit.start')";
	PGresult *r = pg_run(d, sql, NULL, "audit status", &e);
	if (!r)
		return e;
	*n = pg_i(r, 0, 0);
	snprintf(key_id, 17, "%s", pg_s(r, 0, 1));
	PQclear(r);
	return PA_OK;
}

static void mark_from(const PGresult *r, int i, struct pa_audit_mark *m)
{
	m->idx = pg_i(r, i, 0);
	pg_mac(r, i, 1, m->mac);
	pg_mac(r, i, 2, m->tag);
}

/* The rows from idx `from` on, a page at a time through a cursor: the chain may be long. */
static enum pa_err rows_from(struct pg *d, int64_t from, const struct pa_audit_reader *rd)
{
	char sql[256];
	snprintf(sql, sizeof sql,
		 "DECLARE audit_rows NO SCROLL CURSOR FOR SELECT idx, at, actor_id, action,"
		 " subject, detail, prev, mac FROM audit_log WHERE idx >= %lld ORDER BY idx",
		 (long long)from);
	enum pa_err e = pg_exec(d, sql, "audit rows");
	while (!e) {
		PGresult *r = PQexec(d->c, "FETCH 2000 FROM audit_rows");
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			e = pg_err(d, r, "audit rows");
			PQclear(r);
			break;
		}
		int n = PQntuples(r);
		for (int i = 0; i < n && !e; i++) {
			struct pa_audit_row row = {.idx = pg_i(r, i, 0),
						   .at = pg_i(r, i, 1),
						   .actor_id = pg_i(r, i, 2),
						   .action = pg_s(r, i, 3),
						   .subject = pg_s(r, i, 4),
						   .detail = pg_s(r, i, 5)};
			pg_mac(r, i, 6, row.prev);
			pg_mac(r, i, 7, row.mac);
			e = rd->row(rd->arg, &row);
		}
		PQclear(r);
		if (n == 0)
			break;
	}
	return e;
}

static enum pa_err audit_read(struct pg *d, const struct pa_audit_reader *rd,
			      struct pa_audit_marks *m)
{
	int v = 0;
	enum pa_err e = pg_version(&d->base, &v);
	if (e)
		return e;
	if (v == 0)
		return pa_errf(PA_CONFLICT, NULL, "the database has no audit chain (no schema)");
	PGresult *r = pg_run(d, "SELECT n, mac, tag, alg FROM audit_head WHERE one = 1", NULL,
			     "audit head", &e);
	if (!r)
		return e;
	if (PQntuples(r) == 1) {
		m->has_head = true;
		mark_from(r, 0, &m->head);
		snprintf(m->alg, sizeof m->alg, "%s", pg_s(r, 0, 3));
	}
	PQclear(r);
	if (!(r = pg_run(d, "SELECT idx, mac, tag FROM audit_checkpoints ORDER BY idx", NULL,
			 "audit checkpoints", &e)))
		return e;
	m->ncheckpoints = PQntuples(r);
	m->checkpoints = calloc((size_t)m->ncheckpoints + 1, sizeof *m->checkpoints);
	for (int i = 0; i < m->ncheckpoints; i++)
		mark_from(r, i, &m->checkpoints[i]);
	PQclear(r);
	return rows_from(d, rd->start(rd->arg, m), rd);
}

static enum pa_err pg_audit_read(struct pa_db *db, const struct pa_audit_reader *rd)
{
	struct pg *d = PG(db);
	/* one read transaction: the marks and the rows as of one moment */
	bool own = !pg_in_tx(d);
	enum pa_err e = own ? pg_exec(d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "audit")
			    : PA_OK;
	if (e)
		return e;
	struct pa_audit_marks m = {0};
	e = audit_read(d, rd, &m);
	free(m.checkpoints);
	if (own)
		pg_exec(d, "ROLLBACK", "audit");
	else
		pg_exec(d, "CLOSE audit_rows", "audit");
	return e;
}

/* "case:123" → 123; NULL for a subject not of digits there ("user:unknown") */
#define PG_SUBJECT_ID(from)                                                                     \
	"(CASE WHEN substr(l.subject, " from ") ~ '^[0-9]{1,18}$' THEN substr(l.subject, " from \
	")::bigint END)"

static enum pa_err pg_audit_list(struct pa_db *db, const struct pa_audit_filter *f,
				 struct pa_arena *a, struct pa_audit_entry **rows, int *n,
				 int64_t *next)
{
	struct pg *d = PG(db);
	static const char sql[] =
		"SELECT l.idx, l.at, l.actor_id, u.username, l.action, l.subject, l.detail,"
		" l.prev, l.mac FROM audit_log l LEFT JOIN users u ON u.id = l.actor_id"
		" WHERE ($1::bigint = 0 OR l.idx < $1) AND ($2::text IS NULL OR l.subject = $2)"
		" AND ($3::bigint IS NULL OR l.actor_id = $3)"
		" AND ($4::text IS NULL OR l.action = $4"
		" OR substr(l.action, 1, length($4) + 1) = $4 || '.')"
		" AND ($6::text IS NULL OR substr(l.action, 1, length($6)) = $6"
		" OR substr(l.action, 1, length($7::text)) = $7)" AUDIT_CITY(
			"$8::text", PG_SUBJECT_ID) " ORDER BY l.idx DESC LIMIT $5";
	struct pg_args p = {0};
	pg_int(&p, f->before);
	pg_text(&p, f->subject);
	pg_id(&p, f->actor_id);
	pg_text(&p, f->action);
	pg_int(&p, f->limit + 1); /* one more says whether a next page exists */
	pg_text(&p, f->prefixes[0]);
	pg_text(&p, f->prefixes[1]);
	pg_text(&p, f->region);
	enum pa_err e;
	PGresult *r = pg_run(d, sql, &p, "audit list", &e);
	if (!r)
		return e;
	*rows = pa_alloc(a, sizeof **rows * (size_t)(f->limit + 1));
	*n = 0;
	*next = 0;
	for (int i = 0; i < PQntuples(r); i++) {
		if (*n == f->limit) {
			*next = (*rows)[*n - 1].row.idx;
			break;
		}
		struct pa_audit_entry *x = &(*rows)[(*n)++];
		memset(x, 0, sizeof *x);
		x->row.idx = pg_i(r, i, 0);
		x->row.at = pg_i(r, i, 1);
		x->row.actor_id = pg_i(r, i, 2);
		x->actor_name = pg_a(a, r, i, 3);
		x->row.action = pg_a(a, r, i, 4);
		x->row.subject = pg_a(a, r, i, 5);
		x->row.detail = pg_a(a, r, i, 6);
		pg_mac(r, i, 7, x->row.prev);
		pg_mac(r, i, 8, x->row.mac);
	}
	PQclear(r);
	return PA_OK;
}

void pg_ops_audit(struct pa_store_ops *o)
{
	o->audit_add = pg_audit_add;
	o->audit_status = pg_audit_status;
	o->audit_read = pg_audit_read;
	o->audit_list = pg_audit_list;
}
